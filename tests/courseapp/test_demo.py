import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import models

from courseapp.models import Course, Enrollment, Role
from schedule.models import Meeting, Week

HONG_KONG_NOON_UTC = dt.time(4, 0)


def run_demo(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def on_day(time_machine):
    def move(day: dt.date) -> None:
        time_machine.move_to(dt.datetime.combine(day, HONG_KONG_NOON_UTC, dt.UTC), tick=False)

    return move


@pytest.mark.django_db
def test_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        run_demo()
    assert not Course.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_demo_loads_both_courses_and_the_cast(on_day):
    on_day(dt.date(2026, 11, 30))
    output = run_demo(force=True)

    archive = Course.objects.get(code="mlsys-2025")
    live = Course.objects.get(code="mlsys-2025-live")
    assert "Demo ready: 26 users created" in output
    users = get_user_model().objects.all()
    assert sorted(users.values_list("username", flat=True)) == sorted(
        ["instructor", "ta"] + [f"student{n:02d}" for n in range(1, 25)]
    )
    assert all(user.check_password("demo") for user in users)
    for course in (archive, live):
        enrollments = Enrollment.objects.for_course(course)
        assert enrollments.students().count() == 24
        assert enrollments.get(user__username="ta").role == Role.TA
        assert enrollments.get(user__username="instructor").role == Role.INSTRUCTOR
        assert enrollments.get(user__username="student07").student_id == "20250007"
    assert users.get(username="instructor").is_staff
    assert not users.get(username="ta").is_staff
    assert not users.get(username="student01").is_staff
    _assert_papers_and_slots(archive, live)
    _assert_the_archive_keeps_the_syllabus_dates()
    _assert_today_falls_in_week_10_of_the_live_course(dt.date(2026, 11, 30))


def _assert_papers_and_slots(archive, live):
    from django.utils import timezone

    from presentations.models import (
        PaperPreference,
        PaperProposal,
        Presentation,
        Slot,
        SwapRequest,
        WaitlistEntry,
    )
    from presentations.services import slot_sign_up

    # The archive: every student ranked, got a paper and presented it, in its category.
    talks = Presentation.objects.for_course(archive).select_related("paper", "slot")
    assert talks.count() == 24
    assert all(t.paper and t.slot and t.paper.category_id == t.slot.category_id for t in talks)
    assert PaperPreference.objects.for_course(archive).values("student").distinct().count() == 24
    # The live course: rankings in and papers assigned to everyone.
    live_talks = Presentation.objects.for_course(live).select_related("paper", "slot__meeting")
    assert PaperPreference.objects.for_course(live).values("student").distinct().count() == 24
    assert all(t.paper_id for t in live_talks)
    # The past sessions (1-4) were presented; later ones are partly booked.
    booked = dict.fromkeys(range(1, 12), 0)
    for slot in Slot.objects.for_course(live).select_related("meeting"):
        booked[slot.meeting.session_number] += slot.booked
    assert [booked[n] for n in (1, 2, 3, 4)] == [3, 3, 1, 3]
    assert booked[7] == 3  # full, and someone waits for it
    assert WaitlistEntry.objects.for_course(live).filter(session__session_number=7).count() == 1
    assert 0 < sum(booked[n] for n in range(5, 12)) < 3 * 7
    assert SwapRequest.objects.for_course(live).filter(status="pending").count() == 1
    assert PaperProposal.objects.for_course(live).filter(status="pending").count() == 1
    # student01 has a paper but no slot, and can book one today.
    mine = live_talks.get(student__user__username="student01")
    assert mine.paper is not None
    assert mine.slot is None
    free = (
        Slot.objects.for_course(live)
        .filter(category=mine.paper.category, booked__lt=models.F("capacity"))
        .order_by("meeting__date")
        .first()
    )
    booking = slot_sign_up(
        student=mine.student, slot=free, actor=None, via="page", now=timezone.now()
    )
    assert booking.slot == free


def _assert_the_archive_keeps_the_syllabus_dates():
    weeks = Week.objects.filter(course__code="mlsys-2025")
    assert weeks.get(number=1).starts_on == dt.date(2025, 9, 1)
    assert weeks.get(number=13).starts_on == dt.date(2025, 11, 24)


def _assert_today_falls_in_week_10_of_the_live_course(today: dt.date):
    week = Week.objects.get(course__code="mlsys-2025-live", number=10)
    assert week.starts_on <= today <= week.ends_on
    # Whole weeks: Tuesday/Thursday meetings stay on Tuesdays and Thursdays.
    weekdays = set(
        Meeting.objects.filter(course__code="mlsys-2025-live").values_list("date", flat=True)
    )
    assert {day.isoweekday() for day in weekdays} == {2, 4}


# 2026-11-30, a Monday, is the day of test_demo_loads_both_courses_and_the_cast (one demo
# load checks it all: each load takes seconds).
@pytest.mark.parametrize("today", [dt.date(2026, 12, 6), dt.date(2027, 3, 10), dt.date(2025, 9, 1)])
@pytest.mark.django_db
def test_today_falls_in_week_10_of_the_live_course(on_day, today):
    on_day(today)
    run_demo(force=True)
    _assert_today_falls_in_week_10_of_the_live_course(today)


@pytest.mark.django_db
def test_the_demo_is_idempotent(on_day):
    on_day(dt.date(2026, 11, 30))
    run_demo(force=True)
    passwords = dict(get_user_model().objects.values_list("username", "password"))
    enrollments = list(Enrollment.objects.order_by("pk").values())

    output = run_demo(force=True)

    assert "mlsys-2025: no changes" in output
    assert "Demo ready: 0 users created" in output
    assert dict(get_user_model().objects.values_list("username", "password")) == passwords
    assert list(Enrollment.objects.order_by("pk").values()) == enrollments
