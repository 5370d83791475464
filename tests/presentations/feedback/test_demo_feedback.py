"""The demo's feedback: the archive all in and released; the live course with past sessions
reviewed, a talk under min_reviews, one flagged, one hidden comment, and student01 owing
feedback on a session whose window is open today."""

import datetime as dt

import pytest
from django.utils import timezone

from courseapp.demo import demo_load
from courseapp.models import Course, Enrollment
from presentations import feedback_selectors as fs
from presentations.demo_feedback import HIDDEN_REASON, demo_feedback
from presentations.models import Feedback

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[dt.date(2026, 11, 30), dt.date(2026, 12, 3), dt.date(2026, 12, 6)])
def courses(request, time_machine):
    # Hong Kong noon on a Monday, a Thursday and a Sunday of the live course's week 10.
    time_machine.move_to(dt.datetime.combine(request.param, dt.time(4, 0), dt.UTC), tick=False)
    demo_load()
    return Course.objects.get(code="mlsys-2025"), Course.objects.get(code="mlsys-2025-live")


def test_the_archive_has_all_feedback_in_and_released(courses):
    archive, _ = courses
    now = timezone.now()
    credit = fs.feedback_credit(course=archive, now=now)
    assert len(credit) == 24
    assert all(c.owed > 0 and c.given_in_time == c.owed for c in credit.values())
    aggregates = fs.peer_aggregates(course=archive, now=now)
    assert len(aggregates) == 24
    # Every window is closed and every talk has min_reviews reviews: all released. The
    # smallest, the first sessions of agents and adaptation, are reviewed by the two
    # presenters of their category's other session.
    assert min(a.reviews for a in aggregates.values()) == archive.min_reviews == 2
    assert all(a.released for a in aggregates.values())


def test_the_live_course_has_its_weeks_worth_of_feedback(courses):
    _, live = courses
    now = timezone.now()
    aggregates = fs.peer_aggregates(course=live, now=now)
    talks = {t.pk: t for t in fs.booked_talks(course=live)}
    closed = [a for pk, a in aggregates.items() if fs.window_closes(talks[pk].slot.meeting) <= now]
    assert closed
    assert all(a.reviews > 0 for a in closed)
    assert any(0 < a.reviews < live.min_reviews for a in closed)
    assert any(a.disagreement for a in aggregates.values())
    (hidden,) = Feedback.objects.for_course(live).filter(hidden=True)
    assert hidden.hidden_reason == HIDDEN_REASON
    student01 = Enrollment.objects.select_related("user").get(
        course=live, user__username="student01"
    )
    student01.course = live
    page = fs.student_feedback(student=student01, now=now)
    assert page.todo, "student01 owes feedback on a session whose window is open today"
    assert all(item.state == "open" and not item.given for item in page.todo)


def test_the_demo_feedback_twice_changes_nothing(courses):
    archive, live = courses
    before = Feedback.objects.count()
    demo_feedback(archive=archive, live=live, now=timezone.now())
    assert Feedback.objects.count() == before
