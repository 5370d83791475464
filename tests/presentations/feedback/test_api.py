"""The feedback API for every role of the cast, and its refusals."""

import pytest

from courseapp.models import Course
from presentations.feedback_services import feedback_hide
from presentations.models import Feedback
from tests.presentations.feedback.conftest import (
    AFTER_ALL,
    DURING_S1,
    SCORES,
    enrolment,
    session_of,
)

NOT_FOUND = {"detail": "Not found.", "code": "not_found"}
BASE = "/api/courses/fb-seminar"


@pytest.fixture(autouse=True)
def _during_session_1(time_machine):
    time_machine.move_to(DURING_S1, tick=False)


def staff_paths(course):
    return [
        f"{BASE}/feedback/sessions/{session_of(course, 1).pk}/",
        f"{BASE}/feedback/students/",
    ]


STUDENT_PATHS = [f"{BASE}/feedback/todo/", f"{BASE}/feedback/received/"]


def give(client, talk, scores=SCORES, comment="Clear and well paced."):
    return client.post(
        f"{BASE}/presentations/{talk.pk}/feedback/",
        {"scores": scores, "comment": comment},
        content_type="application/json",
    )


# --- roles --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", STUDENT_PATHS + [f"{BASE}/feedback/given/"])
@pytest.mark.parametrize("who", ["student", "other_student"])
def test_students_read_their_own_lists(request, api_client_of, talks, path, who):
    response = api_client_of(request.getfixturevalue(who)).get(path)
    assert response.status_code == 200
    assert isinstance(response.json(), list)


@pytest.mark.parametrize("path", STUDENT_PATHS)
@pytest.mark.parametrize("who", ["ta", "instructor"])
def test_staff_get_403_on_student_lists(request, api_client_of, talks, path, who):
    response = api_client_of(request.getfixturevalue(who)).get(path)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("who", ["ta", "instructor"])
def test_staff_read_sessions_and_students(request, api_client_of, course, talks, who):
    for path in staff_paths(course):
        assert api_client_of(request.getfixturevalue(who)).get(path).status_code == 200


@pytest.mark.parametrize("who", ["student", "other_student"])
def test_students_get_403_on_staff_views(request, api_client_of, course, talks, who):
    client = api_client_of(request.getfixturevalue(who))
    for path in staff_paths(course):
        assert client.get(path).status_code == 403
    feedback_id = 1
    assert client.post(f"{BASE}/feedback/{feedback_id}/hide/", {"reason": "x"}).status_code == 403
    assert client.post(f"{BASE}/feedback/excusals/", {}).status_code == 403


def test_outsider_gets_404_and_anonymous_401(api_client_of, client, course, outsider, talks):
    paths = STUDENT_PATHS + staff_paths(course) + [f"{BASE}/feedback/given/"]
    for path in paths:
        assert api_client_of(outsider).get(path).json() == NOT_FOUND
        assert client.get(path).status_code == 401
    assert give(api_client_of(outsider), talks["alice"]).status_code == 404
    assert give(client, talks["alice"]).status_code == 401


# --- the student's flow -------------------------------------------------------------------


def test_todo_then_submit_then_edit(api_client_of, other_student, talks):
    client = api_client_of(other_student)
    todo = client.get(f"{BASE}/feedback/todo/").json()
    assert [item["presentation"]["id"] for item in todo] == [talks["alice"].pk, talks["carol"].pk]
    assert todo[0]["state"] == "open"
    assert todo[0]["closes"] == "2025-09-12T03:50:00Z"  # 11:50 in Hong Kong

    created = give(client, talks["alice"])
    assert created.status_code == 201
    assert created.json()["scores"] == SCORES
    edited = give(client, talks["alice"], scores={"organisation": 2, "answering": 2})
    assert edited.status_code == 200
    assert Feedback.objects.count() == 1

    todo = client.get(f"{BASE}/feedback/todo/").json()
    assert [item["presentation"]["id"] for item in todo] == [talks["carol"].pk]
    given = client.get(f"{BASE}/feedback/given/").json()
    assert [(g["presentation"]["id"], g["scores"]) for g in given] == [
        (talks["alice"].pk, {"organisation": 2, "answering": 2})
    ]
    mine = client.get(f"{BASE}/presentations/{talks['alice'].pk}/feedback/")
    assert mine.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"scores": {"organisation": 7, "answering": 1}, "comment": "Long enough"},
        {"scores": {"organisation": 3}, "comment": "Long enough"},
        {"scores": "nope"},
        {"scores": {"organisation": [1], "answering": 1}, "comment": "Long enough"},
        {"comment": "no scores at all"},
        {"scores": {"organisation": 3, "answering": 3}, "comment": "x"},
    ],
)
def test_hostile_bodies_get_400(api_client_of, other_student, talks, body):
    response = api_client_of(other_student).post(
        f"{BASE}/presentations/{talks['alice'].pk}/feedback/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Feedback.objects.exists()


def test_refusals_are_409_with_their_code(
    api_client_of, student, other_student, talks, time_machine
):
    assert give(api_client_of(student), talks["carol"]).json()["code"] == "not_owed"
    time_machine.move_to(AFTER_ALL, tick=False)
    response = give(api_client_of(other_student), talks["alice"])
    assert (response.status_code, response.json()["code"]) == (409, "window_closed")


def test_a_talk_of_another_course_is_404(api_client_of, other_student, talks, other_course):
    response = api_client_of(other_student).post(
        f"{BASE}/presentations/999999/feedback/",
        {"scores": SCORES},
        content_type="application/json",
    )
    assert response.json() == NOT_FOUND


# --- staff --------------------------------------------------------------------------------


def test_staff_see_reviewers_and_moderate(
    api_client_of, course, instructor, ta, other_student, talks
):
    give(api_client_of(other_student), talks["alice"])
    session = api_client_of(ta).get(f"{BASE}/feedback/sessions/{session_of(course, 1).pk}/").json()
    alice = next(t for t in session["talks"] if t["presentation"]["id"] == talks["alice"].pk)
    assert [r["reviewer"] for r in alice["reviews"]] == ["bob"]
    assert alice["reviews_count"] == 1
    assert alice["under_min_reviews"]
    feedback_id = alice["reviews"][0]["id"]

    empty = api_client_of(ta).post(
        f"{BASE}/feedback/{feedback_id}/hide/", {"reason": ""}, content_type="application/json"
    )
    assert empty.status_code == 400
    hidden = api_client_of(ta).post(
        f"{BASE}/feedback/{feedback_id}/hide/",
        {"reason": "Off topic"},
        content_type="application/json",
    )
    assert hidden.status_code == 200
    assert hidden.json()["hidden"]
    again = api_client_of(ta).post(
        f"{BASE}/feedback/{feedback_id}/hide/",
        {"reason": "Off topic"},
        content_type="application/json",
    )
    assert again.json()["code"] == "already_hidden"
    restored = api_client_of(instructor).post(f"{BASE}/feedback/{feedback_id}/restore/", {})
    assert restored.status_code == 200
    assert not restored.json()["hidden"]


def test_only_instructors_excuse(api_client_of, course, instructor, ta, other_student, talks):
    bob = enrolment(other_student, course)
    body = {"student": bob.pk, "session": session_of(course, 1).pk, "reason": "Medical"}
    assert api_client_of(ta).post(f"{BASE}/feedback/excusals/", body).status_code == 403
    response = api_client_of(instructor).post(f"{BASE}/feedback/excusals/", body)
    assert response.status_code == 201
    assert api_client_of(instructor).post(f"{BASE}/feedback/excusals/", body).status_code == 409
    credit = {
        row["username"]: row
        for row in api_client_of(instructor).get(f"{BASE}/feedback/students/").json()
    }
    assert credit["bob"]["excused"] == 2
    bad = api_client_of(instructor).post(
        f"{BASE}/feedback/excusals/", {"student": 999999, "session": 1, "reason": "x"}
    )
    assert bad.status_code == 404


def test_instructor_rates_through_the_same_endpoint(api_client_of, instructor, talks):
    response = give(api_client_of(instructor), talks["alice"])
    assert response.status_code == 201
    assert response.json()["by_staff"]


def test_a_hidden_feedback_shows_its_author_the_reason(
    api_client_of, instructor, other_student, talks
):
    give(api_client_of(other_student), talks["alice"])
    feedback_hide(feedback=Feedback.objects.get(), reason="Rude", actor=instructor, via="api")
    given = api_client_of(other_student).get(f"{BASE}/feedback/given/").json()
    assert (given[0]["hidden"], given[0]["hidden_reason"]) == (True, "Rude")


def test_received_is_empty_until_released(
    api_client_of, course, student, make_students, talks, time_machine
):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.save()
    for reviewer in make_students(2, prefix="r"):
        give(api_client_of(reviewer.user), talks["alice"])
    (received,) = api_client_of(student).get(f"{BASE}/feedback/received/").json()
    assert (received["released"], received["questions"], received["comments"]) == (False, [], [])
    time_machine.move_to(AFTER_ALL, tick=False)
    (received,) = api_client_of(student).get(f"{BASE}/feedback/received/").json()
    assert received["released"]
    assert received["reviews"] == 2
    assert received["questions"][0] == {
        "key": "organisation",
        "n": 2,
        "aggregate": "4.00",
        "spread": "0.00",
        "minimum": 4,
        "maximum": 4,
    }
