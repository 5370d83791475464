"""papers_assign, the assignpapers command and the admin's preview: preferences in, papers out."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from courseapp.models import AuditEntry, Course, Enrollment
from presentations.models import Paper, PaperPreference, Presentation
from presentations.services import papers_assign, slot_sign_up
from tests.presentations.conftest import BEFORE_FREEZE


@pytest.fixture
def ranked(course, student, other_student, zero, vllm):
    course.paper_assignment = Course.PaperAssignment.PREFERENCES
    course.save()
    alice, bob = Enrollment.objects.get(user=student), Enrollment.objects.get(user=other_student)
    # Both want zero first; bob also likes vllm.
    PaperPreference.objects.create(course=course, student=alice, paper=zero, rank=1)
    PaperPreference.objects.create(course=course, student=bob, paper=zero, rank=1)
    PaperPreference.objects.create(course=course, student=bob, paper=vllm, rank=2)
    return alice, bob


def paper_of(enrollment) -> str | None:
    talk = Presentation.objects.filter(student=enrollment).select_related("paper").first()
    return talk.paper.key if talk and talk.paper else None


def test_the_assignment_is_optimal_and_audited(ranked, instructor):
    alice, bob = ranked

    report = papers_assign(course=alice.course, actor=instructor, via="command")

    # Alice can only be happy with zero; bob takes his second choice: total rank 3, not 1+U.
    assert (paper_of(alice), paper_of(bob)) == ("zero", "vllm")
    assert report.histogram == {1: 1, 2: 1}
    assert report.choice_lines() == ["1st choice: 1 talk", "2nd choice: 1 talk"]
    assert AuditEntry.objects.filter(action="paper.assign", actor=instructor).count() == 2


def test_a_dry_run_previews_and_writes_nothing(ranked):
    alice, _ = ranked

    report = papers_assign(course=alice.course, actor=None, via="command", dry_run=True)

    assert [(row.username, row.paper, row.rank) for row in report.assigned] == [
        ("alice", "zero", 1),
        ("bob", "vllm", 2),
    ]
    assert not Presentation.objects.filter(paper__isnull=False).exists()
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_papers_already_held_stay_and_withdrawn_students_are_left_out(ranked, make_students):
    alice, bob = ranked
    Presentation.objects.create(
        course=alice.course, student=bob, paper=Paper.objects.get(key="zero")
    )
    (carol,) = make_students(1)
    Enrollment.objects.filter(pk=carol.pk).update(status="withdrawn")

    report = papers_assign(course=alice.course, actor=None, via="command")

    assert (paper_of(alice), paper_of(bob), paper_of(carol)) == ("vllm", "zero", None)
    assert report.already_had == 1
    assert report.missed == ["alice (talk 1)"]


def test_a_booked_talk_gets_a_paper_of_its_sessions_category(ranked, slots, course):
    alice, _ = ranked
    course.paper_assignment = Course.PaperAssignment.PREFERENCES
    # Alice ranked zero (training) and booked the training session: she keeps to training.
    slot_sign_up(student=alice, slot=slots[0], actor=None, via="page", now=BEFORE_FREEZE)

    papers_assign(course=course, actor=None, via="command")

    assert paper_of(alice) == "zero"


def test_more_talks_than_papers_leaves_someone_without_one(ranked, make_students):
    alice, _ = ranked
    make_students(1)

    report = papers_assign(course=alice.course, actor=None, via="command")

    assert len(report.without_paper) == 1
    assert "1 left without a paper" in report.summary()


def test_the_command_prints_the_preview(ranked):
    out = StringIO()

    call_command("assignpapers", "seminar", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "alice (talk 1) would get zero (1st choice)" in text
    assert "1st choice: 1 talk; 2nd choice: 1 talk" in text
    assert not Presentation.objects.filter(paper__isnull=False).exists()


def test_the_command_names_the_known_courses_for_a_wrong_code(course):
    with pytest.raises(CommandError, match="Known courses: seminar"):
        call_command("assignpapers", "nope")


def test_the_admin_previews_then_applies(ranked, staff_instructor, client_of, course):
    client = client_of(staff_instructor)
    url = f"/admin/courseapp/course/{course.pk}/assign-papers/"

    preview = client.get(url)
    assert preview.status_code == 200
    assert "alice (talk 1) would get zero (1st choice)" in preview.content.decode()
    assert not Presentation.objects.filter(paper__isnull=False).exists()

    applied = client.post(url, {"apply": "Assign"})
    assert applied.status_code == 302
    assert Presentation.objects.filter(paper__isnull=False).count() == 2


@pytest.mark.parametrize("who", ["ta", "outsider"])
def test_the_admin_assignment_is_for_the_courses_instructors(request, course, client_of, who):
    user = request.getfixturevalue(who)
    user.is_staff = True
    user.save()

    response = client_of(user).get(f"/admin/courseapp/course/{course.pk}/assign-papers/")

    assert response.status_code in (403, 404)
