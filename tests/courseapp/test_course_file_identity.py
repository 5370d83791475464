"""A row's identity never depends on its place in the course file.

A meeting is its date (and key, when two share a date); a slot is its session's date and its
place in the session. Inserting, removing or reordering meetings leaves every other meeting
and slot alone: same primary key, same content, same calendar UID.
"""

import datetime as dt

import pytest
from django.core.management import CommandError
from icalendar import Calendar

from conftest import DEMO_COURSE_FILE, load_course_text, small_course_text
from presentations.models import Slot
from schedule.models import Meeting
from tests.courseapp.course_files import edit, loadcourse

pytestmark = pytest.mark.django_db


def meetings_of(course) -> dict[int, dict]:
    return {row["id"]: row for row in Meeting.objects.filter(course=course).values()}


def slots_of(course) -> dict[int, dict]:
    return {row["id"]: row for row in Slot.objects.filter(course=course).values()}


def feed_uids(client, course) -> dict[str, str]:
    """UID -> start of each event in the course's feed."""
    calendar = Calendar.from_ical(client.get(f"/courses/{course.code}/schedule.ics").content)
    return {str(event["UID"]): str(event.decoded("dtstart")) for event in calendar.walk("VEVENT")}


def test_meetings_inserted_before_others_leave_every_other_row_and_uid_alone(client):
    text = DEMO_COURSE_FILE.read_text(encoding="utf-8")
    course = load_course_text(text)
    meetings, slots, uids = meetings_of(course), slots_of(course), feed_uids(client, course)
    # A guest lecture on the Monday before the first presentation session, and a second
    # meeting on that session's own date: both come before meetings the file lists later.
    inserted = edit(
        text,
        "  dates:\n",
        "  extra:\n"
        "    - {date: 2025-10-20, topic: Guest lecture, time: 10:30-11:50}\n"
        "    - {date: 2025-10-21, key: lab, topic: Systems lab, time: 14:00-15:20}\n"
        "  dates:\n",
    )

    load_course_text(inserted)

    after = meetings_of(course)
    new = {pk: row for pk, row in after.items() if pk not in meetings}
    assert sorted((row["date"], row["key"]) for row in new.values()) == [
        (dt.date(2025, 10, 20), ""),
        (dt.date(2025, 10, 21), "lab"),
    ]
    assert {pk: row for pk, row in after.items() if pk in meetings} == meetings
    assert slots_of(course) == slots
    after_uids = feed_uids(client, course)
    assert {uid: start for uid, start in after_uids.items() if uid in uids} == uids
    assert set(after_uids) - set(uids) == {
        "mlsys-2025-20251020@courseapp",
        "mlsys-2025-20251021-lab@courseapp",
    }


def test_a_meeting_inserted_at_the_start_of_a_listed_week_leaves_the_others_alone(
    course, course_file
):
    meetings, slots = meetings_of(course), slots_of(course)
    text = edit(
        small_course_text(),
        "    meetings:\n      - {date: 2025-09-09, kind: presentation",
        "    meetings:\n      - {date: 2025-09-08, topic: Guest lecture}\n"
        "      - {date: 2025-09-09, kind: presentation",
    )

    output = loadcourse(course_file(text))

    assert output[0] == "created meeting 2025-09-08 (Guest lecture)"
    assert output[1:] == [
        "recorded the file as course file version 2",
        "seminar: 1 created, 0 updated, 0 deleted",
    ]
    after = meetings_of(course)
    assert {pk: row for pk, row in after.items() if pk in meetings} == meetings
    assert slots_of(course) == slots


def test_reordering_and_removing_meetings_leaves_the_others_alone(course, course_file):
    kept = meetings_of(course)
    text = small_course_text()
    intro = (
        '      - {date: 2025-09-02, topic: Introduction, slides: "https://example.org/intro.pdf"}\n'
    )
    holiday = "      - {date: 2025-09-04, kind: holiday, topic: No class}\n"
    review = "      - {date: 2025-09-11, kind: review, topic: Final Review}\n"
    text = edit(text, intro + holiday, holiday + intro)  # listed the other way round
    text = edit(text, review, "")

    output = loadcourse(course_file(text))

    assert output[0] == "deleted meeting 2025-09-11 (Final Review)"
    after = meetings_of(course)
    review_pk = next(pk for pk, row in kept.items() if row["topic"] == "Final Review")
    assert after == {pk: row for pk, row in kept.items() if pk != review_pk}


def test_two_meetings_on_one_date_need_a_key(course_file):
    text = edit(
        small_course_text(),
        "      - {date: 2025-09-04, kind: holiday, topic: No class}\n",
        "      - {date: 2025-09-04, kind: holiday, topic: No class}\n"
        "      - {date: 2025-09-04, topic: Make-up class}\n",
    )

    with pytest.raises(CommandError) as caught:
        loadcourse(course_file(text))

    assert (
        "a second meeting on 2025-09-04 (first at weeks[0].meetings[1]): give one of them a key"
        in str(caught.value)
    )
    keyed = text.replace(
        "{date: 2025-09-04, topic: Make-up", "{date: 2025-09-04, key: make-up, topic: Make-up"
    )
    loadcourse(course_file(keyed))
    assert list(
        Meeting.objects.filter(date=dt.date(2025, 9, 4)).order_by("key").values_list("key", "topic")
    ) == [
        ("", "No class"),
        ("make-up", "Make-up class"),
    ]


def test_a_slot_is_its_sessions_date_and_position(course, course_file):
    first, second = Slot.objects.filter(course=course).order_by("position")
    # A third talk added at the end, and the times moved: slots 1 and 2 keep their rows.
    text = edit(
        small_course_text(),
        "slots: 2, slot_minutes: 30}",
        "slots: 3, slot_minutes: 25}",
    )

    loadcourse(course_file(text))

    slots = list(Slot.objects.filter(course=course).order_by("position"))
    assert [slot.pk for slot in slots[:2]] == [first.pk, second.pk]
    assert [(slot.position, slot.starts_at) for slot in slots] == [
        (1, dt.time(10, 30)),
        (2, dt.time(10, 55)),
        (3, dt.time(11, 20)),
    ]
