"""What the course file says beyond a list of meetings: a weekly pattern with its exceptions,
notes and materials on meetings, and sessions without a category."""

import datetime as dt

import pytest
from icalendar import Calendar

from conftest import load_course_text, small_course_text
from courseapp.coursefile import CourseFileError, parse_course_file
from courseapp.services import course_load
from presentations.models import Slot
from schedule.models import Meeting, Week
from tests.courseapp.course_files import edit, line_of

PATTERN_COURSE = """
course:
  code: pattern
  title: Patterned
  time_zone: Europe/Zurich
  public: true
  meeting_time: 14:15-16:00
  room: HG E 41
categories:
  - {key: storage, name: Storage}
weekly:
  days: [tue, thu]
  first: 2026-02-17
  last: 2026-03-12
  topic: Paper discussion
  skip: [2026-03-03]
  dates:
    - {date: 2026-02-17, topic: Introduction, note: Room changed this week, room: HG F 1,
       materials: [{title: Reading list, url: "https://example.org/reading.pdf"}, {title: Notes}]}
    - {date: 2026-02-19, kind: holiday, topic: No class}
    - {date: 2026-02-24, kind: presentation, topic: Talks, time: 9:15-11:00}
    - {date: 2026-03-05, moved_to: 2026-03-06, topic: Moved class}
    - {date: 2026-03-12, kind: presentation, topic: Open talks}
  extra:
    - {date: 2026-02-17, key: lab, topic: Lab, time: 16:15-17:00}
sessions:
  - {number: 1, date: 2026-02-24, category: storage, slots: 2, slot_minutes: 45}
  - {number: 2, date: 2026-03-12, slots: 3, slot_minutes: 30}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(CourseFileError) as caught:
        parse_course_file(text)
    return caught.value.problems


def planned(text: str) -> dict[tuple, tuple]:
    spec = parse_course_file(text)
    return {
        (str(m.date), m.key): (m.kind, m.topic, str(m.time) if m.time else None, m.room)
        for m in spec.planned_meetings()
    }


def test_the_pattern_gives_a_meeting_on_each_of_its_days_with_its_exceptions():
    assert planned(PATTERN_COURSE) == {
        ("2026-02-17", ""): ("lecture", "Introduction", "14:15-16:00", "HG F 1"),
        ("2026-02-17", "lab"): ("lecture", "Lab", "16:15-17:00", "HG E 41"),
        ("2026-02-19", ""): ("holiday", "No class", None, ""),
        ("2026-02-24", ""): ("presentation", "Talks", "09:15-11:00", "HG E 41"),
        ("2026-02-26", ""): ("lecture", "Paper discussion", "14:15-16:00", "HG E 41"),
        # 03-03 is skipped; the class of 03-05 moved to Friday 03-06.
        ("2026-03-06", ""): ("lecture", "Moved class", "14:15-16:00", "HG E 41"),
        ("2026-03-10", ""): ("lecture", "Paper discussion", "14:15-16:00", "HG E 41"),
        ("2026-03-12", ""): ("presentation", "Open talks", "14:15-16:00", "HG E 41"),
    }


def test_without_listed_weeks_the_pattern_makes_monday_weeks():
    spec = parse_course_file(PATTERN_COURSE)

    assert [(week.number, week.starts) for week in spec.planned_weeks()] == [
        (1, dt.date(2026, 2, 16)),
        (2, dt.date(2026, 2, 23)),
        (3, dt.date(2026, 3, 2)),
        (4, dt.date(2026, 3, 9)),
    ]


def test_listing_every_meeting_and_writing_the_pattern_give_the_same_course():
    listed = """
course: {code: listed, title: Listed, time_zone: UTC, meeting_time: 9:00-10:00}
weeks:
  - number: 1
    starts: 2026-02-16
    meetings:
      - {date: 2026-02-17, topic: One}
      - {date: 2026-02-19, topic: Two}
"""
    pattern = """
course: {code: listed, title: Listed, time_zone: UTC, meeting_time: 9:00-10:00}
weekly:
  days: [tue, thu]
  first: 2026-02-17
  last: 2026-02-19
  dates: [{date: 2026-02-17, topic: One}, {date: 2026-02-19, topic: Two}]
"""
    assert planned(listed) == planned(pattern)


@pytest.mark.parametrize(
    ("old", "new", "where", "message", "snippet"),
    [
        (
            "    - {date: 2026-03-05, moved_to",
            "    - {date: 2026-03-04, moved_to",
            "weekly.dates[3].date",
            "2026-03-04 is not a date of the pattern (a Tue/Thu from 2026-02-17 to 2026-03-12); "
            "list a meeting on another day under weeks",
            None,
        ),
        (
            "  skip: [2026-03-03]",
            "  skip: [2026-03-03, 2026-03-12]",
            "weekly.dates[4].date",
            "2026-03-12 is also in weekly.skip",
            "{date: 2026-03-12",
        ),
        (
            "  skip: [2026-03-03]",
            "  skip: [2026-03-02]",
            "weekly.skip[0]",
            "2026-03-02 is not a date of the pattern (a Tue/Thu from 2026-02-17 to 2026-03-12)",
            None,
        ),
        (
            "  last: 2026-03-12",
            "  last: 2026-02-01",
            "weekly.last",
            "2026-02-01 is before weekly.first 2026-02-17",
            None,
        ),
        (
            "  last: 2026-03-12",
            "  last: 2028-03-12",
            "weekly.last",
            "the pattern spans 754 days; at most 732 (two years)",
            None,
        ),
        (
            "  days: [tue, thu]",
            "  days: [tue, thurs]",
            "weekly.days[1]",
            "'thurs' is not one of: 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'",
            None,
        ),
        (
            "    - {date: 2026-02-17, key: lab,",
            "    - {date: 2026-02-17,",
            "weekly.extra[0].date",
            "a second meeting on 2026-02-17 (first at weekly.dates[0]): give one of them a key",
            "topic: Lab",
        ),
    ],
)
def test_the_pattern_is_checked_and_located(old, new, where, message, snippet):
    text = edit(PATTERN_COURSE, old, new)

    problems = problems_of(text)

    assert f"{where} (line {line_of(text, snippet or new.strip())}): {message}" in problems


def test_every_meeting_of_the_pattern_needs_a_topic():
    text = edit(PATTERN_COURSE, "  topic: Paper discussion\n", "")

    assert problems_of(text) == [
        f"weekly (line {line_of(text, 'weekly:')}): no topic for the meeting on 2026-02-26, "
        "2026-03-10: give weekly.topic, or a topic in weekly.dates"
    ]


def test_a_pattern_time_in_a_daylight_saving_gap_names_its_date():
    # Zurich's clocks go forward at 02:00 on 2026-03-29, a Sunday.
    text = edit(PATTERN_COURSE, "  days: [tue, thu]", "  days: [tue, thu, sun]\n  time: 2:30-4:30")
    text = edit(text, "  last: 2026-03-12", "  last: 2026-04-02")

    problems = problems_of(text)

    assert problems == [
        f"weekly.time (line {line_of(text, 'time: 2:30')}): 2026-03-29 02:30 does not exist in "
        "Europe/Zurich: the clocks go forward by 1 hour around then and skip it "
        "(the meeting on 2026-03-29)"
    ]


@pytest.mark.django_db
def test_the_loaded_pattern_course_has_its_meetings_notes_and_materials(client):
    course = load_course_text(PATTERN_COURSE)

    assert Week.objects.filter(course=course).count() == 4
    intro = Meeting.objects.get(course=course, date=dt.date(2026, 2, 17), key="")
    assert intro.note == "Room changed this week"
    assert intro.materials == [
        {"title": "Reading list", "url": "https://example.org/reading.pdf"},
        {"title": "Notes", "url": ""},
    ]
    moved = Meeting.objects.get(course=course, topic="Moved class")
    assert (moved.date, moved.week.number) == (dt.date(2026, 3, 6), 3)
    assert not Meeting.objects.filter(course=course, date=dt.date(2026, 3, 3)).exists()

    api = client.get("/api/courses/pattern/schedule/").json()
    first = api["weeks"][0]["meetings"][0]
    assert (first["note"], first["materials"]) == (
        "Room changed this week",
        [
            {"title": "Reading list", "url": "https://example.org/reading.pdf"},
            {"title": "Notes", "url": ""},
        ],
    )
    feed = Calendar.from_ical(client.get("/courses/pattern/schedule.ics").content)
    (event,) = [e for e in feed.walk("VEVENT") if str(e["UID"]) == "pattern-20260217@courseapp"]
    description = str(event["DESCRIPTION"])
    assert "Room changed this week" in description
    assert "Reading list: https://example.org/reading.pdf" in description
    page = client.get("/courses/pattern/").content.decode()
    assert '<span class="meeting-note">Room changed this week</span>' in page
    assert (
        '<a class="meeting-material" href="https://example.org/reading.pdf">Reading list</a>'
        in page
    )


@pytest.mark.django_db
def test_a_session_without_a_category_takes_every_category(client):
    course = load_course_text(PATTERN_COURSE)

    open_slots = Slot.objects.filter(course=course, meeting__session_number=2)
    assert [slot.category for slot in open_slots] == [None, None, None]
    sessions = [
        meeting
        for week in client.get("/api/courses/pattern/schedule/").json()["weeks"]
        for meeting in week["meetings"]
        if meeting["kind"] == "presentation"
    ]
    assert [(s["session_number"], s["category"]) for s in sessions] == [
        (1, {"key": "storage", "name": "Storage"}),
        (2, None),
    ]


@pytest.mark.django_db
def test_reloading_the_pattern_course_changes_nothing():
    load_course_text(PATTERN_COURSE)

    report = course_load(spec=parse_course_file(PATTERN_COURSE), text=PATTERN_COURSE)

    assert report.changes == []
    assert report.version is None


def test_small_course_still_parses_with_listed_weeks():
    assert len(parse_course_file(small_course_text()).planned_meetings()) == 4
