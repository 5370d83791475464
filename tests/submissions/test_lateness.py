"""Deadlines in the course's time zone, extensions, and the late penalty in the grade."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from courseapp.models import AuditEntry, Enrollment
from grading.models import Criterion
from grading.selectors import gradebook_rows
from grading.services import score_set
from submissions.models import Deliverable, Team, lateness
from submissions.services import (
    SubmissionError,
    extension_grant,
    penalty_waive,
    submission_upload,
)
from tests.submissions.conftest import pdf_upload

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")
DUE = dt.datetime(2025, 10, 1, 23, 59, tzinfo=HK)


def hand_in(deliverable, user, when):
    with time_machine.travel(when, tick=False):
        return submission_upload(
            deliverable=deliverable, user=user, upload=pdf_upload(3), via="web"
        )


def test_the_due_date_is_read_in_the_course_time_zone(review):
    assert review.due == DUE
    assert review.due == dt.datetime(2025, 10, 1, 15, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("late_by", "share", "refused"),
    [
        (dt.timedelta(hours=1), Decimal("0.1"), False),
        (dt.timedelta(days=1), Decimal("0.1"), False),
        (dt.timedelta(days=1, seconds=1), Decimal("0.2"), False),
        (dt.timedelta(days=2), Decimal("0.2"), False),
        (dt.timedelta(days=3), Decimal(1), True),
    ],
)
def test_the_late_penalty_at_1_hour_1_day_2_days_and_3_days(review, late_by, share, refused):
    late = lateness(review, submitted_at=DUE + late_by, due=DUE)

    assert late.share == share
    assert late.refused is refused


def test_past_the_cap_work_is_scored_zero_when_the_policy_says_so(plan):
    late = lateness(plan, submitted_at=plan.due + dt.timedelta(days=3), due=plan.due)

    assert (late.share, late.refused) == (Decimal(1), False)


def test_an_hourly_penalty_counts_started_hours(review):
    review.penalty_unit = Deliverable.Unit.HOUR
    review.penalty_rate = Decimal("0.05")
    review.penalty_cap = 10

    assert lateness(review, submitted_at=DUE + dt.timedelta(minutes=61), due=DUE).share == Decimal(
        "0.10"
    )


def test_on_time_to_the_second_and_late_one_second_after(review, student):
    on_time = hand_in(review, student, DUE)
    late = hand_in(review, student, DUE + dt.timedelta(seconds=1))

    assert (on_time.late, on_time.penalty_share) == (False, Decimal(0))
    assert (late.late, late.penalty_share) == (True, Decimal("0.1"))


def test_more_than_the_cap_late_is_refused(review, student):
    with pytest.raises(SubmissionError) as refused:
        hand_in(review, student, DUE + dt.timedelta(days=2, seconds=1))

    assert refused.value.code == "late_refused"
    assert "Wed 1 Oct 2025, 23:59" in refused.value.message


def test_an_extension_moves_the_deadline_edges(review, student, instructor):
    enrollment = Enrollment.objects.get(user=student)
    extended = dt.datetime(2025, 10, 3, 23, 59, tzinfo=HK)
    extension_grant(
        deliverable=review,
        student=enrollment,
        due=extended,
        reason="Medical certificate",
        actor=instructor,
        via="web",
    )

    on_time = hand_in(review, student, extended)
    late = hand_in(review, student, extended + dt.timedelta(minutes=1))

    assert on_time.late is False
    assert (late.late, late.penalty_share) == (True, Decimal("0.1"))
    entry = AuditEntry.objects.get(action="extension.grant")
    assert entry.reason == "Medical certificate"


def test_an_extension_needs_a_reason_and_staff(review, student, other_student, ta):
    enrollment = Enrollment.objects.get(user=student)
    later = DUE + dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        extension_grant(
            deliverable=review, student=enrollment, due=later, reason=" ", actor=ta, via="web"
        )
    with pytest.raises(SubmissionError):
        extension_grant(
            deliverable=review,
            student=enrollment,
            due=later,
            reason="x",
            actor=other_student,
            via="web",
        )
    with pytest.raises(ValidationError):
        extension_grant(
            deliverable=review, student=enrollment, due=DUE, reason="x", actor=ta, via="web"
        )


def _review_leaf(course, student):
    return (
        Criterion.objects.get(course=course, key="review"),
        Enrollment.objects.get(user=student),
    )


def test_the_grade_shows_raw_penalty_and_net(course, review, student, instructor):
    hand_in(review, student, DUE + dt.timedelta(hours=1))
    leaf, enrollment = _review_leaf(course, student)
    score_set(student=enrollment, criterion=leaf, points=Decimal(40), actor=instructor, via="web")

    row = gradebook_rows(course=course).rows[0]
    score = row.leaves["review"]

    assert (score.entered, score.penalty, score.value) == (
        Decimal(40),
        Decimal("4.00"),
        Decimal("36.00"),
    )
    assert row.handins["review"].submission.version == 1


def test_an_instructor_waives_a_penalty_with_a_reason(course, review, student, instructor, ta):
    hand_in(review, student, DUE + dt.timedelta(days=2))
    leaf, enrollment = _review_leaf(course, student)
    score_set(student=enrollment, criterion=leaf, points=Decimal(40), actor=instructor, via="web")
    with pytest.raises(SubmissionError):
        penalty_waive(deliverable=review, student=enrollment, reason="x", actor=ta, via="web")

    penalty_waive(
        deliverable=review, student=enrollment, reason="Server outage", actor=instructor, via="web"
    )

    score = gradebook_rows(course=course).rows[0].leaves["review"]
    assert (score.value, score.penalty, score.waived) == (Decimal("40.00"), Decimal(0), True)
    assert AuditEntry.objects.get(action="penalty.waive").reason == "Server outage"


def test_the_latest_version_on_time_counts(course, review, student, instructor):
    hand_in(review, student, DUE - dt.timedelta(hours=1))
    hand_in(review, student, DUE + dt.timedelta(hours=5))
    leaf, enrollment = _review_leaf(course, student)
    score_set(student=enrollment, criterion=leaf, points=Decimal(40), actor=instructor, via="web")

    row = gradebook_rows(course=course).rows[0]

    assert row.handins["review"].submission.version == 1
    assert row.leaves["review"].value == Decimal("40.00")


def _queries(course) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        gradebook_rows(course=course)
    return len(captured)


def test_the_gradebook_with_hand_ins_runs_the_same_queries_for_5_and_60_students(
    course, review, plan
):
    from conftest import enrol, make_user
    from courseapp.models import Role
    from submissions.services import teams_import

    instructor = make_user("boss")
    enrol(instructor, course, Role.INSTRUCTOR)

    def grow(count, prefix):
        users = []
        for number in range(count):
            user = make_user(f"{prefix}{number}")
            enrol(user, course, Role.STUDENT, student_id=f"{prefix}{number}")
            users.append(user)
            hand_in(review, user, DUE - dt.timedelta(hours=number % 3 - 1))
        teams_import(
            course=course,
            csv_text="".join(f"{prefix}-team,{user.username}\n" for user in users),
            actor=instructor,
            via="web",
        )
        extension_grant(
            deliverable=plan,
            team=Team.objects.get(name=f"{prefix}-team"),
            due=plan.due + dt.timedelta(days=1),
            reason="Lab flood",
            actor=instructor,
            via="web",
        )

    grow(5, "a")
    small = _queries(course)
    grow(55, "b")
    assert _queries(course) == small
