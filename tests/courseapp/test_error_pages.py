"""Our own error pages (templates/4xx.html, 500.html) and the API's JSON errors outside DRF."""

import json

import pytest
from django.test import Client

from courseapp.parsers import MAX_JSON_DEPTH

ERROR_URLS = "tests.courseapp.error_urls"


def is_our_page(html: str) -> bool:
    # Our layout (base.html), not Django's bare pages or a traceback.
    return '<main id="main"' in html and "Traceback" not in html


@pytest.mark.urls(ERROR_URLS)
def test_the_500_page_renders_with_the_database_down():
    # No `db` fixture: any query, by the view or by the error page, raises. The view fails
    # as with the database down; the page must render without touching it.
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a-session-that-would-need-the-database"
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert is_our_page(html)
    assert "Something went wrong" in html
    assert "Connection refused" not in html


@pytest.mark.urls(ERROR_URLS)
def test_an_api_500_is_json_in_the_error_shape():
    response = Client(raise_request_exception=False).get("/api/broken/")
    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred.", "code": "server_error"}


@pytest.mark.urls(ERROR_URLS)
def test_the_403_page_is_ours_with_the_reason(db):
    response = Client().get("/denied/")
    assert response.status_code == 403
    html = response.content.decode()
    assert is_our_page(html)
    assert "Your role in this course does not allow this." in html


@pytest.mark.urls(ERROR_URLS)
def test_an_api_403_outside_drf_is_json(db):
    response = Client().get("/api/denied/")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your role in this course does not allow this.",
        "code": "permission_denied",
    }


def test_the_404_page_is_ours_and_knows_who_is_signed_in(client_of, student):
    response = client_of(student).get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert is_our_page(html)
    assert "Page not found" in html
    assert "alice" in html  # the account menu: rendered with the request


def test_a_private_course_of_someone_else_is_our_404(client_of, outsider, course):
    response = client_of(outsider).get(f"/courses/{course.code}/dashboard/")
    assert response.status_code == 404
    assert is_our_page(response.content.decode())


def test_a_form_without_its_csrf_token_gets_our_403_page(db):
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "a", "password": "b"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert is_our_page(html)
    assert "This form has expired" in html
    assert "CSRF verification failed" not in html


def test_the_400_page_is_ours(db):
    response = Client().get("/?q=%00")
    assert response.status_code == 400
    html = response.content.decode()
    assert is_our_page(html)
    assert "Bad request" in html


def test_an_unknown_api_path_is_a_json_404_for_every_method(db):
    for method in ("get", "post", "put", "patch", "delete", "options"):
        response = getattr(Client(), method)("/api/does/not/exist/")
        assert response.status_code == 404, method
        assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize(
    "url", ["/api/schema/?version=a%0d%0aX: 1", "/api/schema/?version=2", "/api/schema/"]
)
def test_the_schema_ignores_the_version_parameter(db, url):
    response = Client().get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json()["info"]["version"] == "1"
    assert "X" not in response.headers
    assert response["Content-Disposition"] == 'inline; filename="courseapp API.json"'


def nested(levels: int):
    value = "x"
    for _ in range(levels - 1):
        value = [value]
    return {"username": value, "password": "pw"}


def test_json_nested_up_to_the_limit_is_parsed(db):
    # The body (an object holding lists) is MAX_JSON_DEPTH levels deep: parsed, then refused
    # by the serializer for what it is, a list where a string belongs.
    response = Client().post(
        "/api/auth/token/", json.dumps(nested(MAX_JSON_DEPTH)), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_json_nested_past_the_limit_is_a_parse_error(db):
    response = Client().post(
        "/api/auth/token/",
        json.dumps(nested(MAX_JSON_DEPTH + 1)),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - the document is nested more than 32 levels deep.",
        "code": "parse_error",
    }
