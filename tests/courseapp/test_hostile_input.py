"""Hostile requests, pages and API alike: none gets a 5xx, and API errors keep their shape.

Each row is one request as an attacker (or a broken client) would send it, with the status
it gets now. The suite runs on SQLite and on PostgreSQL; on PostgreSQL the NUL rows are the
ones that used to reach the database and fail there with DataError (a 500).
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.authtoken.models import Token

from conftest import enrol, load_course_text, make_user, small_course_text
from courseapp.models import Role

CODE = "open-seminar"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
BIG = 4 * 1024 * 1024  # DATA_UPLOAD_MAX_MEMORY_SIZE


@dataclass
class Hostile:
    name: str
    method: str
    path: str
    status: int
    code: str | None = None  # the API error's code
    who: str = "anonymous"  # or "student", "superuser"
    body: bytes | str | None = None
    content_type: str = JSON
    data: dict | None = None  # a form (multipart) body instead of `body`
    headers: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # WSGI environ entries
    contains: str | None = None  # in the page or the JSON detail

    def __str__(self):
        return self.name


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def form(**fields) -> str:
    return urlencode(fields)


NUL_DETAIL = "NUL character"
CASES = [
    # --- NUL characters -------------------------------------------------------------------
    Hostile("page: NUL in a query value", "GET", "/?q=%00", 400, contains=NUL_DETAIL),
    Hostile("page: NUL in a query name", "GET", f"/courses/{CODE}/?%00=1", 400),
    Hostile("page: NUL in the path", "GET", f"/courses/{CODE}%00/", 404),
    Hostile("feed: NUL in ?key=", "GET", f"/courses/{CODE}/schedule.ics?key=%00", 400),
    Hostile("feed: NUL in ?token=", "GET", f"/courses/{CODE}/schedule.ics?token=%00", 400),
    Hostile(
        "password reset link: NUL in the path",
        "GET",
        "/accounts/password/reset/MQ/%00/",
        200,
        contains="This link no longer works",
    ),
    Hostile("admin: NUL in the search", "GET", "/admin/auth/user/?q=%00", 400, who="superuser"),
    Hostile(
        "admin: NUL in an object id",
        "GET",
        "/admin/authtoken/tokenproxy/%00/change/",
        302,  # "doesn't exist", back to the list
        who="superuser",
    ),
    Hostile(
        "login form: NUL in the username",
        "POST",
        "/accounts/login/",
        200,
        body=form(username="al\x00ice", password="pw"),
        content_type=FORM,
        contains="Null characters are not allowed.",
    ),
    Hostile(
        "login form: NUL in the password",
        "POST",
        "/accounts/login/",
        200,
        body=form(username="alice", password="p\x00w"),
        content_type=FORM,
        contains="Null characters are not allowed.",
    ),
    Hostile(
        "admin login: NUL in the username",
        "POST",
        "/admin/login/",
        200,
        body=form(username="\x00", password="pw"),
        content_type=FORM,
    ),
    Hostile(
        "password change: NUL in the new password",
        "POST",
        "/accounts/password/",
        200,
        who="student",
        body=form(old_password="pw", new_password1="a\x00b", new_password2="a\x00b"),
        content_type=FORM,
        contains="Null characters are not allowed.",
    ),
    Hostile(
        "admin form: NUL in a new username",
        "POST",
        "/admin/auth/user/add/",
        200,
        who="superuser",
        body=form(username="new\x00user", password1="x", password2="x"),
        content_type=FORM,
        contains="Null characters are not allowed.",
    ),
    Hostile("api: NUL in a query value", "GET", "/api/courses/?x=%00", 400, "nul_character"),
    Hostile("api: NUL in ?version=", "GET", "/api/schema/?version=%00", 400, "nul_character"),
    Hostile(
        "api: NUL in the JSON username",
        "POST",
        "/api/auth/token/",
        400,
        "invalid",
        body=json.dumps({"username": "al\x00ice", "password": "pw"}),
        contains="Null characters are not allowed.",
    ),
    Hostile(
        "api: NUL in the form-encoded password",
        "POST",
        "/api/auth/token/",
        400,
        "invalid",
        body=form(username="alice", password="\x00"),
        content_type=FORM,
    ),
    Hostile(
        "api: NUL in the Authorization header",
        "GET",
        "/api/courses/",
        400,
        "nul_character",
        headers={"Authorization": "Token abc\x00def"},
    ),
    Hostile(
        "page: NUL in the session cookie is ignored",
        "GET",
        "/",
        200,
        headers={"Cookie": 'sessionid="abcdefghijkl\\000mnop"'},
    ),
    # --- malformed and deeply nested JSON --------------------------------------------------
    Hostile("api: [ x 100000", "POST", "/api/auth/token/", 400, "parse_error", body="[" * 100000),
    Hostile(
        "api: [ x 100000 to a schedule",
        "POST",
        f"/api/courses/{CODE}/schedule/",
        405,
        "method_not_allowed",
        who="student",
        body="[" * 100000,
    ),
    Hostile(
        "api: 33 levels of nesting",
        "POST",
        "/api/auth/token/",
        400,
        "parse_error",
        body=json.dumps({"username": json.loads(deep(32)), "password": "x"}),
        contains="nested more than 32 levels",
    ),
    Hostile("api: malformed JSON", "POST", "/api/auth/token/", 400, "parse_error", body="{nope"),
    Hostile(
        "api: invalid UTF-8 in the JSON body",
        "POST",
        "/api/auth/token/",
        400,
        "parse_error",
        body=b'{"username": "\xff\xfe", "password": "x"}',
    ),
    Hostile("api: NaN", "POST", "/api/auth/token/", 400, "parse_error", body='{"username": NaN}'),
    Hostile(
        "api: an integer of 5000 digits",
        "POST",
        "/api/auth/token/",
        400,
        "parse_error",
        body='{"username": ' + "9" * 5000 + ', "password": "x"}',
    ),
    Hostile(
        "api: a huge integer where a string is expected",
        "POST",
        "/api/auth/token/",
        400,
        "invalid",
        body='{"username": 123456789012345678901234567890, "password": "x"}',
    ),
    Hostile(
        "api: a list where a string is expected",
        "POST",
        "/api/auth/token/",
        400,
        "invalid",
        body=json.dumps({"username": ["alice"], "password": "pw"}),
        contains="username: Not a valid string.",
    ),
    Hostile(
        "api: an object where a string is expected",
        "POST",
        "/api/auth/token/",
        400,
        "invalid",
        body=json.dumps({"username": {"$ne": ""}, "password": {"$ne": ""}}),
    ),
    Hostile(
        "api: a JSON string instead of an object",
        "POST",
        "/api/auth/token/",
        400,
        "invalid",
        body='"alice"',
    ),
    Hostile(
        "api: a 10,000-character username",
        "POST",
        "/api/auth/token/",
        400,
        "invalid",
        body=json.dumps({"username": "a" * 10000, "password": "pw"}),
    ),
    Hostile(
        "api: XML",
        "POST",
        "/api/auth/token/",
        415,
        "unsupported_media_type",
        body="<credentials/>",
        content_type="text/xml",
    ),
    Hostile(
        "api: an unknown charset",
        "POST",
        "/api/auth/token/",
        400,
        "invalid",
        body=json.dumps({"username": "alice", "password": "wrong"}),
        content_type="application/json; charset=no-such-charset",
    ),
    Hostile(
        "api: multipart without a boundary",
        "POST",
        "/api/auth/token/",
        400,
        "parse_error",
        body="--x\r\n",
        content_type="multipart/form-data",
    ),
    # --- sizes and counts ------------------------------------------------------------------
    Hostile(
        "api: a JSON body over the size limit",
        "POST",
        "/api/auth/token/",
        413,
        "request_too_large",
        body='{"username": "' + "a" * BIG + '", "password": "x"}',
    ),
    Hostile(
        "api: Content-Length over the request cap",
        "POST",
        "/api/auth/token/",
        413,
        "request_too_large",
        body="{}",
        extra={"CONTENT_LENGTH": str(11 * 1024 * 1024)},
    ),
    Hostile(
        "api: 1001 form fields",
        "POST",
        "/api/auth/token/",
        400,
        "too_many_fields",
        body="&".join(f"f{index}=1" for index in range(1001)),
        content_type=FORM,
    ),
    Hostile(
        "api: 101 files",
        "POST",
        "/api/auth/token/",
        400,
        "too_many_fields",
        data={f"file{index}": f"f{index}.txt" for index in range(101)},
    ),
    Hostile(
        "api: 1001 query parameters",
        "GET",
        "/api/courses/?" + "&".join(f"q{index}=1" for index in range(1001)),
        400,
        "too_many_fields",
    ),
    Hostile(
        "page: a form body over the size limit",
        "POST",
        "/accounts/login/",
        413,
        body=form(username="a" * BIG, password="x"),
        content_type=FORM,
        contains="Request too large",
    ),
    Hostile(
        "page: 1001 form fields",
        "POST",
        "/accounts/login/",
        400,
        body="&".join(f"f{index}=1" for index in range(1001)),
        content_type=FORM,
    ),
    Hostile(
        "page: multipart without a boundary",
        "POST",
        "/accounts/login/",
        400,
        body="--x\r\n",
        content_type="multipart/form-data",
    ),
    # --- paths, methods, encodings ---------------------------------------------------------
    Hostile("api: an unknown path", "GET", "/api/nope/", 404, "not_found"),
    Hostile("api: a path no route matches", "POST", "/api/courses/a/b/c/d/", 404, "not_found"),
    Hostile(
        "api: a non-slug course code",
        "GET",
        "/api/courses/%C3%A9/schedule/",
        404,
        "not_found",
    ),
    Hostile(
        "api: invalid UTF-8 in the path", "GET", "/api/courses/%FF%FE/schedule/", 404, "not_found"
    ),
    Hostile(
        "api: DELETE on a list",
        "DELETE",
        "/api/courses/",
        405,
        "method_not_allowed",
        who="student",
    ),
    Hostile("api: PATCH on the token endpoint", "PATCH", "/api/auth/token/", 405),
    Hostile("api: an unknown ?format=", "GET", "/api/courses/?format=evil", 404, "not_found"),
    Hostile(
        "api: a host not allowed",
        "GET",
        "/api/courses/",
        400,
        "bad_request",
        extra={"HTTP_HOST": "evil.example"},
    ),
    Hostile(
        "api: invalid UTF-8 in the token",
        "GET",
        "/api/courses/",
        401,
        "authentication_failed",
        headers={"Authorization": "Token \xff\xfe"},
    ),
    Hostile("page: a non-slug course code", "GET", "/courses/%C3%A9/", 404),
    Hostile("page: invalid UTF-8 in the path", "GET", "/courses/%FF%FE/", 404),
    Hostile("page: invalid UTF-8 in the query", "GET", "/?q=%FF%FE", 200),
    # A private course's page sends visitors to log in, with the path as `next`: Django
    # refuses a redirect longer than 16,384 characters.
    Hostile("page: a 20,000-character path", "GET", "/courses/" + "a" * 20000 + "/", 400),
    Hostile(
        "page: a 20,000-character path, signed in",
        "GET",
        "/courses/" + "a" * 20000 + "/",
        404,
        who="student",
    ),
    Hostile("page: a 100,000-character query", "GET", "/?q=" + "a" * 100000, 200),
    Hostile("page: an unknown path", "GET", "/wp-login.php", 404, contains="Page not found"),
    Hostile("page: DELETE on the login page", "DELETE", "/accounts/login/", 405),
    Hostile("page: GET on logout", "GET", "/accounts/logout/", 405),
    Hostile(
        "page: a host not allowed",
        "GET",
        "/",
        400,
        extra={"HTTP_HOST": "evil.example"},
        contains="Bad request",
    ),
    Hostile(
        "admin: a page number of 25 digits",
        "GET",
        "/admin/auth/user/?p=9999999999999999999999999",
        200,
        who="superuser",
    ),
    Hostile(
        "admin: an id filter of 25 digits",
        "GET",
        "/admin/courseapp/enrollment/?course__id__exact=9999999999999999999999999",
        200,
        who="superuser",
    ),
    Hostile(
        "admin: an object id of 25 digits",
        "GET",
        "/admin/courseapp/course/9999999999999999999999999/change/",
        404,
        who="superuser",
    ),
    # --- the papers and slots API, as a student of the course ------------------------------
    Hostile(
        "api: [ x 100000 as a proposal",
        "POST",
        f"/api/courses/{CODE}/papers/proposals/",
        400,
        "parse_error",
        who="student",
        body="[" * 100000,
    ),
    Hostile(
        "api: NUL in a proposal's title",
        "POST",
        f"/api/courses/{CODE}/papers/proposals/",
        400,
        "invalid",
        who="student",
        body=json.dumps({"title": "A\x00B", "authors": "", "url": "", "category": "training"}),
        contains="title: Null characters are not allowed.",
    ),
    Hostile(
        "api: NUL in a proposal's url",
        "POST",
        f"/api/courses/{CODE}/papers/proposals/",
        400,
        "invalid",
        who="student",
        body=json.dumps({"title": "T", "url": "https://a\x00.example/", "category": "training"}),
    ),
    Hostile(
        "api: a list as a proposal's title",
        "POST",
        f"/api/courses/{CODE}/papers/proposals/",
        400,
        "invalid",
        who="student",
        body=json.dumps({"title": ["T"], "category": "training"}),
    ),
    Hostile(
        "api: a 1 MB proposal title",
        "POST",
        f"/api/courses/{CODE}/papers/proposals/",
        400,
        "invalid",
        who="student",
        body=json.dumps({"title": "T" * 1_000_000, "category": "training"}),
    ),
    Hostile(
        "api: a preference of 31 digits",
        "PUT",
        f"/api/courses/{CODE}/papers/preferences/",
        400,
        "invalid",
        who="student",
        body=json.dumps({"paper_ids": [10**30]}),
    ),
    Hostile(
        "api: 100000 preferences",
        "PUT",
        f"/api/courses/{CODE}/papers/preferences/",
        400,
        "invalid",
        who="student",
        body=json.dumps({"paper_ids": list(range(1, 100001))}),
    ),
    Hostile(
        "api: a swap with a slot id of 31 digits",
        "POST",
        f"/api/courses/{CODE}/swaps/",
        400,
        "invalid",
        who="student",
        body=json.dumps({"slot_id": 10**30}),
    ),
    Hostile(
        "api: a paper id of 25 digits in the path",
        "POST",
        f"/api/courses/{CODE}/papers/9999999999999999999999999/claim/",
        404,
        "not_found",
        who="student",
    ),
    Hostile(
        "api: a slot id of 25 digits in the path",
        "POST",
        f"/api/courses/{CODE}/slots/9999999999999999999999999/signup/",
        404,
        "not_found",
        who="student",
    ),
    Hostile(
        "api: a word where a number is expected",
        "POST",
        f"/api/courses/{CODE}/slots/1/signup/",
        400,
        "invalid",
        who="student",
        body=json.dumps({"talk": "first"}),
    ),
    Hostile(
        "api: a swap id of 25 digits in the path",
        "DELETE",
        f"/api/courses/{CODE}/swaps/9999999999999999999999999/",
        404,
        "not_found",
        who="student",
    ),
    Hostile(
        "api: a negative session id in the path",
        "POST",
        f"/api/courses/{CODE}/sessions/-1/waitlist/",
        404,
        "not_found",
        who="student",
    ),
    # --- the papers and slots pages, as a student ------------------------------------------
    Hostile(
        "page form: NUL in a proposal's title",
        "POST",
        f"/courses/{CODE}/papers/proposals/",
        200,
        who="student",
        body=form(title="A\x00B", category="training"),
        content_type=FORM,
        contains="Your proposal is not sent",
    ),
    Hostile(
        "page form: a ranking of 31-digit ids",
        "POST",
        f"/courses/{CODE}/papers/ranking/",
        302,
        who="student",
        body=form(paper_ids=str(10**30)),
        content_type=FORM,
    ),
    Hostile(
        "page form: booking a slot of 25 digits",
        "POST",
        f"/courses/{CODE}/slots/9999999999999999999999999/book/",
        404,
        who="student",
    ),
    Hostile("page: NUL in the slots page's query", "GET", f"/courses/{CODE}/slots/?s=%00", 400),
    # --- CRLF ------------------------------------------------------------------------------
    Hostile("api: CRLF in ?version=", "GET", "/api/schema/?version=a%0d%0aX:%201", 200),
    Hostile("api: CRLF in ?lang=", "GET", "/api/schema/?lang=en%0d%0aX:%201", 200),
    Hostile("api docs: CRLF in ?version=", "GET", "/api/docs/?version=a%0d%0aX:%201", 200),
    Hostile(
        "login: CRLF in ?next=",
        "GET",
        "/accounts/login/?next=/%0d%0aSet-Cookie:%20x=1",
        200,
    ),
    Hostile(
        "login: CRLF in the posted next",
        "POST",
        "/accounts/login/",
        302,
        body=form(username="alice", password="pw", next="/\r\nSet-Cookie: x=1"),
        content_type=FORM,
    ),
]


@pytest.fixture
def cast(db):
    course = load_course_text(small_course_text(code=CODE, public=True))
    alice = make_user("alice")
    enrol(alice, course, Role.STUDENT)
    Token.objects.create(user=alice)
    root = make_user("root", is_staff=True, is_superuser=True)
    return {"student": alice, "superuser": root}


def send(case: Hostile, cast) -> object:
    client = Client(raise_request_exception=False)
    if case.who != "anonymous":
        client.force_login(cast[case.who])
    headers = dict(case.headers)
    cookie = headers.pop("Cookie", None)
    if cookie is not None:
        client.cookies.load(cookie)
    if case.data is not None:
        files = {name: SimpleUploadedFile(filename, b"x") for name, filename in case.data.items()}
        return client.generic(
            case.method, case.path, **_multipart(files), headers=headers, **case.extra
        )
    body = case.body if case.body is not None else ""
    return client.generic(
        case.method,
        case.path,
        body,
        content_type=case.content_type,
        headers=headers,
        **case.extra,
    )


def _multipart(files: dict) -> dict:
    return {"data": encode_multipart(BOUNDARY, files), "content_type": MULTIPART_CONTENT}


def test_there_are_at_least_25_cases():
    assert len(CASES) >= 25
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hostile_request_is_answered_without_a_server_error(case, cast):
    response = send(case, cast)
    assert response.status_code < 500, response.content[:500]
    assert response.status_code == case.status, response.content[:500]
    text = response.content.decode("utf-8", "replace")
    assert "Traceback" not in text
    if case.path.startswith("/api/") and response.status_code >= 400:
        body = response.json()
        assert set(body) == {"detail", "code"}, body
        assert body["detail"]
        if case.code:
            assert body["code"] == case.code, body
    if case.contains:
        assert case.contains in text
    # Nothing the client sent ends up as a header of its own.
    assert "X" not in response.headers
    assert "x=1" not in response.headers.get("Set-Cookie", "")
    for name, value in response.headers.items():
        assert not set(value) & {"\r", "\n"}, (name, value)


def test_an_error_page_is_ours_not_djangos(cast):
    response = send(CASES[0], cast)
    html = response.content.decode()
    assert '<main id="main"' in html
    assert "courseapp" in html
    assert "<h1>Bad Request (400)</h1>" not in html


def api_routes() -> list[str]:
    """Every route under /api/, with the course's code and 1 for each id."""
    from courseapp import api_urls

    paths = []
    for pattern in api_urls.urlpatterns:
        route = str(pattern.pattern)
        route = route.replace("<slug:code>", CODE)
        route = re.sub(r"<int:\w+>", "1", route)
        paths.append(f"/api/{route}")
    return paths


@pytest.mark.parametrize("who", ["student", "superuser"])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_deep_nesting_is_a_parse_error_on_every_api_route(cast, who, method):
    # Every route, including those that take no body for this method (405) or refuse this
    # user (403, 404): none reaches a RecursionError, all answer in the error shape.
    client = Client(raise_request_exception=False)
    client.force_login(cast[who])
    codes = set()
    for path in api_routes():
        response = client.generic(method, path, "[" * 100000, content_type=JSON)
        assert response.status_code < 500, (path, response.content[:300])
        if response.status_code < 400:
            continue  # an endpoint that reads no body (claiming a paper, withdrawing)
        body = response.json()
        assert set(body) == {"detail", "code"}, (path, body)
        codes.add(body["code"])
        if response.status_code == 400:
            assert body["code"] == "parse_error", (path, body)
    if method == "POST" or (method == "PUT" and who == "student"):
        # Some routes did parse the body (the token endpoint; a student's preferences).
        assert "parse_error" in codes
