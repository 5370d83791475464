"""One DRF exception handler: every API error is {"detail": ..., "code": ...}.

| raised                                   | status | code                         |
|------------------------------------------|--------|------------------------------|
| DRF ValidationError (serializers)        | 400    | invalid                      |
| Django ValidationError (services)        | 400    | invalid                      |
| courseapp.errors.DomainError             | 409    | the error's own code         |
| Http404, DRF NotFound                    | 404    | not_found                    |
| PermissionDenied (Django's or DRF's)     | 403    | permission_denied            |
| no credentials / bad credentials         | 401    | not_authenticated /          |
|                                          |        | authentication_failed        |
| any other APIException                   | its    | its code (parse_error, ...)  |
| RequestDataTooBig (body over the limit)  | 413    | request_too_large            |
| TooManyFieldsSent, TooManyFilesSent      | 400    | too_many_fields              |

Anything else is a bug and propagates (500), as DRF does.
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from courseapp.errors import DomainError
from courseapp.http_errors import bad_request_reason


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        # DRF's handler only rolls back for its own exceptions; a refused action must leave
        # nothing behind even when the view runs in a request-wide transaction.
        set_rollback()
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(
            {"detail": _validation_detail(exc), "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, SuspiciousOperation):
        # Raised by Django while reading the body (too big, too many fields): the request
        # is refused as a whole, as Django's handler400 would outside the API.
        set_rollback()
        status_code, code, detail, _title = bad_request_reason(exc)
        return Response({"detail": detail, "code": code}, status=status_code)
    if isinstance(exc, Http404):
        # Http404's own message can name a model ("No Slot matches the given query"); a
        # stranger probing for private courses must learn nothing from it.
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    # Builds the response with its headers (WWW-Authenticate, Retry-After) and rolls back.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _flatten(exc.detail), "code": "invalid"}
    else:
        codes = exc.get_codes()
        response.data = {
            "detail": _flatten(exc.detail),
            # A detail given as a list or dict has one code per entry; name the kind instead.
            "code": codes if isinstance(codes, str) else exc.default_code,
        }
    return response


def _validation_detail(error: DjangoValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" if field != NON_FIELD_ERRORS else " ".join(messages)
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _flatten(detail) -> str:
    """One readable line from DRF's nested detail: `username: This field is required.`"""
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            text = _flatten(value)
            if text:
                parts.append(text if key == api_settings.NON_FIELD_ERRORS_KEY else f"{key}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list):
        texts = []
        for index, item in enumerate(detail):
            text = _flatten(item)
            # A list of dicts comes from a `many=True` serializer: say which item is wrong.
            if text:
                texts.append(f"[{index}] {text}" if isinstance(item, dict) else text)
        return " ".join(texts)
    return str(detail)
