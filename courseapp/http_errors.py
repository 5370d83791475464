"""Errors that happen outside any view: the project's 400/403/404/500 handlers.

Under /api/ every answer is the API's error shape, {"detail": ..., "code": ...}, whether
DRF saw the request or not (an unknown path, a body too big to read, a crash). Elsewhere
people get the friendly pages in templates/ (400.html, 403.html, 404.html, 500.html).

The 400 and 500 pages are rendered without the request, as Django's own handlers do: no
context processor runs, so they make no query (the 500 page must render when the database
is down) and do not touch a Host header that caused the 400 in the first place.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

API_PREFIX = "/api/"

REQUEST_TOO_LARGE = "The request body is larger than this server accepts."
TOO_MANY_FIELDS = "The request has more fields or files than this server accepts."


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def error_page(status: int, *, title: str, detail: str = "", template: str = "400.html"):
    """One of our error pages, rendered without the request (no query, no context processor)."""
    body = loader.render_to_string(template, {"title": title, "detail": detail, "status": status})
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def error_response(request, *, status: int, code: str, detail: str, title: str):
    """The same refusal for an API client (JSON) and for a person (our error page)."""
    if is_api_request(request):
        return api_error(detail, code, status)
    return error_page(status, title=title, detail=detail)


def bad_request_reason(exception) -> tuple[int, str, str, str]:
    """(status, code, detail, title) for a request Django refused before or in a view."""
    if isinstance(exception, RequestDataTooBig):
        return 413, "request_too_large", REQUEST_TOO_LARGE, "Request too large"
    if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        return 400, "too_many_fields", TOO_MANY_FIELDS, "Bad request"
    return 400, "bad_request", "The request could not be understood.", "Bad request"


def bad_request(request, exception, template_name="400.html"):
    status, code, detail, title = bad_request_reason(exception)
    return error_response(request, status=status, code=code, detail=detail, title=title)


def permission_denied(request, exception, template_name="403.html"):
    if is_api_request(request):
        return api_error(
            str(exception) or "You do not have permission to perform this action.",
            "permission_denied",
            403,
        )
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name="404.html"):
    if is_api_request(request):
        return api_error("Not found.", "not_found", 404)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name="500.html"):
    if is_api_request(request):
        return api_error("A server error occurred.", "server_error", 500)
    return defaults.server_error(request, template_name)


def csrf_failure(request, reason=""):
    """A form sent without its CSRF token (or with an old one): our 403 page, never Django's."""
    if is_api_request(request):
        return api_error(f"CSRF failed: {reason}", "permission_denied", 403)
    return error_page(
        403,
        title="This form has expired",
        detail=(
            "The page was open too long, or cookies are blocked. Go back, reload the page "
            "and send the form again."
        ),
        template="403.html",
    )
