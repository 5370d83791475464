"""Login lockout (django-axes): 10 failures of one username from one address lock that pair
out for 15 minutes, on the login page, the admin's login and POST /api/auth/token/."""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from courseapp.roster import instructor_group
from tests.courseapp.test_settings import run_python

LOGIN = reverse("login")
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/auth/token/"
LIMIT = 10


def page_login(client, username, password, url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def admin_login(client, username, password, **extra):
    return page_login(client, username, password, url=ADMIN_LOGIN, **extra)


def token_login(client, username, password, **extra):
    return client.post(
        TOKEN,
        {"username": username, "password": password},
        content_type="application/json",
        **extra,
    )


def page_signed_in(client, response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in client.session


def token_signed_in(client, response) -> bool:
    return response.status_code == 200 and "token" in response.json()


ENTRY_POINTS = {
    "login page": (page_login, page_signed_in),
    "admin login": (admin_login, page_signed_in),
    "token endpoint": (token_login, token_signed_in),
}


@pytest.fixture
def victim(db):
    # Staff, so that the admin's login would let them in with the right password.
    return make_user("victim", is_staff=True)


@pytest.fixture(params=list(ENTRY_POINTS))
def entry(request):
    return ENTRY_POINTS[request.param]


def test_forty_wrong_passwords_then_the_right_one_is_refused(victim, entry):
    attempt, signed_in = entry
    client = Client()
    for _ in range(40):
        attempt(client, "victim", "wrong")
    response = attempt(client, "victim", "pw")
    assert response.status_code == 429
    assert not signed_in(client, response)
    assert "_auth_user_id" not in client.session


def test_the_right_password_still_works_before_the_limit(victim, entry):
    attempt, signed_in = entry
    client = Client()
    for _ in range(LIMIT - 1):
        assert attempt(client, "victim", "wrong").status_code in (200, 400)
    assert signed_in(client, attempt(client, "victim", "pw"))


def test_the_tenth_failure_locks_the_account(victim, entry):
    attempt, _ = entry
    client = Client()
    statuses = [attempt(client, "victim", "wrong").status_code for _ in range(LIMIT)]
    assert 429 not in statuses[:-1]
    assert statuses[-1] == 429
    assert AccessAttempt.objects.get(username="victim").failures_since_start == LIMIT


def test_the_lockout_ends_after_the_cool_off(victim, entry, time_machine):
    # Fifteen minutes after the last failed attempt, the right password works again.
    attempt, signed_in = entry
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = Client()
    for _ in range(LIMIT):
        attempt(client, "victim", "wrong")
    time_machine.move_to(start + dt.timedelta(minutes=14), tick=False)
    assert attempt(client, "victim", "pw").status_code == 429
    # That refused attempt started the 15 minutes again: 15 minutes after it, it is over.
    time_machine.move_to(start + dt.timedelta(minutes=14 + 15, seconds=1), tick=False)
    assert signed_in(client, attempt(client, "victim", "pw"))


def test_other_usernames_from_the_same_address_are_not_locked(victim, entry):
    attempt, signed_in = entry
    make_user("neighbour", is_staff=True)
    client = Client()
    for _ in range(LIMIT + 5):
        attempt(client, "victim", "wrong")
    assert attempt(client, "victim", "pw").status_code == 429
    other = Client()
    assert signed_in(other, attempt(other, "neighbour", "pw"))


def test_the_same_username_from_another_address_is_not_locked(victim, entry):
    attempt, signed_in = entry
    client = Client()
    for _ in range(LIMIT):
        attempt(client, "victim", "wrong", REMOTE_ADDR="203.0.113.7")
    assert attempt(client, "victim", "pw", REMOTE_ADDR="203.0.113.7").status_code == 429
    other = Client()
    assert signed_in(other, attempt(other, "victim", "pw", REMOTE_ADDR="198.51.100.2"))


def test_an_unknown_username_is_counted_and_locked_too(db, entry):
    attempt, _ = entry
    client = Client()
    for _ in range(LIMIT - 1):
        assert attempt(client, "nobody", "guess").status_code in (200, 400)
    assert attempt(client, "nobody", "guess").status_code == 429


# --- what the locked-out client is told --------------------------------------------------


def lock_out(attempt, username="victim"):
    client = Client()
    for _ in range(LIMIT):
        attempt(client, username, "wrong")
    return client


@pytest.mark.parametrize("attempt", [page_login, admin_login])
def test_the_login_pages_show_our_lockout_page(victim, attempt):
    client = lock_out(attempt)
    response = attempt(client, "victim", "pw")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    html = response.content.decode()
    assert "Sign-in locked for now" in html
    assert "Too many failed sign-ins for this account from your address." in html
    assert "Try again in 15 minutes." in html
    assert 'role="alert"' in html
    # Our layout, not axes' bare default text.
    assert '<main id="main"' in html
    assert "Account locked: too many login attempts" not in html
    assert f'href="{reverse("password_reset")}"' in html


def test_the_api_answers_429_in_its_error_shape_with_retry_after(victim):
    client = lock_out(token_login)
    response = token_login(client, "victim", "pw")
    assert response.status_code == 429
    assert response.json() == {
        "detail": "Too many failed sign-ins for this account from your address. "
        "Try again in 15 minutes.",
        "code": "locked_out",
    }
    assert response["Retry-After"] == "900"


def test_the_token_endpoint_passes_the_request_to_authenticate(victim):
    # Without the request axes could not count the failure (and would raise): each failure
    # is recorded with the path and the client's address.
    token_login(Client(), "victim", "wrong", REMOTE_ADDR="192.0.2.5")
    attempt = AccessAttempt.objects.get(username="victim")
    assert attempt.ip_address == "192.0.2.5"
    assert attempt.path_info == TOKEN
    assert AccessFailureLog.objects.filter(username="victim", path_info=TOKEN).count() == 1


def test_a_successful_sign_in_clears_earlier_failures(victim):
    client = Client()
    for _ in range(LIMIT - 1):
        page_login(client, "victim", "wrong")
    assert page_signed_in(client, page_login(client, "victim", "pw"))
    client = Client()
    for _ in range(LIMIT - 1):
        page_login(client, "victim", "wrong")
    assert page_signed_in(client, page_login(client, "victim", "pw"))


def test_axes_reset_lifts_a_lockout(victim):
    client = lock_out(page_login)
    assert page_login(client, "victim", "pw").status_code == 429
    call_command("axes_reset_username", "victim")
    assert page_signed_in(client, page_login(client, "victim", "pw"))
    lock_out(page_login)
    call_command("axes_reset")
    assert not AccessAttempt.objects.exists()


# --- the client's address behind proxies -------------------------------------------------


def test_without_proxies_x_forwarded_for_is_ignored(victim):
    client = Client()
    for index in range(LIMIT):
        # A client cannot dodge the lockout by inventing a new address each time.
        page_login(client, "victim", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{index}")
    assert page_login(client, "victim", "pw").status_code == 429


def test_behind_one_proxy_the_address_it_recorded_counts(victim, settings):
    settings.PROXY_COUNT = 1
    client = Client()
    for index in range(LIMIT):
        # The proxy appends the real address; what the client wrote before it is ignored.
        page_login(client, "victim", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{index}, 203.0.113.9")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    locked = page_login(client, "victim", "pw", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert locked.status_code == 429
    elsewhere = Client()
    response = page_login(elsewhere, "victim", "pw", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert page_signed_in(elsewhere, response)


def test_a_malformed_forwarded_address_falls_back_to_the_connection(victim, settings):
    settings.PROXY_COUNT = 1
    page_login(Client(), "victim", "wrong", HTTP_X_FORWARDED_FOR="not-an-address")
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


@pytest.mark.parametrize("remote", ["", "unix:/run/gunicorn.sock"])
def test_a_connection_without_an_ip_address_is_counted_without_one(victim, remote):
    # Behind a Unix socket REMOTE_ADDR is no address at all; PostgreSQL's inet column would
    # refuse it (a 500 on every failed sign-in).
    response = page_login(Client(), "victim", "wrong", REMOTE_ADDR=remote)
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address is None


# --- who sees the lockouts ---------------------------------------------------------------

LOCKOUT_ADMIN = [
    "/admin/axes/accessattempt/",
    "/admin/axes/accessfailurelog/",
    "/admin/axes/accesslog/",
]


@pytest.mark.parametrize("url", LOCKOUT_ADMIN)
def test_superusers_see_the_lockouts(client_of, superuser, victim, url):
    lock_out(page_login)
    response = client_of(superuser).get(url)
    assert response.status_code == 200
    if "accesslog" not in url:
        assert "victim" in response.content.decode()


@pytest.mark.parametrize("url", LOCKOUT_ADMIN)
def test_instructors_do_not_see_the_lockouts(client_of, staff_instructor, url):
    assert client_of(staff_instructor).get(url).status_code == 403


def test_the_admin_index_lists_the_lockouts_for_superusers_only(
    client_of, superuser, staff_instructor
):
    assert "Access attempts" in client_of(superuser).get("/admin/").content.decode()
    assert "Access attempts" not in client_of(staff_instructor).get("/admin/").content.decode()


def test_the_instructors_group_gets_no_axes_permission(db):
    group = instructor_group()
    labels = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert "axes" not in labels
    assert Permission.objects.filter(content_type__app_label="axes").exists()


def test_a_staff_user_with_axes_permissions_still_does_not_see_them(client_of, db):
    user = make_user("helpdesk", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="axes"))
    for url in LOCKOUT_ADMIN:
        assert client_of(user).get(url).status_code == 403


# --- settings ------------------------------------------------------------------------------


def test_the_limit_and_the_cool_off_come_from_the_environment():
    result = run_python(
        "from courseapp import settings as s;"
        " print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))",
        LOGIN_FAILURE_LIMIT="5",
        LOGIN_LOCKOUT_MINUTES="60",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["5", "3600"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LOGIN_FAILURE_LIMIT", "many", "LOGIN_FAILURE_LIMIT='many' is not an integer"),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT=0 must be at least 1"),
        ("LOGIN_LOCKOUT_MINUTES", "-5", "LOGIN_LOCKOUT_MINUTES=-5 must be at least 1"),
    ],
)
def test_a_bad_lockout_setting_stops_start_up(variable, value, message):
    result = run_python("import courseapp.settings", **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_defaults_are_ten_failures_and_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
