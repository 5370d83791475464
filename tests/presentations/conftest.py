"""Builders for papers-and-slots tests on the small course of the root conftest.

The small course has one presentation session (session 1, Tuesday 2025-09-09 at 10:30 in
Hong Kong, category training) with two slots of capacity 1, and two papers: zero (training)
and vllm (inference). Sign-up opens on 2025-09-01; the freeze is 24 hours before the session.
"""

import datetime as dt
import zoneinfo

import pytest

from conftest import enrol, make_user
from courseapp.models import Course, Role
from presentations.models import Paper, Slot
from schedule.models import Meeting

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")
BEFORE_FREEZE = dt.datetime(2025, 9, 5, 12, 0, tzinfo=HK)
AFTER_FREEZE = dt.datetime(2025, 9, 8, 11, 0, tzinfo=HK)


@pytest.fixture
def open_course(course) -> Course:
    course.signup_opens_at = dt.datetime(2025, 9, 1, 9, 0, tzinfo=HK)
    course.save()
    return course


@pytest.fixture
def session(open_course) -> Meeting:
    return Meeting.objects.select_related("course").get(
        course=open_course, kind=Meeting.Kind.PRESENTATION
    )


@pytest.fixture
def slots(session) -> list[Slot]:
    return list(Slot.objects.filter(meeting=session).order_by("position"))


@pytest.fixture
def zero(course) -> Paper:
    return Paper.objects.get(course=course, key="zero")


@pytest.fixture
def vllm(course) -> Paper:
    return Paper.objects.get(course=course, key="vllm")


@pytest.fixture
def make_students(course):
    def make(count: int, prefix: str = "s"):
        return [
            enrol(make_user(f"{prefix}{n:02d}"), course, Role.STUDENT, student_id=f"{prefix}{n}")
            for n in range(count)
        ]

    return make
