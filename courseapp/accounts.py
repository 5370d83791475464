"""Writes of people's credentials: password-reset and invitation mails, API tokens, feed keys.

Each service writes an AuditEntry in the caller's transaction. Nothing here checks who may
act on whom: the view, admin action or command that calls a service has done that. No
secret (a token, a key, a reset link) is ever written to the audit log.

A user holds three kinds of credential besides the password:

- the API token (DRF's `Token`): the whole API, as the user. Deleted whenever the password
  changes or is reset (`credentials_revoke`), so that a new password shuts out whoever
  knew the old one, scripts included.
- the calendar feed key (`FeedKey`): read-only, `.ics` feeds only. It survives a password
  change on purpose: it grants nothing a password protects, and calendar subscriptions
  should not break each time a password is changed. Its owner resets it when it leaks.
- the session: Django ends the other sessions of a user whose password changes.
"""

import logging
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from courseapp.audit import audit_record
from courseapp.errors import DomainError
from courseapp.models import Course, FeedKey

logger = logging.getLogger(__name__)


# Password-reset and invitation mails -------------------------------------------------------


def password_reset_email_send(
    *,
    user,
    actor,
    course: Course | None,
    via: str,
    invitation: bool = False,
    base_url: str | None = None,
) -> None:
    """Mail `user` a link to choose a new password (with `invitation`, their first one).

    The link is Django's password-reset link (`default_token_generator`): it works once, until
    the password changes or `PASSWORD_RESET_TIMEOUT` passes. It starts with `base_url` (the
    request's scheme and host) or, for mails sent without a request, `settings.SITE_URL`.

    The invitation wording ("you have been enrolled in <course>; choose your password") is
    for accounts a roster import has just created, and needs `course`.

    Writes `account.password_reset_sent` or `account.invitation_sent` to the audit log in the
    caller's transaction; the mail goes out when that transaction commits, never for one
    that is rolled back. A mail the server refuses is logged, as Django's own reset form
    does, rather than failing a transaction that has already committed. Call it once the
    user's password and last login are final in this transaction: the link is signed over
    them.

    Raises DomainError `no_email` for a user without an e-mail address and `inactive` for a
    deactivated account.
    """
    if user.pk is None:
        raise ValueError("password_reset_email_send needs a saved user")
    if invitation and course is None:
        raise ValueError("an invitation names its course")
    email = (user.email or "").strip()
    if not email:
        raise DomainError(
            "no_email",
            f"{user.get_username()} has no e-mail address: add one before sending a link.",
        )
    if not user.is_active:
        raise DomainError(
            "inactive", f"{user.get_username()}'s account is deactivated: no link was sent."
        )

    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    site = (base_url or settings.SITE_URL).rstrip("/")
    context = {
        "user": user,
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "course": course,
        "link": f"{site}{path}",
        "reset_url": f"{site}{reverse('password_reset')}",
        "valid_days": max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400)),
    }
    kind = "invitation" if invitation else "password_reset"
    # A header must be one line, whatever a course title or a name contains.
    subject = " ".join(render_to_string(f"accounts/{kind}_subject.txt", context).split())
    body = render_to_string(f"accounts/{kind}_email.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[email])

    audit_record(
        course=course,
        actor=actor,
        action="account.invitation_sent" if invitation else "account.password_reset_sent",
        via=via,
        obj=user,
        label=user.get_username(),
        new={"email": email},
    )
    transaction.on_commit(lambda: _send(message, user_pk=user.pk, kind=kind))


def _send(message: EmailMessage, *, user_pk: int, kind: str) -> None:
    try:
        message.send()
    except Exception:
        logger.exception("Could not send the %s mail to user %s", kind, user_pk)


def password_reset_request(*, email: str, actor, via: str, base_url: str | None) -> int:
    """For "Forgot your password?": mail a reset link to each active account with this address.

    Unlike Django's own reset form, accounts without a usable password get one too: a
    roster import creates accounts without a password, and this is how their owners choose
    one. Deactivated accounts get nothing. Returns how many mails were queued; the caller
    must not tell the visitor, or the page would reveal which addresses have accounts.
    """
    users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
    sent = 0
    with transaction.atomic():
        for user in users:
            # Django's own check: a case-insensitive match in the database also pairs
            # look-alikes ("alıce" with "alice" on PostgreSQL), which are other addresses.
            if not _same_email(email, user.email):
                continue
            password_reset_email_send(
                user=user, actor=actor, course=None, via=via, base_url=base_url
            )
            sent += 1
    return sent


def _same_email(a: str, b: str) -> bool:
    return (
        unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()
    )


# API tokens --------------------------------------------------------------------------------


def api_token_create(*, user, actor, via: str) -> tuple[Token, bool]:
    """The user's API token, created if they have none; True when it was created."""
    with transaction.atomic():
        _lock(user)
        token = Token.objects.filter(user=user).first()
        if token is not None:
            return token, False
        token = Token.objects.create(user=user)
        _audit(user=user, actor=actor, via=via, action="account.api_token_created")
        return token, True


def api_token_reset(*, user, actor, via: str) -> Token:
    """Replace the user's API token with a new one; the old one stops working at once."""
    with transaction.atomic():
        _lock(user)
        existed = Token.objects.filter(user=user).delete()[0] > 0
        token = Token.objects.create(user=user)
        _audit(
            user=user,
            actor=actor,
            via=via,
            action="account.api_token_reset" if existed else "account.api_token_created",
        )
        return token


def credentials_revoke(*, user, actor, via: str, reason: str) -> bool:
    """Delete the user's API token after their password changed or was reset.

    Call it in the transaction that saves the new password. Writes
    `account.credentials_revoked`, whether or not there was a token to delete, so that the
    log shows every password change. Returns whether a token was deleted.
    """
    with transaction.atomic():
        deleted = Token.objects.filter(user=user).delete()[0] > 0
        audit_record(
            course=None,
            actor=actor,
            action="account.credentials_revoked",
            via=via,
            obj=user,
            label=user.get_username(),
            old={"api_token": deleted},
            new={"api_token": False},
            reason=reason,
        )
        return deleted


# Calendar feed keys ------------------------------------------------------------------------


def _new_feed_key() -> str:
    key = secrets.token_urlsafe(32)
    assert len(key) == FeedKey.LENGTH
    return key


def feed_key_create(*, user, actor, via: str) -> tuple[FeedKey, bool]:
    """The user's calendar feed key, created if they have none; True when it was created."""
    with transaction.atomic():
        _lock(user)
        feed_key = FeedKey.objects.filter(user=user).first()
        if feed_key is not None:
            return feed_key, False
        feed_key = FeedKey.objects.create(user=user, key=_new_feed_key(), created_at=timezone.now())
        _audit(user=user, actor=actor, via=via, action="account.feed_key_created")
        return feed_key, True


def feed_key_reset(*, user, actor, via: str) -> FeedKey:
    """Give the user a new feed key; links with the old one stop working at once."""
    with transaction.atomic():
        _lock(user)
        feed_key = FeedKey.objects.filter(user=user).first()
        if feed_key is None:
            return feed_key_create(user=user, actor=actor, via=via)[0]
        feed_key.key = _new_feed_key()
        feed_key.created_at = timezone.now()
        feed_key.save(update_fields=["key", "created_at"])
        _audit(user=user, actor=actor, via=via, action="account.feed_key_reset")
        return feed_key


def _lock(user) -> None:
    # Two requests of one user at once (a double click) must not both create a credential:
    # the second waits here and then finds the first one's.
    list(get_user_model()._default_manager.select_for_update().filter(pk=user.pk).values("pk"))


def _audit(*, user, actor, via: str, action: str) -> None:
    audit_record(
        course=None, actor=actor, action=action, via=via, obj=user, label=user.get_username()
    )
