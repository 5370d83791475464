"""The exception handler: every API error is {"detail": ..., "code": ...} with its status.

Tiny views defined here raise each kind of error; APIRequestFactory calls them directly, so
the mapping is tested on its own, through DRF's real request cycle and our settings.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory

from courseapp.api import BaseAPIView
from courseapp.errors import DomainError
from courseapp.models import Course


class SlotFull(DomainError):
    pass


class Teapot(DomainError):
    status = 418


class PaperSerializer(serializers.Serializer):
    title = serializers.CharField()
    year = serializers.IntegerField(min_value=1900)


class Raising(BaseAPIView):
    """Raises whatever the test hands it, for anyone."""

    permission_classes = [AllowAny]
    exc: Exception | None = None

    def get(self, request):
        raise self.exc

    def post(self, request):
        PaperSerializer(data=request.data).is_valid(raise_exception=True)
        raise AssertionError("the data was supposed to be invalid")


def call(exc: Exception | None = None, *, method: str = "get", data=None):
    factory = APIRequestFactory()
    request = getattr(factory, method)("/api/test/", data, format="json")
    return Raising.as_view(exc=exc)(request)


def test_domain_error_is_409_with_its_own_code():
    response = call(SlotFull("slot_full", "This slot is full."))
    assert response.status_code == 409
    assert response.data == {"detail": "This slot is full.", "code": "slot_full"}


def test_domain_error_subclass_may_choose_its_status():
    response = call(Teapot("teapot", "I am a teapot."))
    assert response.status_code == 418
    assert response.data == {"detail": "I am a teapot.", "code": "teapot"}


def test_django_validation_error_message_is_400_invalid():
    response = call(DjangoValidationError("The sign-up has not opened yet."))
    assert response.status_code == 400
    assert response.data == {"detail": "The sign-up has not opened yet.", "code": "invalid"}


def test_django_validation_error_by_field_names_each_field():
    error = DjangoValidationError(
        {"capacity": ["Must be at least 1."], "__all__": ["Slots overlap."]}
    )
    response = call(error)
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["detail"] == "capacity: Must be at least 1.; Slots overlap."


def test_drf_validation_error_is_400_invalid_naming_the_fields():
    response = call(method="post", data={"year": 1800})
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert "title: This field is required." in response.data["detail"]
    assert "year: Ensure this value is greater than or equal to 1900." in response.data["detail"]


def test_drf_validation_error_of_a_list_says_which_item():
    response = call(exceptions.ValidationError([{}, {"year": ["Too old."]}]))
    assert response.status_code == 400
    assert response.data == {"detail": "[1] year: Too old.", "code": "invalid"}


def test_http404_is_not_found_without_its_message():
    response = call(Http404("No Slot matches the given query."))
    assert response.status_code == 404
    assert response.data == {"detail": "Not found.", "code": "not_found"}


def test_django_permission_denied_is_403_keeping_its_message():
    response = call(PermissionDenied("Your role in this course does not allow this."))
    assert response.status_code == 403
    assert response.data == {
        "detail": "Your role in this course does not allow this.",
        "code": "permission_denied",
    }


def test_django_permission_denied_without_message_gets_drf_default():
    response = call(PermissionDenied())
    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"
    assert response.data["detail"]


def test_not_authenticated_is_401_with_a_challenge():
    response = call(exceptions.NotAuthenticated())
    assert response.status_code == 401
    assert response.data == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"] == "Token"


def test_other_api_exceptions_keep_status_and_code():
    response = call(exceptions.Throttled(wait=30))
    assert response.status_code == 429
    assert response.data["code"] == "throttled"
    assert response["Retry-After"] == "30"


def test_unexpected_errors_are_not_swallowed():
    with pytest.raises(ZeroDivisionError):
        call(ZeroDivisionError())


class RefusingWrite(BaseAPIView):
    """Writes a row, then a rule refuses the action (a service would do both)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        Course.objects.create(code="half-done", title="Half done")
        raise SlotFull("slot_full", "This slot is full.")


@pytest.mark.django_db(transaction=True)
def test_refused_action_in_a_request_transaction_changes_nothing(monkeypatch):
    # Under ATOMIC_REQUESTS Django wraps the view in a transaction and commits it unless
    # the view raised; the handler turns the error into a response, so it must mark the
    # transaction for rollback itself, as DRF does for its own exceptions.
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    request = APIRequestFactory().post("/api/test/", {}, format="json")
    with transaction.atomic():
        response = RefusingWrite.as_view()(request)
    assert response.status_code == 409
    assert not Course.objects.filter(code="half-done").exists()


def test_real_endpoint_errors_have_the_shape(client, db):
    response = client.get("/api/courses/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_real_endpoint_wrong_method_has_the_shape(client, db):
    response = client.get("/api/auth/token/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.', "code": "method_not_allowed"}


def test_real_endpoint_malformed_json_has_the_shape(client, db):
    response = client.post("/api/auth/token/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
