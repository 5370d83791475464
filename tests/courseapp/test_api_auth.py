"""POST /api/auth/token/: a username and password in, the user's API token out."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from conftest import make_user
from courseapp.api import BaseAPIView

URL = "/api/auth/token/"
BAD_CREDENTIALS = {"detail": "Unable to sign in with these credentials.", "code": "invalid"}


def post(client, data, **kwargs):
    return client.post(URL, data, content_type="application/json", **kwargs)


@pytest.mark.parametrize(
    "user_fixture", ["student", "other_student", "ta", "instructor", "outsider"]
)
def test_every_member_gets_their_token(client, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    response = post(client, {"username": user.username, "password": "pw"})
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


def test_the_same_token_comes_back_each_time(client, student):
    first = post(client, {"username": "alice", "password": "pw"}).json()["token"]
    second = post(client, {"username": "alice", "password": "pw"}).json()["token"]
    assert first == second
    assert Token.objects.filter(user=student).count() == 1


def test_a_user_with_no_course_may_get_a_token(client, db):
    make_user("newcomer")
    response = post(client, {"username": "newcomer", "password": "pw"})
    assert response.status_code == 200


def test_form_encoded_credentials_work_too(client, student):
    response = client.post(URL, {"username": "alice", "password": "pw"})
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=student).key


def test_wrong_password_is_400_and_creates_no_token(client, student):
    response = post(client, {"username": "alice", "password": "wrong"})
    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS
    assert not Token.objects.exists()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, db):
    response = post(client, {"username": "nobody", "password": "pw"})
    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS


def test_inactive_user_gets_no_token(client, student):
    student.is_active = False
    student.save(update_fields=["is_active"])
    response = post(client, {"username": "alice", "password": "pw"})
    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS


def test_missing_fields_are_named(client, db):
    response = post(client, {})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "username: This field is required." in body["detail"]
    assert "password: This field is required." in body["detail"]


def test_the_password_is_not_trimmed(client, db):
    user = make_user("padded")
    user.set_password(" secret ")
    user.save()
    assert post(client, {"username": "padded", "password": "secret"}).status_code == 400
    assert post(client, {"username": "padded", "password": " secret "}).status_code == 200


def test_only_post_is_allowed(client, db):
    response = client.get(URL)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_signed_in_browser_needs_no_csrf_token(student):
    # The endpoint ignores the session: a session cookie must not drag in the CSRF check.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    response = post(browser, {"username": "alice", "password": "pw"})
    assert response.status_code == 200


def test_the_token_authenticates_api_requests(client, student):
    token = post(client, {"username": "alice", "password": "pw"}).json()["token"]
    response = Client().get("/api/courses/", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200
    assert [course["code"] for course in response.json()] == ["seminar"]


def test_a_bad_token_is_401_in_the_error_shape(db):
    response = Client().get("/api/courses/", headers={"Authorization": "Token not-a-real-key"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "code": "authentication_failed"}
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_of_an_inactive_user_is_refused(student):
    token = Token.objects.create(user=student)
    student.is_active = False
    student.save(update_fields=["is_active"])
    response = Client().get("/api/courses/", headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


class Echo(BaseAPIView):
    """An unsafe endpoint open to any signed-in user: says who it sees."""

    def post(self, request):
        return Response({"username": request.user.username})


def test_a_token_request_from_a_signed_in_browser_needs_no_csrf_token(student, other_student):
    # A script may carry both a session cookie and a token: the token decides, and the
    # session scheme's CSRF rule stays out of the way.
    token = Token.objects.create(user=other_student)
    request = APIRequestFactory(enforce_csrf_checks=True).post(
        "/api/echo/", {}, format="json", headers={"Authorization": f"Token {token.key}"}
    )
    request.user = student  # what the session middleware would have set
    response = Echo.as_view()(request)
    assert response.status_code == 200
    assert response.data == {"username": "bob"}


def test_a_session_request_without_csrf_token_is_refused(student):
    request = APIRequestFactory(enforce_csrf_checks=True).post("/api/echo/", {}, format="json")
    request.user = student
    response = Echo.as_view()(request)
    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"
    assert "CSRF" in response.data["detail"]
