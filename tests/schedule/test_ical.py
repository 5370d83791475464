import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from icalendar import Calendar
from rest_framework.authtoken.models import Token

from conftest import DEMO_COURSE_FILE, load_course_text, small_course_text

HONG_KONG = zoneinfo.ZoneInfo("Asia/Hong_Kong")


def feed_url(course, **query) -> str:
    url = reverse("schedule:ical", args=[course.code])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events_by_date(calendar: Calendar) -> dict[dt.date, list]:
    events: dict[dt.date, list] = {}
    for event in calendar.walk("VEVENT"):
        start = event.decoded("dtstart")
        day = start.date() if isinstance(start, dt.datetime) else start
        events.setdefault(day, []).append(event)
    return events


@pytest.fixture
def demo_feed(client, demo_course) -> Calendar:
    return parse(client.get(feed_url(demo_course)))


# Content ---------------------------------------------------------------------------------


def test_feed_has_one_event_per_meeting_of_the_demo_course(demo_feed):
    events = demo_feed.walk("VEVENT")
    # 13 weeks of two meetings; the holiday on 10/07 is one of them.
    assert len(events) == 26
    assert str(demo_feed["X-WR-CALNAME"]) == "mlsys-2025: Machine Learning Systems"


def test_lecture_runs_at_its_local_time_in_the_course_zone(demo_feed):
    (intro,) = events_by_date(demo_feed)[dt.date(2025, 9, 2)]
    start, end = intro.decoded("dtstart"), intro.decoded("dtend")
    assert start == dt.datetime(2025, 9, 2, 10, 30, tzinfo=HONG_KONG)
    assert end == dt.datetime(2025, 9, 2, 11, 50, tzinfo=HONG_KONG)
    assert start.astimezone(dt.UTC) == dt.datetime(2025, 9, 2, 2, 30, tzinfo=dt.UTC)
    assert intro["DTSTART"].params["TZID"] == "Asia/Hong_Kong"
    assert str(intro["SUMMARY"]) == "mlsys-2025: Introduction and Logistics"
    assert str(intro["LOCATION"]) == "Room 2465"
    assert str(intro["URL"]) == "https://example.org/mlsys-2025/slides/01-introduction.pdf"


def test_feed_carries_the_course_time_zone(demo_feed):
    (zone,) = demo_feed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Hong_Kong"
    # The zone as a calendar app rebuilds it from the feed alone: +08:00 all term long.
    rebuilt = zone.to_tz()
    for day in (dt.datetime(2025, 9, 2, 10, 30), dt.datetime(2025, 11, 27, 10, 30)):
        assert rebuilt.utcoffset(day) == dt.timedelta(hours=8)


def test_holiday_is_a_transparent_all_day_event(demo_feed):
    (holiday,) = events_by_date(demo_feed)[dt.date(2025, 10, 7)]
    assert holiday.decoded("dtstart") == dt.date(2025, 10, 7)
    assert holiday.decoded("dtend") == dt.date(2025, 10, 8)
    assert str(holiday["TRANSP"]) == "TRANSPARENT"
    assert "LOCATION" not in holiday


def test_presentation_session_names_its_category(demo_feed):
    (session,) = events_by_date(demo_feed)[dt.date(2025, 10, 21)]
    assert str(session["SUMMARY"]) == "mlsys-2025: Presentation Session-1"
    assert "Presentation session: Training and parallelism" in str(session["DESCRIPTION"])
    assert "URL" not in session


def test_final_review_is_the_last_event(demo_feed):
    timed = [event for event in demo_feed.walk("VEVENT") if "TRANSP" not in event]
    last = max(timed, key=lambda event: event.decoded("dtstart"))
    assert str(last["SUMMARY"]) == "mlsys-2025: Final Review"
    assert last.decoded("dtstart") == dt.datetime(2025, 11, 27, 10, 30, tzinfo=HONG_KONG)


def test_uids_are_unique_and_survive_a_reload(client, demo_course):
    first = parse(client.get(feed_url(demo_course)))
    uids = [str(event["UID"]) for event in first.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert "mlsys-2025-20250902@courseapp" in uids

    load_course_text(DEMO_COURSE_FILE.read_text())
    again = parse(client.get(feed_url(demo_course)))
    assert [str(event["UID"]) for event in again.walk("VEVENT")] == uids


def test_meeting_without_a_time_is_an_all_day_event(client, db):
    text = small_course_text(code="untimed", public=True).replace(
        "  meeting_time: 10:30-11:50\n", ""
    )
    course = load_course_text(text)
    calendar = parse(client.get(feed_url(course)))
    (intro,) = events_by_date(calendar)[dt.date(2025, 9, 2)]
    assert intro.decoded("dtstart") == dt.date(2025, 9, 2)
    assert intro.decoded("dtend") == dt.date(2025, 9, 3)
    assert "TRANSP" not in intro


def test_feed_runs_a_fixed_number_of_queries(client, demo_course, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        parse(client.get(feed_url(demo_course)))


# Access ----------------------------------------------------------------------------------


def test_anonymous_visitor_of_a_private_feed_is_sent_to_log_in(client, course):
    response = client.get(feed_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("member", ["student", "other_student", "ta", "instructor"])
def test_members_get_a_private_feed_with_their_session(request, client_of, course, member):
    user = request.getfixturevalue(member)
    calendar = parse(client_of(user).get(feed_url(course)))
    assert len(calendar.walk("VEVENT")) == 4


def test_outsider_gets_404_for_a_private_feed(client_of, course, outsider):
    assert client_of(outsider).get(feed_url(course)).status_code == 404


def test_calendar_app_reads_a_private_feed_with_the_member_token(client, course, student):
    token = Token.objects.create(user=student)
    calendar = parse(client.get(feed_url(course, token=token.key)))
    assert len(calendar.walk("VEVENT")) == 4


def test_private_feed_is_kept_out_of_shared_caches(client, course, student):
    token = Token.objects.create(user=student)
    response = client.get(feed_url(course, token=token.key))
    assert "no-store" in response["Cache-Control"]


def test_outsider_token_gets_404(client, course, outsider):
    token = Token.objects.create(user=outsider)
    assert client.get(feed_url(course, token=token.key)).status_code == 404


def test_wrong_token_gets_404_even_for_an_unknown_course(client, course):
    assert client.get(feed_url(course, token="not-a-token")).status_code == 404
    assert client.get("/courses/no-such-course/schedule.ics?token=nope").status_code == 404


def test_public_feed_is_open_to_anyone(client, client_of, demo_course, outsider):
    assert parse(client.get(feed_url(demo_course)))
    assert parse(client_of(outsider).get(feed_url(demo_course)))
