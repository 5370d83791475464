"""GET /api/courses/: the courses the signed-in user belongs to, with their role."""

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from conftest import enrol, load_course_text, make_user, small_course_text
from courseapp.api import CourseAPIView
from courseapp.models import Role

URL = "/api/courses/"


def seminar_as(role: str) -> dict:
    return {
        "code": "seminar",
        "title": "Systems Seminar",
        "term": "Autumn 2025",
        "lecturer": "Ada Lovelace",
        "time_zone": "Asia/Hong_Kong",
        "schedule_public": False,
        "role": role,
    }


def test_anonymous_gets_401_in_the_error_shape(client, course):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("user_fixture", "role"),
    [
        ("student", "student"),
        ("other_student", "student"),
        ("ta", "ta"),
        ("instructor", "instructor"),
    ],
)
def test_each_member_sees_the_course_with_their_role(api_client_of, request, user_fixture, role):
    user = request.getfixturevalue(user_fixture)
    response = api_client_of(user).get(URL)
    assert response.status_code == 200
    assert response.json() == [seminar_as(role)]


def test_outsider_sees_only_their_own_course(api_client_of, course, outsider):
    response = api_client_of(outsider).get(URL)
    assert response.status_code == 200
    assert [(c["code"], c["role"]) for c in response.json()] == [("other-seminar", "student")]


def test_a_course_with_many_members_is_listed_once(
    api_client_of, student, other_student, ta, instructor
):
    response = api_client_of(ta).get(URL)
    assert [c["code"] for c in response.json()] == ["seminar"]


def test_each_course_carries_the_role_held_in_it(api_client_of, course, other_course, ta):
    # A TA here, a student there: roles never leak from one course to another.
    enrol(ta, other_course, Role.STUDENT)
    response = api_client_of(ta).get(URL)
    roles = {c["code"]: c["role"] for c in response.json()}
    assert roles == {"seminar": "ta", "other-seminar": "student"}


def test_public_courses_one_does_not_belong_to_are_not_listed(api_client_of, student):
    load_course_text(small_course_text(code="open-house", title="Open House", public=True))
    response = api_client_of(student).get(URL)
    assert [c["code"] for c in response.json()] == ["seminar"]


def test_a_user_in_no_course_gets_an_empty_list(api_client_of, course):
    response = api_client_of(make_user("newcomer")).get(URL)
    assert response.status_code == 200
    assert response.json() == []


def test_the_list_takes_a_fixed_number_of_queries(
    api_client_of, course, student, django_assert_max_num_queries
):
    for index in range(8):
        extra = load_course_text(small_course_text(code=f"extra-{index}", title=f"Extra {index}"))
        enrol(student, extra, Role.STUDENT)
    api = api_client_of(student)
    # Session: session + user + courses; token: token with its user + courses.
    with django_assert_max_num_queries(3):
        response = api.get(URL)
    assert len(response.json()) == 9


def test_only_get_is_allowed(api_client_of, student):
    response = api_client_of(student).post(URL, {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "POST" not allowed.', "code": "method_not_allowed"}


# The base of every view under /api/courses/{code}/ ----------------------------------------


class StaffOnly(CourseAPIView):
    """A staff-only endpoint, as later issues write them (the gradebook, say)."""

    allowed_roles = [Role.TA, Role.INSTRUCTOR]

    def get(self, request, code):
        return Response({"course": self.course.code, "role": self.course_role})


def call_staff_only(user, code: str = "seminar"):
    request = APIRequestFactory().get(f"/api/courses/{code}/staff-only/")
    if user is not None:
        force_authenticate(request, user=user)
    return StaffOnly.as_view()(request, code=code)


@pytest.mark.parametrize(
    ("user_fixture", "status", "code"),
    [
        (None, 401, "not_authenticated"),
        ("student", 403, "permission_denied"),
        ("other_student", 403, "permission_denied"),
        ("ta", 200, None),
        ("instructor", 200, None),
        ("outsider", 404, "not_found"),
    ],
)
def test_course_views_admit_the_allowed_roles_only(request, course, user_fixture, status, code):
    user = request.getfixturevalue(user_fixture) if user_fixture else None
    response = call_staff_only(user)
    assert response.status_code == status
    if code:
        assert response.data["code"] == code
    else:
        assert response.data == {"course": "seminar", "role": user_fixture}


def test_course_views_answer_404_for_an_unknown_code(ta):
    response = call_staff_only(ta, code="no-such-course")
    assert response.status_code == 404
    assert response.data == {"detail": "Not found.", "code": "not_found"}


def test_course_views_resolve_the_course_once(ta, django_assert_num_queries):
    # The course and the user's role in it, in one query; the view reuses both.
    with django_assert_num_queries(1):
        response = call_staff_only(ta)
    assert response.status_code == 200
