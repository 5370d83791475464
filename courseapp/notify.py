"""E-mail to people about what happened to them, sent once the change is committed.

A booking that rolls back must not have told anyone it was made, so mail goes out from
`transaction.on_commit`. Mail goes through Django's mail settings (the console backend by
default, SMTP when configured; docs/deployment.md).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def email_on_commit(*, users, subject: str, template: str, context: dict) -> None:
    """After the current transaction commits, send each user (with an address) one e-mail.

    `template` is a plain-text template rendered with `context` plus `user` and `site_url`.
    """
    recipients = [user for user in users if user is not None and user.email]
    if not recipients:
        return

    def send() -> None:
        for user in recipients:
            body = render_to_string(
                template,
                {**context, "user": user, "site_url": getattr(settings, "SITE_URL", "")},
            )
            try:
                send_mail(subject, body, None, [user.email])
            except OSError:
                # The change is made and committed; a mail server being down must not turn
                # it into an error page. It is logged for the operators.
                logger.exception("could not send %r to %s", subject, user.email)

    transaction.on_commit(send)
