"""Per-meeting responses: one instance per lecture, due before it, counted with free misses."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from courseapp.models import Enrollment
from grading.selectors import gradebook_rows
from submissions.models import Deliverable
from submissions.services import SubmissionError, submission_upload

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")


def respond(deliverable, user, when):
    with time_machine.travel(when, tick=False):
        return submission_upload(deliverable=deliverable, user=user, text="A response.", via="web")


def test_one_instance_per_lecture_due_before_the_meeting_starts(course):
    instances = list(Deliverable.objects.filter(course=course, series="response").order_by("due"))

    assert [d.key for d in instances] == [
        "response-20250902",
        "response-20250903",
        "response-20250916",
    ]
    assert [d.due for d in instances] == [
        dt.datetime(2025, 9, d, 9, 0, tzinfo=HK) for d in (2, 3, 16)
    ]
    for instance in instances:
        meeting = instance.meeting
        starts = dt.datetime.combine(meeting.date, meeting.starts_at, tzinfo=HK)
        assert instance.due < starts


def test_a_response_after_its_due_time_is_refused(course, student):
    first = Deliverable.objects.get(course=course, key="response-20250902")

    assert respond(first, student, dt.datetime(2025, 9, 2, 8, 59, tzinfo=HK)).late is False
    with pytest.raises(SubmissionError) as refused:
        respond(first, student, dt.datetime(2025, 9, 2, 9, 0, 1, tzinfo=HK))
    assert refused.value.code == "late_refused"


@pytest.mark.parametrize(("handed_in", "points"), [(0, "0.00"), (1, "2.50"), (2, "5.00")])
def test_responses_count_with_one_free_miss(course, student, handed_in, points):
    instances = list(Deliverable.objects.filter(course=course, series="response").order_by("due"))
    for instance in instances[:handed_in]:
        respond(instance, student, instance.due - dt.timedelta(hours=1))

    with time_machine.travel(dt.datetime(2025, 9, 20, tzinfo=HK), tick=False):
        book = gradebook_rows(course=course)
    row = next(r for r in book.rows if r.enrollment == Enrollment.objects.get(user=student))

    assert row.leaves["responses"].value == Decimal(points)


def test_before_any_is_due_beyond_the_free_misses_the_points_are_full(course, student):
    with time_machine.travel(dt.datetime(2025, 9, 2, 10, 0, tzinfo=HK), tick=False):
        book = gradebook_rows(course=course)

    assert book.rows[0].leaves["responses"].value == Decimal("5.00")
