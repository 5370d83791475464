"""The login lockout's pieces that django-axes calls back (see AXES_* in settings).

Axes counts failed sign-ins per username and client address in the database and refuses a
pair once it reaches the limit. What the client is told is decided here: the login pages
(ours and the admin's) show our own page, the API answers in its error shape.
"""

import ipaddress
import math

from django.conf import settings
from django.http import JsonResponse
from django.template.response import TemplateResponse
from rest_framework import exceptions, status

LOCKED_OUT_CODE = "locked_out"


def cool_off_seconds() -> int:
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_detail() -> str:
    minutes = math.ceil(cool_off_seconds() / 60)
    return (
        "Too many failed sign-ins for this account from your address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


class LockedOut(exceptions.APIException):
    """429 in the API's error shape; the exception handler adds Retry-After from `wait`."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = LOCKED_OUT_CODE

    def __init__(self):
        super().__init__(lockout_detail(), LOCKED_OUT_CODE)
        self.wait = cool_off_seconds()


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out sign-in gets, in place of the login page's usual answer."""
    seconds = cool_off_seconds()
    if request.path.startswith("/api/"):
        # The token endpoint raises LockedOut itself; this covers any other API route that
        # authenticates with a password.
        response = JsonResponse({"detail": lockout_detail(), "code": LOCKED_OUT_CODE}, status=429)
    else:
        response = TemplateResponse(
            request,
            "accounts/locked_out.html",
            {"detail": lockout_detail(), "minutes": math.ceil(seconds / 60)},
            status=429,
        )
        response.render()
    response["Retry-After"] = str(seconds)
    return response


def client_ip(request) -> str | None:
    """The client's address: the connection's, or the one the trusted proxies recorded.

    With PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For is the one the
    outermost of our proxies saw; anything left of it was written by the client and is not
    trusted. A missing or malformed entry falls back to the connection's address, and an
    address that is not one at all (a Unix socket's) is None.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        return remote
    return _address(hops[-count]) or remote


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None
