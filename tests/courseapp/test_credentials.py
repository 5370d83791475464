"""API tokens and calendar feed keys: their services, and revoking on every password path."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from conftest import enrol
from courseapp.accounts import (
    api_token_create,
    api_token_reset,
    credentials_revoke,
    feed_key_create,
    feed_key_reset,
)
from courseapp.models import AuditEntry, FeedKey, Role

User = get_user_model()
Via = AuditEntry.Via
NEW_PASSWORD = "a-much-longer-passphrase"


def api_status(key: str) -> int:
    return Client(headers={"Authorization": f"Token {key}"}).get("/api/courses/").status_code


def actions() -> list[str]:
    return list(
        AuditEntry.objects.exclude(action="course_file.load")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# API tokens --------------------------------------------------------------------------------


def test_api_token_create_makes_one_token_and_logs_it(student):
    token, created = api_token_create(user=student, actor=student, via=Via.PAGE)
    again, created_again = api_token_create(user=student, actor=student, via=Via.PAGE)

    assert (created, created_again) == (True, False)
    assert again.key == token.key
    assert api_status(token.key) == 200
    entry = AuditEntry.objects.exclude(action="course_file.load").get()
    assert (entry.action, entry.actor, entry.via, entry.course) == (
        "account.api_token_created",
        student,
        "page",
        None,
    )
    assert entry.object_id == str(student.pk)
    assert token.key not in str(entry.new) + str(entry.old) + entry.object_label


def test_api_token_reset_replaces_the_token_at_once(student):
    old = api_token_create(user=student, actor=student, via=Via.PAGE)[0].key

    new = api_token_reset(user=student, actor=student, via=Via.PAGE).key

    assert new != old
    assert api_status(old) == 401
    assert api_status(new) == 200
    assert actions() == ["account.api_token_created", "account.api_token_reset"]


def test_api_token_reset_without_a_token_creates_one(student):
    token = api_token_reset(user=student, actor=student, via=Via.PAGE)
    assert Token.objects.get(user=student) == token
    assert actions() == ["account.api_token_created"]


# Feed keys ---------------------------------------------------------------------------------


def test_feed_key_create_makes_a_long_random_url_safe_key(student, other_student):
    key, created = feed_key_create(user=student, actor=student, via=Via.PAGE)
    other = feed_key_create(user=other_student, actor=other_student, via=Via.PAGE)[0]

    assert created
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key.key)
    assert key.key != other.key
    assert feed_key_create(user=student, actor=student, via=Via.PAGE) == (key, False)
    assert actions() == ["account.feed_key_created", "account.feed_key_created"]
    entry = AuditEntry.objects.filter(actor=student).get()
    assert key.key not in str(entry.new) + str(entry.old) + entry.object_label


def test_feed_key_reset_gives_a_new_key_and_logs_it(student):
    key = feed_key_create(user=student, actor=student, via=Via.PAGE)[0]
    old = key.key

    reset = feed_key_reset(user=student, actor=student, via=Via.PAGE)

    assert reset.pk == key.pk
    assert reset.key != old
    assert FeedKey.objects.get(user=student).key == reset.key
    assert actions() == ["account.feed_key_created", "account.feed_key_reset"]


def test_feed_key_reset_without_a_key_creates_one(student):
    key = feed_key_reset(user=student, actor=student, via=Via.PAGE)
    assert FeedKey.objects.get(user=student) == key
    assert actions() == ["account.feed_key_created"]


def test_the_feed_key_is_never_shown_by_its_label(student):
    key = feed_key_create(user=student, actor=student, via=Via.PAGE)[0]
    assert str(key) == "calendar feed key of alice"


# credentials_revoke ----------------------------------------------------------------------


def test_credentials_revoke_deletes_the_api_token_and_keeps_the_feed_key(student):
    token = Token.objects.create(user=student)
    key = feed_key_create(user=student, actor=student, via=Via.PAGE)[0]

    assert credentials_revoke(user=student, actor=student, via=Via.PAGE, reason="password changed")

    assert not Token.objects.filter(user=student).exists()
    assert api_status(token.key) == 401
    # Read-only, and calendar subscriptions should survive a routine password change.
    assert FeedKey.objects.get(user=student).key == key.key
    entry = AuditEntry.objects.exclude(action="course_file.load").get(
        action="account.credentials_revoked"
    )
    assert (entry.old, entry.new, entry.reason) == (
        {"api_token": True},
        {"api_token": False},
        "password changed",
    )


def test_credentials_revoke_without_a_token_still_logs_the_change(student):
    assert not credentials_revoke(user=student, actor=student, via=Via.PAGE, reason="x")
    assert AuditEntry.objects.exclude(action="course_file.load").get().old == {"api_token": False}


def test_credentials_revoke_leaves_other_users_alone(student, other_student):
    theirs = Token.objects.create(user=other_student)
    credentials_revoke(user=student, actor=student, via=Via.PAGE, reason="x")
    assert Token.objects.filter(key=theirs.key).exists()


# Path 1: the password-change page --------------------------------------------------------


def change_password(client, old: str = "pw", new: str = NEW_PASSWORD):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
        follow=True,
    )


@pytest.mark.parametrize("member", ["student", "ta", "instructor", "outsider"])
def test_changing_the_password_deletes_the_api_token(request, client_of, member):
    user = request.getfixturevalue(member)
    token = Token.objects.create(user=user)
    client = client_of(user)

    response = change_password(client)

    assert response.redirect_chain == [(reverse("password_change_done"), 302)]
    assert "Password changed. Your API token was deleted with the old password." in (
        response.content.decode()
    )
    assert api_status(token.key) == 401
    entry = AuditEntry.objects.exclude(action="course_file.load").get(
        action="account.credentials_revoked"
    )
    assert (entry.actor, entry.via, entry.reason) == (user, "page", "password changed")
    # Still signed in on this device.
    assert client.get(reverse("password_change")).status_code == 200


def test_changing_the_password_without_a_token_says_only_that(client_of, student):
    response = change_password(client_of(student))
    html = response.content.decode()
    assert "Password changed." in html
    assert "API token was deleted" not in html
    assert (
        AuditEntry.objects.exclude(action="course_file.load").get().action
        == "account.credentials_revoked"
    )


def test_a_refused_password_change_keeps_the_token(client_of, student):
    token = Token.objects.create(user=student)
    response = change_password(client_of(student), old="wrong")
    assert response.status_code == 200
    assert api_status(token.key) == 200
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_other_users_tokens_survive_a_password_change(client_of, student, other_student):
    theirs = Token.objects.create(user=other_student)
    change_password(client_of(student))
    assert api_status(theirs.key) == 200


# Path 2: the reset link (its flow is in test_password_reset.py) --------------------------


def test_a_reset_by_link_deletes_the_api_token(
    client, student, mailoutbox, django_capture_on_commit_callbacks
):
    token = Token.objects.create(user=student)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "alice@example.org"})
    (link,) = re.findall(
        r"http://testserver(/accounts/password/reset/\S+/\S+/)", mailoutbox[0].body
    )
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert api_status(token.key) == 401
    assert AuditEntry.objects.filter(
        action="account.credentials_revoked", reason="password reset by e-mail"
    ).exists()


# Path 3: the admin's password form -------------------------------------------------------


def admin_password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def test_a_password_set_in_the_admin_deletes_the_api_token(client_of, superuser, student):
    token = Token.objects.create(user=student)

    response = client_of(superuser).post(
        admin_password_url(student),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("admin:auth_user_change", args=[student.pk])
    html = response.content.decode()
    assert "Password changed successfully." in html
    assert "The API token of alice was deleted." in html
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)
    assert api_status(token.key) == 401
    entry = AuditEntry.objects.exclude(action="course_file.load").get(
        action="account.credentials_revoked"
    )
    assert (entry.actor, entry.via, entry.reason) == (
        superuser,
        "admin",
        "password set in the admin",
    )


def test_disabling_password_login_in_the_admin_deletes_the_api_token(client_of, superuser, student):
    token = Token.objects.create(user=student)

    client_of(superuser).post(
        admin_password_url(student), {"usable_password": "false", "unset-password": "1"}
    )

    student.refresh_from_db()
    assert not student.has_usable_password()
    assert api_status(token.key) == 401


def test_a_refused_admin_password_form_keeps_the_token(client_of, superuser, student):
    token = Token.objects.create(user=student)
    client = client_of(superuser)

    assert client.get(admin_password_url(student)).status_code == 200
    response = client.post(
        admin_password_url(student),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": "something-else"},
    )

    assert response.status_code == 200
    assert api_status(token.key) == 200
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_the_admin_password_form_of_an_unknown_user_is_404(client_of, superuser):
    client = client_of(superuser)
    for user_id in ("999999", "not-a-number"):
        response = client.post(
            f"/admin/auth/user/{user_id}/password/",
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert response.status_code == 404, user_id
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_an_admin_password_for_a_roster_created_account_logs_the_change(
    client_of, superuser, course
):
    carol = User(username="carol")
    carol.set_unusable_password()
    carol.save()
    enrol(carol, course, Role.STUDENT)

    client_of(superuser).post(
        admin_password_url(carol), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.exclude(action="course_file.load").get().old == {"api_token": False}
