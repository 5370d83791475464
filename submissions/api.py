"""The submissions API: my deliverables and hand-ins, uploading, downloading, and the
staff's list per deliverable."""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from courseapp.api import CourseAPIView, error_responses
from courseapp.audit import Via
from courseapp.models import STAFF_ROLES, Enrollment, Role
from submissions.models import Deliverable, Submission
from submissions.selectors import (
    can_read_submission,
    deliverable_handins,
    handin_for,
    student_deliverables,
)
from submissions.serializers import (
    HandinSerializer,
    ReceiptSerializer,
    StaffHandinSerializer,
    UploadSerializer,
)
from submissions.services import submission_upload


class MyDeliverablesView(CourseAPIView):
    """Every deliverable of the course with your (or your team's) hand-ins."""

    allowed_roles = [Role.STUDENT]
    serializer_class = HandinSerializer

    @extend_schema(
        operation_id="courses_deliverables_mine",
        summary="My deliverables and submissions",
        description=(
            "Each deliverable with the due date that applies to you (an extension's, if "
            "granted), the version that counts, whether it was late, and every version."
        ),
        responses={200: HandinSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["submissions"],
    )
    def get(self, request: Request, code: str) -> Response:
        enrollment = Enrollment.objects.get(course=self.course, user=request.user)
        mine = student_deliverables(course=self.course, enrollment=enrollment)
        return Response(self.get_serializer(mine.handins, many=True).data)


class SubmissionsView(CourseAPIView):
    """Your versions of one deliverable; a new one by multipart upload."""

    allowed_roles = [Role.STUDENT]
    serializer_class = HandinSerializer
    parser_classes = [MultiPartParser]

    def _deliverable(self, key: str) -> Deliverable:
        return get_object_or_404(Deliverable.objects.for_course(self.course), key=key)

    @extend_schema(
        operation_id="courses_deliverables_submissions_list",
        summary="My versions of a deliverable",
        responses={200: HandinSerializer, **error_responses(401, 403, 404)},
        tags=["submissions"],
    )
    def get(self, request: Request, code: str, key: str) -> Response:
        enrollment = Enrollment.objects.get(course=self.course, user=request.user)
        handin = handin_for(deliverable=self._deliverable(key), enrollment=enrollment)
        return Response(self.get_serializer(handin).data)

    @extend_schema(
        operation_id="courses_deliverables_submissions_create",
        summary="Hand in a new version",
        description=(
            "Multipart: `file` (a PDF, checked to be one, within the size limit, pages "
            "counted) or `text` for a text deliverable. Answers the receipt (time, size, "
            "pages, SHA-256), which is also e-mailed. 409 with code `late_refused`, "
            "`not_open`, `no_team` or `team_too_small` when a rule refuses it; 400 for a "
            "file that is not what it should be."
        ),
        request={"multipart/form-data": UploadSerializer},
        responses={201: ReceiptSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["submissions"],
    )
    def post(self, request: Request, code: str, key: str) -> Response:
        deliverable = self._deliverable(key)
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = submission_upload(
            deliverable=deliverable,
            user=request.user,
            upload=data.validated_data.get("file"),
            text=data.validated_data.get("text"),
            via=Via.API,
        )
        return Response(
            ReceiptSerializer(receipt, context=self.get_serializer_context()).data, status=201
        )


class SubmissionFileView(CourseAPIView):
    """A submitted file: to its owner, their team, and the course's staff."""

    @extend_schema(
        operation_id="courses_submissions_file",
        summary="Download a submission",
        description="The file (or text) of one version. Anyone else gets 404.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR),
            **error_responses(401, 404),
        },
        tags=["submissions"],
    )
    def get(self, request: Request, code: str, submission_id: int) -> HttpResponse:
        submission = (
            Submission.objects.for_course(self.course)
            .select_related("deliverable", "course", "student")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None or not can_read_submission(user=request.user, submission=submission):
            raise Http404
        if not submission.file:
            response = HttpResponse(submission.text, content_type="text/plain; charset=utf-8")
        else:
            try:
                handle = submission.file.open("rb")
            except FileNotFoundError:
                raise Http404 from None
            response = FileResponse(
                handle,
                as_attachment=True,
                filename=submission.download_name(),
                content_type=submission.content_type,
            )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class DeliverableHandinsView(CourseAPIView):
    """Every student's (or team's) hand-in of one deliverable."""

    allowed_roles = list(STAFF_ROLES)
    serializer_class = StaffHandinSerializer

    @extend_schema(
        operation_id="courses_deliverables_handins",
        summary="Hand-ins of a deliverable (staff)",
        responses={200: StaffHandinSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["submissions"],
    )
    def get(self, request: Request, code: str, key: str) -> Response:
        deliverable = get_object_or_404(Deliverable.objects.for_course(self.course), key=key)
        rows = [
            {
                "team": owner.team.name if owner.team else None,
                "members": members,
                "handin": handin,
            }
            for owner, members, handin in deliverable_handins(deliverable=deliverable)
        ]
        return Response(self.get_serializer(rows, many=True).data)
