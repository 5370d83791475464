"""Serializers shared by every part of the API: errors, credentials, course summaries."""

from django.contrib.auth import authenticate
from rest_framework import serializers

from courseapp.lockout import LockedOut
from courseapp.models import Course, Role


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(
        help_text="A short machine-readable reason: invalid, not_found, slot_full, ..."
    )


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs: dict) -> dict:
        # The request is required: the login lockout counts failures per username and
        # client address, and refuses a locked-out pair before checking the password.
        request = self.context["request"]
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if user is None and getattr(request, "axes_locked_out", False):
            raise LockedOut()
        # One message for an unknown user, a wrong password and an inactive account, so
        # the endpoint does not tell which usernames exist.
        if user is None:
            raise serializers.ValidationError(
                "Unable to sign in with these credentials.", code="invalid_credentials"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as the header `Authorization: Token <token>`.")


class CourseSerializer(serializers.ModelSerializer):
    """A course, with the requesting user's role in it."""

    # Read from a `role` attribute of the course: an annotation, or set by the view.
    role = serializers.ChoiceField(
        choices=Role.choices,
        allow_null=True,
        read_only=True,
        help_text="Your role in the course; null when you are not a member of a public course.",
    )

    class Meta:
        model = Course
        fields = ["code", "title", "term", "lecturer", "time_zone", "schedule_public", "role"]
        read_only_fields = fields
