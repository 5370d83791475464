"""The grading API (design.md section 4): a student's own grades, the staff's gradebook."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from courseapp.api import CourseAPIView, error_responses
from courseapp.models import STAFF_ROLES, Enrollment, Role
from grading.exporters import EXPORTERS, CanvasExporter, JSONExporter
from grading.selectors import gradebook_rows, student_grades
from grading.serializers import MyGradesSerializer
from grading.views import export_response


class MyGradesView(CourseAPIView):
    """Your released grades, criterion by criterion, with part and course totals."""

    allowed_roles = [Role.STUDENT]
    serializer_class = MyGradesSerializer

    @extend_schema(
        operation_id="courses_grades_me",
        summary="My released grades",
        description=(
            "The parts of the grade released so far, each criterion with the points earned "
            "(null while not graded) and possible; part totals; the course total over the "
            "released parts; the letter once every part is released; and the summary of the "
            "peer feedback on your talks. Nothing of an unreleased part."
        ),
        responses={200: MyGradesSerializer, **error_responses(401, 403, 404)},
        tags=["grades"],
    )
    def get(self, request: Request, code: str) -> Response:
        enrollment = Enrollment.objects.select_related("user", "course").get(
            course=self.course, user=request.user
        )
        grades = student_grades(course=self.course, enrollment=enrollment)
        return Response(self.get_serializer(grades).data)


class _FormatIsOurs(DefaultContentNegotiation):
    """`?format=` chooses the export here, not one of DRF's renderers."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


_FILE_FORMATS = [key for key in EXPORTERS if key != "json"]


class GradebookView(CourseAPIView):
    """The whole gradebook, in one of the export formats."""

    allowed_roles = list(STAFF_ROLES)
    content_negotiation_class = _FormatIsOurs

    @extend_schema(
        operation_id="courses_gradebook",
        summary="The gradebook",
        description=(
            "Every student with each criterion's points, each part's current percentage and "
            "final points, the course's current and final totals, the letter, and flags (too "
            "few reviews, override, withdrawn). `format=json` (default) answers JSON with "
            "numbers as strings of two decimals; `csv`, `xlsx` and `canvas` a file to "
            "download. For `canvas`, `items` chooses what is sent: every criterion, each "
            "part, or the course total."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=list(EXPORTERS), default="json"),
            OpenApiParameter("items", str, enum=list(CanvasExporter.ITEMS), default="leaves"),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="format=json"
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="format=csv or canvas"
            ),
            (200, EXPORTERS["xlsx"].content_type): OpenApiResponse(
                OpenApiTypes.BINARY, description="format=xlsx"
            ),
            **error_responses(400, 401, 403, 404),
        },
        tags=["grades"],
    )
    def get(self, request: Request, code: str) -> Response | HttpResponse:
        fmt = request.query_params.get("format", "json")
        if fmt not in EXPORTERS:
            raise ValidationError({"format": f"one of {', '.join(EXPORTERS)}"})
        items = request.query_params.get("items", "")
        if items and items not in CanvasExporter.ITEMS:
            raise ValidationError({"items": f"one of {', '.join(CanvasExporter.ITEMS)}"})
        book = gradebook_rows(course=self.course)
        if fmt == "json":
            return Response(JSONExporter(book).document())
        return export_response(book, fmt, items=items)
