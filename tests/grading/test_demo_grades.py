"""The demo's grades: the archive graded and released with one override, the live course's
presentation part partly graded and unreleased, its report empty; idempotent."""

import datetime as dt

import pytest
from django.utils import timezone

from courseapp.demo import demo_load
from courseapp.models import Course
from grading.demo_grades import OVERRIDE_REASON, demo_grades
from grading.models import Criterion, Release, Score, ScoreChange
from grading.selectors import gradebook_rows
from presentations.models import Presentation

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC), tick=False)
    demo_load()
    archive = Course.objects.get(code="mlsys-2025")
    live = Course.objects.get(code="mlsys-2025-live")
    now = timezone.now()
    # The demo books the talks: past sessions of the live course have been presented.
    assert Presentation.objects.for_course(live).filter(slot__meeting__date__lt=now.date())
    return archive, live, now


def test_the_archive_is_graded_and_released_with_one_override(courses):
    archive, live, now = courses
    demo_grades(archive=archive, live=live, now=now)

    book = gradebook_rows(course=archive)
    entered = [c.key for c in Criterion.objects.for_course(archive).leaves() if c.takes_entry]
    assert all(row.leaves[key].entered is not None for row in book.rows for key in entered)
    totals = sorted(row.parts["report"].final for row in book.rows)
    assert totals[0] < totals[-1] - 10  # a spread, not one number for everyone
    assert Release.objects.for_course(archive).count() == 2
    (override,) = Score.objects.for_course(archive).filter(override__isnull=False)
    assert override.override_reason == OVERRIDE_REASON
    assert ScoreChange.objects.filter(course=archive, path="bulk").exists()


def test_the_live_course_is_partly_graded_and_unreleased(courses):
    archive, live, now = courses
    demo_grades(archive=archive, live=live, now=now)

    assert not Release.objects.for_course(live).exists()
    report = Criterion.objects.for_course(live).get(key="report")
    assert not Score.objects.filter(criterion__parent__parent=report).exists()
    assert not Score.objects.filter(criterion__parent=report).exists()
    graded = Score.objects.for_course(live).values("student").distinct().count()
    presenters = (
        Presentation.objects.for_course(live)
        .filter(slot__meeting__date__lt=now.date())
        .values("student")
        .distinct()
        .count()
    )
    assert 0 < graded < presenters


def test_the_demo_grades_twice_change_nothing(courses):
    archive, live, now = courses
    demo_grades(archive=archive, live=live, now=now)
    before = ScoreChange.objects.count()
    demo_grades(archive=archive, live=live, now=now)
    assert ScoreChange.objects.count() == before
