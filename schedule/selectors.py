"""Reads behind the schedule page, the iCalendar feed and the dashboard's schedule card.

Every function here runs a fixed number of queries whatever the size of the course: rows
are fetched with their relations up front and arranged in Python.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from courseapp.models import Course
from presentations.models import Slot
from schedule.models import Meeting, Week


@dataclass
class MeetingRow:
    meeting: Meeting
    week: Week
    # Names of the presentation categories of the session's slots, in slot order.
    categories: list[str] = field(default_factory=list)

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
    return Meeting.objects.order_by("date", "starts_at", "position").prefetch_related(
        Prefetch("slots", queryset=slots)
    )


def _meeting_row(meeting: Meeting, week: Week) -> MeetingRow:
    categories: list[str] = []
    for slot in meeting.slots.all():
        if slot.category.name not in categories:
            categories.append(slot.category.name)
    return MeetingRow(meeting=meeting, week=week, categories=categories)


def course_schedule(*, course: Course, today: dt.date) -> list[WeekRow]:
    """The course's weeks with their meetings; the week containing `today` is current.

    Three queries: weeks, meetings, slots with their categories.
    """
    weeks = Week.objects.for_course(course).prefetch_related(
        Prefetch("meetings", queryset=_meetings_with_slots())
    )
    rows = []
    for week in weeks:
        # The prefetch would reload the course per meeting for start_datetime(); share it.
        meetings = list(week.meetings.all())
        for meeting in meetings:
            meeting.course = course
        rows.append(
            WeekRow(
                week=week,
                meetings=[_meeting_row(meeting, week) for meeting in meetings],
                is_current=week.contains(today),
            )
        )
    return rows


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
        if meeting_end(meeting) <= now:
            continue
        rows.append(_meeting_row(meeting, meeting.week))
        if len(rows) == limit:
            break
    return rows


def meeting_end(meeting: Meeting) -> dt.datetime:
    """When the meeting is over: its end time, or the end of its day when it has none."""
    if meeting.ends_at is not None:
        return dt.datetime.combine(meeting.date, meeting.ends_at, meeting.course.tzinfo)
    next_day = meeting.date + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time(0), meeting.course.tzinfo)


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
        if meeting_end(meeting) <= now:
            held += 1
    return SessionProgress(held=held, total=len(sessions))
