"""Reads behind the schedule page, the iCalendar feed and the dashboard's schedule card.

Every function here runs a fixed number of queries whatever the size of the course: rows
are fetched with their relations up front and arranged in Python.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone

from courseapp.models import Course
from presentations.models import Category, Slot
from schedule.models import Meeting, Week

# Rendered schedules are cached under the course's schedule version, which every change of the
# course file's rows bumps; the lifetime only bounds how long an unused copy takes room.
SCHEDULE_CACHE_SECONDS = 24 * 60 * 60


def session_categories(meeting: Meeting) -> list[Category]:
    """The categories of a presentation session: those of its slots, in slot order.

    The one place a session's category is worked out. A course file gives each session one
    category, or none: a session without one takes talks of every category (its list is
    empty). Reads the meeting's `session_slots`, prefetched with their categories by the
    selectors below.
    """
    categories: list[Category] = []
    for slot in meeting.session_slots:
        if slot.category is not None and slot.category not in categories:
            categories.append(slot.category)
    return categories


@dataclass
class MeetingRow:
    meeting: Meeting
    week: Week
    # The session's categories (presentation sessions only), in slot order.
    categories: list[Category] = field(default_factory=list)

    @property
    def is_holiday(self) -> bool:
        return self.meeting.kind == Meeting.Kind.HOLIDAY

    @property
    def is_presentation(self) -> bool:
        return self.meeting.kind == Meeting.Kind.PRESENTATION

    @property
    def is_review(self) -> bool:
        return self.meeting.kind == Meeting.Kind.REVIEW


@dataclass
class WeekRow:
    week: Week
    meetings: list[MeetingRow]
    is_current: bool

    @property
    def class_dates(self) -> list[dt.date]:
        """The days the class meets this week (holidays left out, as the syllabus does)."""
        return [row.meeting.date for row in self.meetings if not row.is_holiday]


def _meetings_with_slots():
    slots = Slot.objects.select_related("category").order_by("position")
    # to_attr: a plain list per meeting, without a related manager and queryset for each,
    # which were most of the cost of reading a schedule.
    return Meeting.objects.order_by("date", "starts_at", "key").prefetch_related(
        Prefetch("slots", queryset=slots, to_attr="session_slots")
    )


def _meeting_row(meeting: Meeting, week: Week) -> MeetingRow:
    return MeetingRow(meeting=meeting, week=week, categories=session_categories(meeting))


def course_schedule(*, course: Course, today: dt.date) -> list[WeekRow]:
    """The course's weeks with their meetings; the week containing `today` is current.

    Three queries: weeks, meetings, slots with their categories.
    """
    by_week: dict[int, list[Meeting]] = {}
    for meeting in _meetings_with_slots().filter(course=course):
        # Share the course: each meeting's times read its time zone.
        meeting.course = course
        by_week.setdefault(meeting.week_id, []).append(meeting)
    return [
        WeekRow(
            week=week,
            meetings=[_meeting_row(meeting, week) for meeting in by_week.get(week.pk, [])],
            is_current=week.contains(today),
        )
        for week in Week.objects.for_course(course)
    ]


def current_week(*, course: Course, today: dt.date) -> Week | None:
    """The week containing `today`, if the course has one (one query)."""
    return (
        Week.objects.for_course(course)
        .filter(starts_on__lte=today, starts_on__gt=today - dt.timedelta(days=7))
        .first()
    )


def current_week_number(*, course: Course, today: dt.date) -> int | None:
    """The number of `current_week`, cached per course-file version and day like the page it
    heads (0 stands for "no week" in the cache)."""
    key = course.schedule_cache_key("current-week", today)
    number = cache.get(key)
    if number is None:
        week = current_week(course=course, today=today)
        number = week.number if week else 0
        cache.set(key, number, SCHEDULE_CACHE_SECONDS)
    return number or None


def schedule_weeks_data(*, course: Course, today: dt.date, serialize) -> list[dict]:
    """The API's list of weeks, `serialize(weeks)` of course_schedule, cached per course-file
    version (it does not depend on the reader)."""
    key = course.schedule_cache_key("api-weeks")
    data = cache.get(key)
    if data is None:
        data = serialize(course_schedule(course=course, today=today))
        cache.set(key, data, SCHEDULE_CACHE_SECONDS)
    return data


def upcoming_meetings(*, course: Course, now: dt.datetime, limit: int = 3) -> list[MeetingRow]:
    """The next class meetings that have not ended yet, soonest first (holidays left out)."""
    today = timezone.localdate(now, timezone=course.tzinfo)
    candidates = (
        _meetings_with_slots()
        .filter(course=course, date__gte=today)
        .exclude(kind=Meeting.Kind.HOLIDAY)
        .select_related("week")
    )
    rows = []
    # A meeting earlier today may already be over; look a little further than `limit`.
    for meeting in candidates[: limit + 3]:
        meeting.course = course
        if meeting.over_at <= now:
            continue
        rows.append(_meeting_row(meeting, meeting.week))
        if len(rows) == limit:
            break
    return rows


@dataclass(frozen=True)
class SessionProgress:
    held: int
    total: int


def presentation_progress(*, course: Course, now: dt.datetime) -> SessionProgress:
    """How many of the course's presentation sessions are over by `now`."""
    sessions = list(Meeting.objects.for_course(course).presentation_sessions())
    held = 0
    for meeting in sessions:
        meeting.course = course
        if meeting.over_at <= now:
            held += 1
    return SessionProgress(held=held, total=len(sessions))
