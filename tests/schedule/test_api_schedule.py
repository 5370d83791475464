"""GET /api/courses/{code}/schedule/: weeks with their meetings, and the course summary."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import enrol, load_course_text, small_course_text
from courseapp.models import Role

NOT_AUTHENTICATED = {
    "detail": "Authentication credentials were not provided.",
    "code": "not_authenticated",
}
NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


def url(code: str) -> str:
    return f"/api/courses/{code}/schedule/"


@pytest.fixture
def public_course(db):
    return load_course_text(small_course_text(code="open-house", title="Open House", public=True))


# A private course ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_fixture", "role"),
    [
        ("student", "student"),
        ("other_student", "student"),
        ("ta", "ta"),
        ("instructor", "instructor"),
    ],
)
def test_members_read_a_private_schedule(api_client_of, request, user_fixture, role):
    user = request.getfixturevalue(user_fixture)
    response = api_client_of(user).get(url("seminar"))
    assert response.status_code == 200
    body = response.json()
    assert body["course"] == {
        "code": "seminar",
        "title": "Systems Seminar",
        "term": "Autumn 2025",
        "lecturer": "Ada Lovelace",
        "time_zone": "Asia/Hong_Kong",
        "schedule_public": False,
        "role": role,
    }
    assert [week["number"] for week in body["weeks"]] == [1, 2]


def test_outsider_gets_404_for_a_private_schedule(api_client_of, course, outsider):
    response = api_client_of(outsider).get(url("seminar"))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_signed_in_user_gets_the_same_404_for_an_unknown_code(api_client_of, outsider):
    response = api_client_of(outsider).get(url("no-such-course"))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_anonymous_gets_401_for_a_private_schedule(client, course):
    response = client.get(url("seminar"))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_gets_the_same_401_for_an_unknown_code(client, db):
    # Same answer as for a private course, so a stranger cannot probe for course codes.
    response = client.get(url("no-such-course"))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_a_bad_token_is_401_even_for_a_public_schedule(public_course):
    response = Client(headers={"Authorization": "Token nope"}).get(url("open-house"))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


# A public course -------------------------------------------------------------------------


def test_anonymous_reads_a_public_schedule_with_no_role(client, public_course):
    response = client.get(url("open-house"))
    assert response.status_code == 200
    body = response.json()
    assert body["course"]["schedule_public"] is True
    assert body["course"]["role"] is None
    assert len(body["weeks"]) == 2


def test_outsider_reads_a_public_schedule_with_no_role(api_client_of, public_course, outsider):
    response = api_client_of(outsider).get(url("open-house"))
    assert response.status_code == 200
    assert response.json()["course"]["role"] is None


def test_a_member_of_a_public_course_sees_their_role(api_client_of, public_course, ta):
    enrol(ta, public_course, Role.TA)
    response = api_client_of(ta).get(url("open-house"))
    assert response.json()["course"]["role"] == "ta"


def test_writes_are_not_open_to_anonymous_visitors_of_a_public_course(client, public_course):
    response = client.post(url("open-house"), {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_members_cannot_write_the_schedule(api_client_of, student):
    response = api_client_of(student).post(url("seminar"), {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# What the schedule says --------------------------------------------------------------------


def test_weeks_and_meetings_of_the_small_course(api_client_of, student):
    body = api_client_of(student).get(url("seminar")).json()
    week1, week2 = body["weeks"]
    assert {key: week1[key] for key in ("number", "starts_on", "ends_on", "title")} == {
        "number": 1,
        "starts_on": "2025-09-01",
        "ends_on": "2025-09-07",
        "title": "",
    }
    intro, holiday = week1["meetings"]
    assert intro == {
        "id": intro["id"],
        "date": "2025-09-02",
        "key": "",
        "kind": "lecture",
        "topic": "Introduction",
        "note": "",
        "slides_url": "https://example.org/intro.pdf",
        "materials": [],
        "starts_at": "2025-09-02T10:30:00+08:00",
        "ends_at": "2025-09-02T11:50:00+08:00",
        "room": "Room 101",
        "session_number": None,
        "category": None,
    }
    assert (holiday["date"], holiday["kind"]) == ("2025-09-04", "holiday")
    session, review = week2["meetings"]
    assert session["kind"] == "presentation"
    assert session["session_number"] == 1
    assert session["category"] == {"key": "training", "name": "Training"}
    assert (review["kind"], review["category"]) == ("review", None)


def test_a_meeting_without_a_time_has_null_times(api_client_of, student, course):
    course.meetings.filter(topic="Introduction").update(starts_at=None, ends_at=None)
    body = api_client_of(student).get(url("seminar")).json()
    intro = body["weeks"][0]["meetings"][0]
    assert (intro["starts_at"], intro["ends_at"]) == (None, None)


def test_the_demo_course_schedule_follows_the_syllabus(client, demo_course):
    # The demo course is public: the syllabus is readable by anyone.
    body = client.get(url("mlsys-2025")).json()
    assert body["course"]["title"] == "Machine Learning Systems"
    assert body["course"]["lecturer"] == "Binhang Yuan"
    weeks = body["weeks"]
    assert [week["number"] for week in weeks] == list(range(1, 14))

    def class_days(week):
        return [m["date"][5:] for m in week["meetings"] if m["kind"] != "holiday"]

    assert class_days(weeks[0]) == ["09-02", "09-04"]
    assert class_days(weeks[5]) == ["10-09"]
    assert [m["kind"] for m in weeks[5]["meetings"]] == ["holiday", "lecture"]
    assert class_days(weeks[12]) == ["11-25", "11-27"]
    assert weeks[0]["meetings"][0]["topic"] == "Introduction and Logistics"
    assert weeks[0]["meetings"][0]["starts_at"] == "2025-09-02T10:30:00+08:00"

    sessions = [m for week in weeks for m in week["meetings"] if m["kind"] == "presentation"]
    assert [m["session_number"] for m in sessions] == list(range(1, 12))
    assert [m["category"]["key"] for m in sessions] == ["training"] * 3 + ["inference"] * 3 + [
        "adaptation"
    ] * 2 + ["agents"] * 3
    assert weeks[12]["meetings"][1]["topic"] == "Final Review"


# Queries ----------------------------------------------------------------------------------


def count_queries(client: Client, code: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(code))
    assert response.status_code == 200
    return len(queries)


def test_anonymous_read_of_the_demo_course_takes_few_queries(
    client, demo_course, django_assert_max_num_queries
):
    # Course, weeks, meetings, slots with their categories.
    with django_assert_max_num_queries(4):
        response = client.get(url("mlsys-2025"))
    assert response.status_code == 200


def test_member_read_of_the_demo_course_takes_few_queries(
    api_client_of, demo_course, student, django_assert_max_num_queries
):
    enrol(student, demo_course, Role.STUDENT)
    api = api_client_of(student)
    # Authentication (session and user, or token with its user), course, role, weeks,
    # meetings, slots with their categories.
    with django_assert_max_num_queries(7):
        response = api.get(url("mlsys-2025"))
    assert response.json()["course"]["role"] == "student"


def test_member_read_of_a_private_demo_course_takes_few_queries(
    api_client_of, demo_course, student, django_assert_max_num_queries
):
    demo_course.schedule_public = False
    demo_course.save(update_fields=["schedule_public"])
    enrol(student, demo_course, Role.STUDENT)
    api = api_client_of(student)
    # As above, plus the lookup that finds the course is not public.
    with django_assert_max_num_queries(8):
        response = api.get(url("mlsys-2025"))
    assert len(response.json()["weeks"]) == 13


def test_queries_do_not_grow_with_the_course(api_client_of, demo_course, public_course, student):
    enrol(student, demo_course, Role.STUDENT)
    enrol(student, public_course, Role.STUDENT)
    api = api_client_of(student)
    # 13 weeks, 26 meetings and 33 slots cost the same as 2 weeks, 4 meetings and 2 slots.
    assert count_queries(api, "mlsys-2025") == count_queries(api, "open-house")
