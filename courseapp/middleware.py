"""Small middleware of our own: request limits and hostile input, and the Permissions-Policy."""

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent

from courseapp.http_errors import (
    REQUEST_TOO_LARGE,
    TOO_MANY_FIELDS,
    error_response,
)

NUL = "\x00"
NUL_DETAIL = "A query parameter contains a NUL character (%00), which none may hold."


class RequestGuardMiddleware:
    """Refuses requests no view should see, before any of them reads the database.

    - a NUL character in a query parameter (name or value): 400. PostgreSQL cannot store or
      compare text holding NUL, so such a value would otherwise reach a query as a database
      error. (A NUL in the path matches no slug or number of our URLs; the views that take
      free text from the path, the admin's object ids and password-reset links, check it.)
    - more query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS: 400;
    - a body announced larger than REQUEST_MAX_BYTES (uploads included): 413, unread;
    - a NUL in the Authorization header: 400.

    Cookies holding NUL are dropped rather than refused, so that a browser stuck with a
    mangled cookie still gets pages (as someone signed out).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def refusal(self, request):
        try:
            query = request.GET
        except TooManyFieldsSent:
            return self.bad_request(request, TOO_MANY_FIELDS, "too_many_fields")
        for name, values in query.lists():
            if NUL in name or any(NUL in value for value in values):
                return self.bad_request(request, NUL_DETAIL, "nul_character")
        if NUL in request.META.get("HTTP_AUTHORIZATION", ""):
            return self.bad_request(
                request, "The Authorization header contains a NUL character.", "nul_character"
            )
        if _content_length(request) > settings.REQUEST_MAX_BYTES:
            return error_response(
                request,
                status=413,
                code="request_too_large",
                detail=REQUEST_TOO_LARGE,
                title="Request too large",
            )
        if any(NUL in name or NUL in value for name, value in request.COOKIES.items()):
            request.COOKIES = {
                name: value
                for name, value in request.COOKIES.items()
                if NUL not in name and NUL not in value
            }
        return None

    @staticmethod
    def bad_request(request, detail: str, code: str):
        return error_response(request, status=400, code=code, detail=detail, title="Bad request")


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class PermissionsPolicyMiddleware:
    """Turns off the browser features no page of ours uses, on every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
