"""Teams: formed by students or set by an instructor; one submission and one score a team."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from conftest import enrol, make_user
from courseapp.models import Enrollment, Role
from grading.models import Criterion, Score
from grading.selectors import gradebook_rows
from grading.services import score_override, score_set
from submissions.models import Submission, Team, TeamInvite, TeamMembership
from submissions.services import (
    SubmissionError,
    TeamError,
    submission_upload,
    team_accept,
    team_create,
    team_invite,
    team_leave,
    teams_import,
)
from tests.submissions.conftest import pdf_upload

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")
BEFORE = dt.datetime(2025, 10, 10, 12, 0, tzinfo=HK)


@pytest.fixture
def carol(course):
    user = make_user("carol")
    enrol(user, course, Role.STUDENT, student_id="S003")
    return user


@pytest.fixture
def team(course, student, other_student, instructor):
    teams_import(
        course=course,
        csv_text="team,username\nAlpha,alice\nAlpha,bob\n",
        actor=instructor,
        via="web",
    )
    return Team.objects.get(course=course, name="Alpha")


def test_an_instructor_sets_teams_from_a_csv(course, team, carol, instructor):
    assert sorted(m.student.user.username for m in team.memberships.all()) == ["alice", "bob"]

    teams_import(course=course, csv_text="Beta,bob\nBeta,carol\n", actor=instructor, via="web")

    assert TeamMembership.objects.get(student__user__username="bob").team.name == "Beta"


def test_a_bad_csv_changes_nothing(course, team, instructor, student):
    with pytest.raises(ValidationError) as refused:
        teams_import(
            course=course,
            csv_text="Gamma,alice\nGamma,nobody\nGamma\n",
            actor=instructor,
            via="web",
        )
    assert refused.value.messages == [
        "line 2: 'nobody' is not a student of this course",
        "line 3: expected two columns, team,username",
    ]
    assert not Team.objects.filter(name="Gamma").exists()
    with pytest.raises(SubmissionError):
        teams_import(course=course, csv_text="Gamma,alice\n", actor=student, via="web")


def test_students_invite_accept_and_leave_within_the_size(course, student, other_student, carol):
    course.team_max_size = 2
    course.save()
    team = team_create(course=course, user=student, name="Owls", via="web")
    invite = team_invite(team=team, user=student, username="bob", via="web")
    team_invite(team=team, user=student, username="carol", via="web")

    team_accept(invite=invite, user=other_student, via="web")
    with pytest.raises(TeamError) as full:
        team_accept(invite=TeamInvite.objects.get(student__user=carol), user=carol, via="web")

    assert full.value.code == "team_full"
    assert team.memberships.count() == 2
    team_leave(course=course, user=other_student, via="web")
    assert team.memberships.count() == 1


def test_teams_close_at_their_deadline(course, student):
    course.teams_close_at = dt.datetime(2025, 9, 30, tzinfo=HK)
    course.save()
    with time_machine.travel(dt.datetime(2025, 10, 1, tzinfo=HK)), pytest.raises(TeamError):
        team_create(course=course, user=student, name="Late", via="web")


def test_a_team_submission_is_seen_by_every_member_and_no_one_else(
    course, plan, team, student, other_student, carol, client_of, instructor
):
    with time_machine.travel(BEFORE, tick=False):
        receipt = submission_upload(deliverable=plan, user=student, upload=pdf_upload(2), via="web")
    submission = receipt.submission
    url = f"/courses/{course.code}/submissions/{submission.pk}/file/"

    assert submission.team == team
    assert client_of(student).get(url).status_code == 200
    assert client_of(other_student).get(url).status_code == 200
    assert client_of(instructor).get(url).status_code == 200
    assert client_of(carol).get(url).status_code == 404
    page = client_of(other_student).get(f"/courses/{course.code}/deliverables/plan/")
    assert f"/submissions/{submission.pk}/file/" in page.content.decode()
    carol_page = client_of(carol).get(f"/courses/{course.code}/deliverables/plan/")
    assert f"/submissions/{submission.pk}/file/" not in carol_page.content.decode()


def test_a_student_without_a_team_cannot_hand_in_team_work(plan, carol):
    with time_machine.travel(BEFORE, tick=False), pytest.raises(SubmissionError) as refused:
        submission_upload(deliverable=plan, user=carol, upload=pdf_upload(2), via="web")
    assert refused.value.code == "no_team"
    assert not Submission.objects.exists()


def test_a_team_score_is_entered_once_for_every_member_and_overridden_for_one(
    course, team, student, other_student, instructor
):
    leaf = Criterion.objects.get(course=course, key="plan")
    alice = Enrollment.objects.get(user=student)
    bob = Enrollment.objects.get(user=other_student)

    score_set(student=alice, criterion=leaf, points=Decimal(16), actor=instructor, via="web")

    assert Score.objects.get(student=bob, criterion=leaf).points == Decimal(16)
    score_override(
        student=bob,
        criterion=leaf,
        points=Decimal(12),
        reason="Did less of the work",
        actor=instructor,
        via="web",
    )
    values = {
        row.enrollment.pk: row.leaves["plan"].value for row in gradebook_rows(course=course).rows
    }
    assert values[alice.pk] == Decimal("16.00")
    assert values[bob.pk] == Decimal(12)


def test_a_student_without_a_team_is_told_to_form_one(course, plan, carol, client_of):
    page = client_of(carol).get(f"/courses/{course.code}/deliverables/plan/").content.decode()
    assert "This is team work:" in page


def test_the_grid_marks_a_team_leaf(course, plan, team, instructor, client_of):
    page = client_of(instructor).get(f"/courses/{course.code}/gradebook/").content.decode()
    assert "one score a team" in page
