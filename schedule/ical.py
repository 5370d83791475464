"""The course schedule as an iCalendar feed (RFC 5545) that calendar apps subscribe to.

One VEVENT per meeting. A meeting with a time runs from its start to its end in the course's
time zone, and the feed carries a VTIMEZONE for that zone, written with yearly rules
(schedule.vtimezone) so that every calendar app shows the class at the right instant, across
daylight-saving changes too. A meeting without a time is an all-day event.

Holidays are kept, as transparent all-day "No class" events: a student who sees the usual
Tuesday slot empty in their calendar should learn why, and a transparent event does not
mark them busy.

UIDs come from the course code and the meeting's identity, its date and key (as the course
file identifies it), so they survive reloading the course file, inserting other meetings, or
rebuilding the database: calendar apps update an event in place instead of duplicating it.
"""

import datetime as dt
from urllib.parse import urlencode

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from courseapp.models import Course
from schedule.models import Meeting
from schedule.selectors import SCHEDULE_CACHE_SECONDS, MeetingRow, WeekRow, course_schedule
from schedule.vtimezone import vtimezone

PRODID = "-//courseapp//course schedule//EN"


def feed_address(request, *, course: Course, key: str | None) -> str | None:
    """The address a calendar app subscribes to, or None when a private course needs a key.

    With the member's feed key (courseapp.models.FeedKey; calendar apps cannot sign in) it is
    their personal feed: the course's schedule and their own talks. Without one, a public
    course's feed is the schedule alone, open to anyone; a private course has none.
    """
    url = request.build_absolute_uri(reverse("schedule:ical", args=[course.code]))
    if key:
        return f"{url}?{urlencode({'key': key})}"
    return url if course.schedule_public else None


def meeting_uid(*, course: Course, meeting: Meeting) -> str:
    key = f"-{meeting.key}" if meeting.key else ""
    return f"{course.code}-{meeting.date:%Y%m%d}{key}@courseapp"


def _description(row: MeetingRow, course_url: str) -> str:
    meeting = row.meeting
    lines = [meeting.get_kind_display()]
    if row.categories:
        lines[0] += f": {', '.join(category.name for category in row.categories)}"
    if meeting.note:
        lines.append(meeting.note)
    if meeting.slides_url:
        lines.append(f"Slides: {meeting.slides_url}")
    for material in meeting.materials:
        lines.append(
            f"{material['title']}: {material['url']}" if material["url"] else material["title"]
        )
    lines.append(f"Schedule: {course_url}")
    return "\n".join(lines)


def _event(*, course: Course, row: MeetingRow, course_url: str, stamp: dt.datetime) -> Event:
    meeting = row.meeting
    event = Event()
    event.add("uid", meeting_uid(course=course, meeting=meeting))
    event.add("dtstamp", stamp)
    event.add("summary", f"{course.code}: {meeting.topic}")
    start = meeting.starts
    if start is not None and not row.is_holiday:
        end = meeting.ends or start + dt.timedelta(hours=1)
        event.add("dtstart", start)
        event.add("dtend", end)
    else:
        # All-day: DTEND is exclusive, so a one-day event ends the next day.
        event.add("dtstart", meeting.date)
        event.add("dtend", meeting.date + dt.timedelta(days=1))
    if row.is_holiday:
        event.add("transp", "TRANSPARENT")
    elif meeting.room:
        event.add("location", meeting.room)
    if meeting.slides_url:
        event.add("url", meeting.slides_url)
    event.add("categories", [Meeting.Kind(meeting.kind).label])
    event.add("description", _description(row, course_url))
    return event


def _talk_event(*, course: Course, talk, stamp: dt.datetime) -> Event:
    """The reader's own talk: in its slot, or over its session when the slot has no time."""
    slot, session = talk.slot, talk.slot.meeting
    event = Event()
    event.add("uid", f"{course.code}-talk-{talk.pk}@courseapp")
    event.add("dtstamp", stamp)
    paper = talk.paper.title if talk.paper else "paper to be chosen"
    event.add("summary", f"{course.code}: your talk: {paper}")
    start = slot.starts or session.starts
    if start is not None:
        minutes = slot.duration_minutes
        end = start + dt.timedelta(minutes=minutes) if minutes else session.ends or start
        event.add("dtstart", start)
        event.add("dtend", max(end, start + dt.timedelta(minutes=1)))
    else:
        event.add("dtstart", session.date)
        event.add("dtend", session.date + dt.timedelta(days=1))
    if session.room:
        event.add("location", session.room)
    event.add("categories", ["Your talk"])
    event.add(
        "description",
        f"Presentation session {session.session_number}, slot {slot.position}"
        + (f"\nPaper: {talk.paper.title}" if talk.paper else ""),
    )
    return event


def _deadline_event(*, course: Course, handin, stamp: dt.datetime) -> Event:
    """A deliverable due for the reader: a point in time at the (extended) due date."""
    deliverable = handin.deliverable
    event = Event()
    event.add("uid", f"{course.code}-due-{deliverable.key}@courseapp")
    event.add("dtstamp", stamp)
    event.add("summary", f"{course.code}: due: {deliverable.title}")
    event.add("dtstart", handin.due)
    event.add("dtend", handin.due)
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["Due date"])
    handed = f"version {handin.latest.version} handed in" if handin.latest else "not handed in"
    extended = " (extended)" if handin.extension else ""
    event.add("description", f"Due{extended}; {handed}.")
    return event


def course_calendar(
    *,
    course: Course,
    weeks: list[WeekRow],
    course_url: str,
    talks: list | None = None,
    deadlines: list | None = None,
) -> bytes:
    """The feed for these weeks of the course, serialised; with `talks`, the reader's own
    booked talks too (Presentation rows with their slot, session and paper); with
    `deadlines`, the due dates of their deliverables (submissions.selectors.Handin)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{course.code}: {course.title}")
    calendar.add("x-wr-timezone", course.time_zone)
    calendar.add("refresh-interval", dt.timedelta(hours=12), parameters={"VALUE": "DURATION"})
    stamp = timezone.now()
    rows = [row for week in weeks for row in week.meetings]
    if any(row.meeting.starts_at is not None and not row.is_holiday for row in rows):
        dates = [row.meeting.date for row in rows]
        calendar.add_component(vtimezone(course.tzinfo, first=min(dates), last=max(dates)))
    for row in rows:
        calendar.add_component(_event(course=course, row=row, course_url=course_url, stamp=stamp))
    for talk in talks or []:
        talk.slot.meeting.course = course  # its times read the course's zone
        calendar.add_component(_talk_event(course=course, talk=talk, stamp=stamp))
    for handin in deadlines or []:
        calendar.add_component(_deadline_event(course=course, handin=handin, stamp=stamp))
    return calendar.to_ical()


def course_feed(
    *, course: Course, course_url: str, talks: list, deadlines: list | None = None
) -> bytes:
    """The course's feed, with the reader's own talks and due dates when given.

    The schedule part depends on the course file's rows only: it is rendered once per
    course-file version (Course.schedule_version) and kept in the cache; a reader's talks
    are added to that copy.
    """
    key = course.schedule_cache_key("ics", course_url)
    body = cache.get(key)
    if body is None:
        weeks = course_schedule(course=course, today=timezone.localdate(timezone=course.tzinfo))
        body = course_calendar(course=course, weeks=weeks, course_url=course_url)
        cache.set(key, body, SCHEDULE_CACHE_SECONDS)
    if not talks and not deadlines:
        return body
    personal = course_calendar(
        course=course, weeks=[], course_url=course_url, talks=talks, deadlines=deadlines
    )
    events = personal[personal.index(b"BEGIN:VEVENT") : personal.rindex(b"END:VCALENDAR")]
    end = body.rindex(b"END:VCALENDAR")
    return body[:end] + events + body[end:]
