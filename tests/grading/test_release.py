"""Releases, and what a student sees: their own released parts, nothing else."""

from decimal import Decimal as D

import pytest
from django.core import mail

from grading.models import Release, ScoreChange
from grading.services import GradingError, ScoreInput, part_release, part_unrelease, scores_set
from tests.grading.conftest import enrolment_of, leaf


@pytest.fixture
def graded(course, student, other_student):
    alice, bob = enrolment_of(student, course), enrolment_of(other_student, course)
    entries = [
        ScoreInput(alice.pk, leaf(course, "review").pk, D(45)),
        ScoreInput(alice.pk, leaf(course, "plan").pk, D(18)),
        ScoreInput(alice.pk, leaf(course, "organisation").pk, D(20)),
        ScoreInput(bob.pk, leaf(course, "review").pk, D("31.25")),
    ]
    scores_set(
        course=course, entries=entries, actor=None, via="command", path=ScoreChange.Path.BULK
    )
    return alice, bob


def grades_me(client, course):
    return client.get(f"/api/courses/{course.code}/grades/me/")


def test_nothing_is_shown_before_a_release(course, graded, student, api_client_of, client_of):
    body = grades_me(api_client_of(student), course).json()
    assert body["parts"] == []
    assert body["total"] is None
    assert body["letter"] == ""
    assert [part["key"] for part in body["unreleased"]] == ["presentation", "report"]
    page = client_of(student).get(f"/courses/{course.code}/grades/").content.decode()
    assert "No grades released yet." in page
    assert "45.00" not in page


def test_a_release_shows_that_part_only_and_mails_the_students(
    course, graded, student, instructor, api_client_of, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        part_release(part=leaf(course, "report"), actor=instructor, via="admin")
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert mail.outbox[0].subject == "[seminar] Grades released: Report"
    assert f"/courses/{course.code}/grades/" in mail.outbox[0].body

    body = grades_me(api_client_of(student), course).json()
    (report,) = body["parts"]
    assert report["key"] == "report"
    assert [(c["key"], c["earned"], c["possible"]) for c in report["criteria"]] == [
        ("review", "45.00", "50.00"),
        ("plan", "18.00", "20.00"),
    ]
    assert report["total"]["final"] == "63.00"
    assert body["total"]["final"] == "63.00"
    assert body["total"]["possible"] == "70.00"
    assert body["letter"] == ""  # the presentation is still to come
    assert "organisation" not in str(body)  # the unreleased part's scores stay hidden
    assert "31.25" not in str(body)  # nor another student's


def test_the_letter_comes_once_every_part_is_out(course, graded, student, instructor, client_of):
    for key in ("presentation", "report"):
        part_release(part=leaf(course, key), actor=instructor, via="admin")
    page = client_of(student).get(f"/courses/{course.code}/grades/").content.decode()
    # 20 (organisation alone: no talk, no peer reviews) + 5 (feedback given: she owes none)
    # + 45 + 18 = 88 -> F on A>=90, F>=0
    assert "Letter: <strong>F</strong>" in page
    assert "88.00 of 100 points" in page
    dashboard = client_of(student).get(f"/courses/{course.code}/dashboard/").content.decode()
    assert "Report: <strong>63.00</strong>" in dashboard


def test_a_part_is_released_once_and_can_be_hidden_again(course, instructor, ta):
    report = leaf(course, "report")
    part_release(part=report, actor=instructor, via="admin")
    with pytest.raises(GradingError, match="already released"):
        part_release(part=report, actor=instructor, via="admin")
    with pytest.raises(GradingError, match="instructors"):
        part_unrelease(part=report, actor=ta, via="page")
    part_unrelease(part=report, actor=instructor, via="admin")
    assert not Release.objects.exists()
    with pytest.raises(GradingError, match="not a top-level part"):
        part_release(part=leaf(course, "review"), actor=instructor, via="admin")


def test_the_admin_releases_a_part(course, staff_instructor, client_of):
    report = leaf(course, "report")
    client = client_of(staff_instructor)
    response = client.post(
        f"/admin/courseapp/course/{course.pk}/grades/release/",
        {"part": report.pk, "action": "release"},
    )
    assert response.status_code == 302
    assert Release.objects.filter(part=report).exists()


@pytest.mark.parametrize(("who", "status"), [("ta", 403), ("instructor", 403), ("outsider", 404)])
def test_only_students_have_a_grades_page(course, client_of, api_client_of, request, who, status):
    user = request.getfixturevalue(who)
    assert client_of(user).get(f"/courses/{course.code}/grades/").status_code == status
    assert grades_me(api_client_of(user), course).status_code == status


def test_a_student_gets_403_on_the_gradebook(course, student, api_client_of):
    assert api_client_of(student).get(f"/api/courses/{course.code}/gradebook/").status_code == 403
