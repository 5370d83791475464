"""The demo's hand-ins: both reports in the archive, the live course as of week 10."""

import datetime as dt
from decimal import Decimal

import pytest

from courseapp.models import Course
from grading.selectors import gradebook_rows
from submissions.models import Extension, Submission
from tests.courseapp.test_demo import run_demo


@pytest.mark.django_db
def test_the_demo_hands_in_the_reports_once(time_machine, settings):
    settings.DEBUG = True
    time_machine.move_to(dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC), tick=False)
    run_demo()
    counts = {
        course.code: Submission.objects.filter(course=course).count()
        for course in Course.objects.all()
    }
    run_demo()

    archive = Course.objects.get(code="mlsys-2025")
    live = Course.objects.get(code="mlsys-2025-live")
    assert counts == {
        course.code: Submission.objects.filter(course=course).count()
        for course in Course.objects.all()
    }
    assert counts["mlsys-2025"] == 24 * 2 + 1  # one student's first draft is kept too
    assert 0 < counts["mlsys-2025-live"] < counts["mlsys-2025"]
    assert Extension.objects.filter(course=live).count() == 1
    book = gradebook_rows(course=archive)
    late = [row for row in book.rows if row.late_penalty]
    assert [row.user.username for row in late] == ["student03"]
    assert late[0].leaves["coverage"].penalty > Decimal(0)
