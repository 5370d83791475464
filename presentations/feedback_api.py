"""The peer-feedback API (design.md section 4: the to-do list and the submit; the presenter's
and the staff's views beside them, in the same style).

Refusals are FeedbackErrors (409 with their code); bad ratings or comments are 400 with the
field that is wrong.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from courseapp.api import CourseAPIView, error_responses
from courseapp.audit import Via
from courseapp.models import STAFF_ROLES, Enrollment, Role
from presentations import feedback_selectors as fs
from presentations import feedback_services as services
from presentations.feedback_serializers import (
    ExcusalRequestSerializer,
    ExcusalSerializer,
    FeedbackRequestSerializer,
    MyFeedbackSerializer,
    ReasonSerializer,
    ReceivedTalkSerializer,
    SessionFeedbackSerializer,
    StudentCreditSerializer,
    TodoItemSerializer,
)
from presentations.models import Feedback, FeedbackRating, Presentation
from schedule.models import Meeting

TAGS = ["feedback"]


class _MemberView(CourseAPIView):
    @property
    def enrollment(self) -> Enrollment:
        # A superuser acts as an instructor without an enrolment: nothing of theirs here.
        enrollment = get_object_or_404(
            Enrollment.objects.select_related("user"), course=self.course, user=self.request.user
        )
        enrollment.course = self.course
        return enrollment


class _StaffView(_MemberView):
    allowed_roles = list(STAFF_ROLES)


def _mine(enrollment: Enrollment):
    return (
        Feedback.objects.filter(reviewer=enrollment)
        .prefetch_related(Prefetch("ratings", FeedbackRating.objects.select_related("question")))
        .select_related(
            "presentation__slot__meeting", "presentation__paper", "presentation__student__user"
        )
    )


class TodoView(_MemberView):
    allowed_roles = [Role.STUDENT]
    serializer_class = TodoItemSerializer

    @extend_schema(
        operation_id="courses_feedback_todo_list",
        summary="Feedback you still owe",
        description=(
            "The talks you owe feedback on and have not given yet, whose window is open "
            "(`state: open`) or not open yet (`upcoming`), with the moment each closes."
        ),
        responses={200: TodoItemSerializer(many=True), **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, code: str) -> Response:
        page = fs.student_feedback(student=self.enrollment, now=timezone.now())
        items = page.todo + page.upcoming
        items = [item for item in items if not item.given]
        return Response(TodoItemSerializer(items, many=True).data)


class SubmitView(_MemberView):
    allowed_roles = [Role.STUDENT, Role.TA, Role.INSTRUCTOR]
    serializer_class = FeedbackRequestSerializer

    def _talk(self, presentation_id: int) -> Presentation:
        return get_object_or_404(Presentation.objects.for_course(self.course), pk=presentation_id)

    @extend_schema(
        operation_id="courses_presentations_feedback_create",
        summary="Give feedback on a talk",
        description=(
            "Gives (201) or, while the window is open, changes (200) your feedback on a talk "
            "you owe it on. Staff who may rate talks use the same form; their rating is the "
            "instructor part of `blend` criteria, never a peer review. 409 codes: "
            "`window_not_open`, `window_closed`, `not_owed`, `own_talk`, `hidden`, "
            "`not_allowed`, `withdrawn`."
        ),
        request=FeedbackRequestSerializer,
        responses={
            201: MyFeedbackSerializer,
            200: MyFeedbackSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
        tags=TAGS,
    )
    def post(self, request: Request, code: str, presentation_id: int) -> Response:
        serializer = FeedbackRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback, created = services.feedback_submit(
            reviewer=self.enrollment,
            presentation=self._talk(presentation_id),
            scores=serializer.validated_data["scores"],
            comment=serializer.validated_data.get("comment", ""),
            actor=request.user,
            via=Via.API,
        )
        feedback = _mine(self.enrollment).get(pk=feedback.pk)
        return Response(
            MyFeedbackSerializer(feedback).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="courses_presentations_feedback_retrieve",
        summary="Your feedback on a talk",
        responses={200: MyFeedbackSerializer, **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, code: str, presentation_id: int) -> Response:
        feedback = get_object_or_404(
            _mine(self.enrollment), presentation=self._talk(presentation_id)
        )
        return Response(MyFeedbackSerializer(feedback).data)


class GivenView(_MemberView):
    allowed_roles = [Role.STUDENT, Role.TA, Role.INSTRUCTOR]
    serializer_class = MyFeedbackSerializer

    @extend_schema(
        operation_id="courses_feedback_given_list",
        summary="Feedback you gave",
        description="Everything you gave, a hidden one with the staff's reason.",
        responses={200: MyFeedbackSerializer(many=True), **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, code: str) -> Response:
        rows = fs.feedback_given_by(reviewer=self.enrollment)
        return Response(MyFeedbackSerializer(rows, many=True).data)


class ReceivedView(_MemberView):
    allowed_roles = [Role.STUDENT]
    serializer_class = ReceivedTalkSerializer

    @extend_schema(
        operation_id="courses_feedback_received_list",
        summary="Feedback on your talks",
        description=(
            "Per talk of yours, once released (its window closed, or the instructor released "
            "it, as the course says; and at least `min_reviews` reviews): the aggregate per "
            "question and the comments. Anonymous courses give no reviewer identity at all."
        ),
        responses={200: ReceivedTalkSerializer(many=True), **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, code: str) -> Response:
        talks = fs.received_feedback(student=self.enrollment, now=timezone.now())
        return Response(ReceivedTalkSerializer(talks, many=True).data)


class SessionView(_StaffView):
    serializer_class = SessionFeedbackSerializer

    @extend_schema(
        operation_id="courses_feedback_sessions_retrieve",
        summary="A session's feedback (staff)",
        description=(
            "Each talk of the session: review counts, aggregates, spread, the disagreement "
            "and too-few-reviews flags, and every review with its reviewer."
        ),
        responses={200: SessionFeedbackSerializer, **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, code: str, session_id: int) -> Response:
        session = get_object_or_404(
            Meeting.objects.for_course(self.course).presentation_sessions(), pk=session_id
        )
        session.course = self.course
        data = fs.session_feedback(course=self.course, session=session, now=timezone.now())
        return Response(SessionFeedbackSerializer(data).data)


class StudentsView(_StaffView):
    serializer_class = StudentCreditSerializer

    @extend_schema(
        operation_id="courses_feedback_students_list",
        summary="Every student's feedback credit (staff)",
        description="Owed (closed windows), given in time, late, hidden, excused, and the ratio.",
        responses={200: StudentCreditSerializer(many=True), **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, code: str) -> Response:
        rows = fs.students_credit(course=self.course, now=timezone.now())
        return Response(StudentCreditSerializer(rows, many=True).data)


class _ModerationView(_StaffView):
    serializer_class = ReasonSerializer

    def _feedback(self, feedback_id: int) -> Feedback:
        return get_object_or_404(Feedback.objects.for_course(self.course), pk=feedback_id)

    def _moderate(self, service, request: Request, feedback_id: int) -> Response:
        """Hide or restore (`service`) with the posted reason; the feedback as its author sees
        it."""
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = service(
            feedback=self._feedback(feedback_id),
            reason=serializer.validated_data.get("reason", ""),
            actor=request.user,
            via=Via.API,
        )
        feedback = Feedback.objects.select_related(
            "presentation__slot__meeting", "presentation__paper", "presentation__student__user"
        ).get(pk=feedback.pk)
        return Response(MyFeedbackSerializer(feedback).data)


class HideView(_ModerationView):
    @extend_schema(
        operation_id="courses_feedback_hide_create",
        summary="Hide a feedback (staff)",
        description="With a reason (required). 409: `already_hidden`.",
        request=ReasonSerializer,
        responses={200: MyFeedbackSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, code: str, feedback_id: int) -> Response:
        return self._moderate(services.feedback_hide, request, feedback_id)


class RestoreView(_ModerationView):
    @extend_schema(
        operation_id="courses_feedback_restore_create",
        summary="Restore a hidden feedback (staff)",
        description="409: `not_hidden`.",
        request=ReasonSerializer,
        responses={200: MyFeedbackSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, code: str, feedback_id: int) -> Response:
        return self._moderate(services.feedback_restore, request, feedback_id)


class ExcusalsView(_MemberView):
    allowed_roles = [Role.INSTRUCTOR]
    serializer_class = ExcusalRequestSerializer

    @extend_schema(
        operation_id="courses_feedback_excusals_create",
        summary="Excuse a student from a session's feedback (instructor)",
        description="The session's talks are no longer owed. 409: `already_excused`.",
        request=ExcusalRequestSerializer,
        responses={201: ExcusalSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, code: str) -> Response:
        serializer = ExcusalRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        student = get_object_or_404(
            Enrollment.objects.for_course(self.course).select_related("user"), pk=data["student"]
        )
        student.course = self.course
        session = get_object_or_404(
            Meeting.objects.for_course(self.course).presentation_sessions(), pk=data["session"]
        )
        excusal = services.feedback_excuse(
            student=student, session=session, reason=data["reason"], actor=request.user, via=Via.API
        )
        return Response(ExcusalSerializer(excusal).data, status=status.HTTP_201_CREATED)
