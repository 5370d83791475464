"""The API's core endpoints and the base every course endpoint builds on.

A view under /api/courses/{code}/ subclasses `CourseAPIView`: it names the roles it admits
in `allowed_roles`, reads the course (resolved once, by the permission) as `self.course`
and the user's role as `self.course_role`, and declares every response for the schema.
For example (names illustrative):

    class SignUpView(CourseAPIView):
        allowed_roles = [Role.STUDENT]

        @extend_schema(
            request=None,
            responses={201: SlotSerializer, **error_responses(401, 403, 404, 409)},
        )
        def post(self, request, code, slot_id):
            slot = slot_sign_up(student=request.user, slot_id=slot_id, course=self.course)
            return Response(self.get_serializer(slot).data, status=201)
"""

from collections.abc import Iterable

from django.db.models import F
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import generics, permissions
from rest_framework.authtoken.models import Token
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from courseapp.models import Course, Role
from courseapp.permissions import CourseRolePermission
from courseapp.serializers import (
    CourseSerializer,
    CredentialsSerializer,
    ErrorSerializer,
    TokenSerializer,
)

_ERROR_DESCRIPTIONS = {
    400: "Invalid input (code `invalid`).",
    401: "No or bad credentials (code `not_authenticated` or `authentication_failed`).",
    403: "Your role in this course does not allow this (code `permission_denied`).",
    404: "No such course, or you are not a member of it (code `not_found`).",
    409: "A rule of the course refused the action; the code says which.",
    429: (
        "Too many failed sign-ins for this username from this address (code `locked_out`); "
        "the `Retry-After` header says how many seconds to wait."
    ),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error responses an endpoint can give, all in one shape."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[status])
        for status in statuses
    }


class BaseAPIView(generics.GenericAPIView):
    """Base of every API view; authentication as REST_FRAMEWORK in settings (token first)."""

    permission_classes = [permissions.IsAuthenticated]


@extend_schema(
    parameters=[
        OpenApiParameter(
            "code",
            str,
            OpenApiParameter.PATH,
            description="The course's code, e.g. `mlsys-2025` (see `GET /api/courses/`).",
        )
    ]
)
class CourseAPIView(BaseAPIView):
    """Base of every view under /api/courses/{code}/.

    Anonymous requests get 401 before the course is looked up; then CourseRolePermission
    resolves the course once (404 for a non-member, 403 for a role not in `allowed_roles`).
    Serializers find the course in their context as `course`.
    """

    permission_classes = [permissions.IsAuthenticated, CourseRolePermission]
    # The roles admitted to this view; None admits every member.
    allowed_roles: Iterable[Role] | None = None

    @property
    def course(self) -> Course:
        return self.request.course

    @property
    def course_role(self) -> Role | None:
        return self.request.course_role

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        # The schema generator builds serializers without running the permission checks.
        context["course"] = getattr(self.request, "course", None)
        return context


class TokenObtainView(BaseAPIView):
    """Exchange a username and password for the user's API token."""

    # No authentication at all: the credentials are in the body, and a browser's session
    # cookie must not drag in the session scheme's CSRF check.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    serializer_class = CredentialsSerializer

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token",
        description=(
            "Returns the user's token, creating it on first use. The same token is returned "
            "until it is deleted in the admin. After 10 failed attempts for one username from "
            "one address, that pair is refused for 15 minutes (429, even with the right "
            "password)."
        ),
        request=CredentialsSerializer,
        responses={200: TokenSerializer, **error_responses(400, 429)},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response(TokenSerializer({"token": token.key}).data)


class CourseListView(BaseAPIView):
    """The courses the signed-in user belongs to, with their role in each."""

    serializer_class = CourseSerializer

    def get_queryset(self):
        # Annotating after filtering on the same relation reuses its join: one row per
        # course, carrying this user's enrollment role.
        return (
            Course.objects.for_member(self.request.user)
            .annotate(role=F("enrollments__role"))
            .order_by("-created_at", "code")
        )

    @extend_schema(
        operation_id="courses_list",
        summary="My courses",
        responses={200: CourseSerializer(many=True), **error_responses(401)},
        tags=["courses"],
    )
    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(self.get_queryset(), many=True).data)


class JSONErrorsMixin:
    """Errors in the API's JSON shape, whatever format the view itself renders (YAML, HTML)."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JSONErrorsMixin, SpectacularAPIView):
    """The OpenAPI schema. The API has one version, so a `?version=` parameter is ignored.

    drf-spectacular would put it into the schema and into the Content-Disposition header,
    where a NUL or a line break in it breaks the response (a 500).
    """

    def _get_version_parameter(self, request):
        return None


class DocsView(JSONErrorsMixin, SpectacularSwaggerSplitView):
    """Swagger UI. The split view serves its start-up script from `?script` rather than
    inline, so that the page keeps the site's Content-Security-Policy."""
