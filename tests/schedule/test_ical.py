import datetime as dt
import secrets
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar
from rest_framework.authtoken.models import Token

from conftest import DEMO_COURSE_FILE, load_course_text, small_course_text
from courseapp.accounts import feed_key_create, feed_key_reset
from courseapp.models import AuditEntry, FeedKey

HONG_KONG = zoneinfo.ZoneInfo("Asia/Hong_Kong")


def feed_url(course, **query) -> str:
    url = reverse("schedule:ical", args=[course.code])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def key_of(user) -> str:
    """The user's calendar feed key, created as the account page would."""
    return feed_key_create(user=user, actor=user, via=AuditEntry.Via.PAGE)[0].key


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


@pytest.mark.parametrize("member", ["student", "other_student", "ta", "instructor"])
def test_calendar_app_reads_a_private_feed_with_the_member_feed_key(
    request, client, course, member
):
    user = request.getfixturevalue(member)
    calendar = parse(client.get(feed_url(course, key=key_of(user))))
    assert len(calendar.walk("VEVENT")) == 4


def test_private_feed_is_kept_out_of_shared_caches(client, course, student):
    response = client.get(feed_url(course, key=key_of(student)))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_outsider_key_gets_404(client, course, other_course, outsider):
    key = key_of(outsider)
    assert client.get(feed_url(course, key=key)).status_code == 404
    # The same key reads the outsider's own course.
    assert parse(client.get(feed_url(other_course, key=key)))


def test_wrong_key_gets_404_even_for_an_unknown_course(client, course, student):
    key_of(student)
    wrong = secrets.token_urlsafe(32)
    assert client.get(feed_url(course, key=wrong)).status_code == 404
    assert client.get(f"/courses/no-such-course/schedule.ics?key={wrong}").status_code == 404


def test_a_valid_key_gets_404_for_an_unknown_course(client, course, student):
    key = key_of(student)
    assert client.get(f"/courses/no-such-course/schedule.ics?key={key}").status_code == 404


def test_a_key_decides_over_the_session(client_of, course, student, outsider):
    # A calendar app's request may carry a browser's cookie: the key in the address decides.
    signed_in = client_of(student)
    assert signed_in.get(feed_url(course, key=key_of(outsider))).status_code == 404


def test_key_of_a_deactivated_account_gets_404(client, course, student):
    key = key_of(student)
    student.is_active = False
    student.save(update_fields=["is_active"])
    assert client.get(feed_url(course, key=key)).status_code == 404


def test_a_reset_key_stops_working_at_once(client, course, student):
    old = key_of(student)
    new = feed_key_reset(user=student, actor=student, via=AuditEntry.Via.PAGE).key
    assert client.get(feed_url(course, key=old)).status_code == 404
    assert parse(client.get(feed_url(course, key=new)))


def test_the_api_token_no_longer_reads_the_feed(client, client_of, course, student):
    token = Token.objects.create(user=student)
    assert client.get(feed_url(course, token=token.key)).status_code == 404
    # Not even beside the owner's own session: the old address is dead, not half-alive.
    assert client_of(student).get(feed_url(course, token=token.key)).status_code == 404


HOSTILE_KEYS = [
    "",
    "%00",
    "%00" * FeedKey.LENGTH,
    "a" * (FeedKey.LENGTH - 1) + "%00",
    "a" * (FeedKey.LENGTH - 1),
    "a" * (FeedKey.LENGTH + 1),
    "a" * 100_000,
    "%C3%A9" * FeedKey.LENGTH,  # é: non-ASCII of the right length
    "%FF" * FeedKey.LENGTH,  # not UTF-8 at all
    "a" * (FeedKey.LENGTH - 2) + "%0d%0a",
    "' OR '1'='1' --" + "a" * (FeedKey.LENGTH - 15),
    "a" * (FeedKey.LENGTH - 1) + "=",
    "%25" * FeedKey.LENGTH,
]


@pytest.mark.parametrize("raw_key", HOSTILE_KEYS)
def test_a_malformed_key_gets_404_never_a_500(client, course, student, raw_key):
    key_of(student)
    # A NUL in any query parameter is refused with 400 before any view runs (the request
    # guard, courseapp/middleware.py), the same for every course, real or not.
    expected = 400 if "%00" in raw_key else 404
    # Raw query strings: the test client must not tidy them up.
    for code in (course.code, "no-such-course"):
        response = client.get(f"/courses/{code}/schedule.ics?key={raw_key}")
        assert response.status_code == expected, raw_key


def test_a_key_with_a_nul_byte_inside_a_real_key_is_refused(client, course, student):
    key = key_of(student)
    assert client.get(feed_url(course, key=key[:20] + "%00" + key[21:])).status_code == 400
    assert client.get(feed_url(course, key=key + "%00")).status_code == 400


def test_a_key_given_twice_counts_as_its_last_value(client, course, student, outsider):
    url = f"{feed_url(course)}?key={key_of(outsider)}&key={key_of(student)}"
    assert parse(client.get(url))


# The feed key opens feeds and nothing else ------------------------------------------------


def test_the_feed_key_is_not_an_api_token(course, student):
    key = key_of(student)
    api = Client(headers={"Authorization": f"Token {key}"})
    response = api.get("/api/courses/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    schedule = api.get(f"/api/courses/{course.code}/schedule/")
    assert schedule.status_code == 401


def test_the_feed_key_in_the_query_string_opens_no_api_endpoint(client, course, student):
    key = key_of(student)
    assert client.get(f"/api/courses/?key={key}").status_code == 401
    assert client.get(f"/api/courses/{course.code}/schedule/?key={key}").status_code == 401


@pytest.mark.parametrize("page", ["schedule:course", "courseapp:dashboard"])
def test_the_feed_key_opens_no_page(client, course, student, page):
    key = key_of(student)
    response = client.get(reverse(page, args=[course.code]) + f"?key={key}")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_the_feed_key_opens_no_account_page(client, student):
    response = client.get(reverse("account") + f"?key={key_of(student)}")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_public_feed_is_open_to_anyone(client, client_of, demo_course, outsider):
    assert parse(client.get(feed_url(demo_course)))
    assert parse(client_of(outsider).get(feed_url(demo_course)))


def test_public_feed_also_answers_a_valid_key(client, demo_course, student):
    assert parse(client.get(feed_url(demo_course, key=key_of(student))))


def test_public_feed_refuses_a_wrong_key(client, demo_course):
    # A wrong key is wrong everywhere: the answer never depends on the course.
    assert client.get(feed_url(demo_course, key="x" * FeedKey.LENGTH)).status_code == 404


def test_a_students_personal_feed_shows_their_own_talk(client, student, course, time_machine):
    import datetime as dt
    import zoneinfo

    from courseapp.accounts import feed_key_create
    from courseapp.models import Enrollment
    from presentations.models import Slot
    from presentations.services import slot_sign_up

    hk = zoneinfo.ZoneInfo("Asia/Hong_Kong")
    course.signup_opens_at = dt.datetime(2025, 9, 1, tzinfo=hk)
    course.save()
    slot = Slot.objects.get(course=course, position=2)
    slot_sign_up(
        student=Enrollment.objects.get(user=student),
        slot=slot,
        actor=None,
        via="page",
        now=dt.datetime(2025, 9, 5, tzinfo=hk),
    )
    key, _ = feed_key_create(user=student, actor=student, via="page")

    mine = client.get(f"/courses/{course.code}/schedule.ics", {"key": key.key})

    calendar = Calendar.from_ical(mine.content)
    talks = [e for e in calendar.walk("VEVENT") if "your talk" in str(e["SUMMARY"])]
    assert len(talks) == 1
    # Slot 2 of the 10:30 session, 30 minutes long.
    assert talks[0].decoded("DTSTART") == dt.datetime(2025, 9, 9, 11, 0, tzinfo=hk)
    assert talks[0].decoded("DTEND") == dt.datetime(2025, 9, 9, 11, 30, tzinfo=hk)
    assert mine["Cache-Control"] == "private, no-store"
