"""One DRF exception handler: every API error is {"detail": ..., "code": ...}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from courseapp.errors import DomainError


def _validation_detail(error: DjangoValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        return Response(
            {"detail": _validation_detail(exc), "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _flatten(exc.detail), "code": "invalid"}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": str(exc.detail),
            "code": codes if isinstance(codes, str) else exc.default_code,
        }
    return response


def _flatten(detail, prefix: str = "") -> str:
    if isinstance(detail, dict):
        return "; ".join(
            _flatten(value, f"{prefix}{key}: " if key != "non_field_errors" else prefix)
            for key, value in detail.items()
        )
    if isinstance(detail, list):
        return " ".join(_flatten(item, prefix) for item in detail)
    return f"{prefix}{detail}"
