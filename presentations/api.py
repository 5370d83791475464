"""The papers-and-slots API (design.md section 4 and its additions).

Views parse, call one service or selector, and serialize. Refusals are PresentationErrors,
which the project's exception handler answers with 409 and the refusal's code.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from courseapp.api import CourseAPIView, error_responses
from courseapp.audit import Via
from courseapp.models import Enrollment, Role
from presentations import selectors, services
from presentations.models import Paper, Presentation, Slot, SwapRequest
from presentations.serializers import (
    BookingSerializer,
    ClaimSerializer,
    PaperSerializer,
    PreferencesSerializer,
    ProposalSerializer,
    SignUpRequestSerializer,
    SlotSerializer,
    SwapRequestSerializer,
    SwapSerializer,
    WaitlistEntrySerializer,
)
from schedule.models import Meeting


class _StudentView(CourseAPIView):
    allowed_roles = [Role.STUDENT]

    @property
    def enrollment(self) -> Enrollment:
        return Enrollment.objects.select_related("course", "user").get(
            course=self.course, user=self.request.user
        )


def _viewer(view) -> Enrollment | None:
    return (
        Enrollment.objects.select_related("course", "user")
        .filter(course=view.course, user=view.request.user)
        .first()
    )


class PaperListView(CourseAPIView):
    serializer_class = PaperSerializer

    @extend_schema(
        operation_id="courses_papers_list",
        summary="The paper catalogue",
        description=(
            "Every paper of the course (a student also sees their approved proposals), with its "
            "category, whether it is taken, and whether it is yours."
        ),
        parameters=[
            OpenApiParameter("q", str, description="Search in titles, authors and venues."),
            OpenApiParameter("category", str, description="A category key."),
            OpenApiParameter("availability", str, enum=["free", "taken"]),
        ],
        responses={200: PaperSerializer(many=True), **error_responses(401, 404)},
        tags=["papers"],
    )
    def get(self, request: Request, code: str) -> Response:
        groups = selectors.paper_catalogue(
            course=self.course,
            viewer=_viewer(self),
            show_presenters=True,
            query=request.query_params.get("q", "")[:200],
            category=request.query_params.get("category", "")[:64],
            availability=request.query_params.get("availability", ""),
        )
        rows = [row for group in groups for row in group.papers]
        return Response(PaperSerializer(rows, many=True).data)


class PreferencesView(_StudentView):
    serializer_class = PreferencesSerializer

    @extend_schema(
        operation_id="courses_papers_preferences_retrieve",
        summary="My paper ranking",
        responses={200: PreferencesSerializer, **error_responses(401, 403, 404)},
        tags=["papers"],
    )
    def get(self, request: Request, code: str) -> Response:
        preferences = selectors.my_preferences(student=self.enrollment)
        return Response({"paper_ids": [preference.paper_id for preference in preferences]})

    @extend_schema(
        operation_id="courses_papers_preferences_update",
        summary="Rank papers",
        description="Replaces your ranking, best first (preference mode, until it closes).",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["papers"],
    )
    def put(self, request: Request, code: str) -> Response:
        serializer = PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        paper_ids = serializer.validated_data["paper_ids"]
        services.preferences_set(
            student=self.enrollment, paper_ids=paper_ids, actor=request.user, via=Via.API
        )
        return Response({"paper_ids": paper_ids})


class ClaimView(_StudentView):
    serializer_class = ClaimSerializer

    def _paper(self, paper_id: int) -> Paper:
        return get_object_or_404(Paper.objects.for_course(self.course), pk=paper_id)

    @extend_schema(
        operation_id="courses_papers_claim_create",
        summary="Claim a paper",
        description="Claim mode: the paper becomes yours, first come first served.",
        request=None,
        responses={201: ClaimSerializer, **error_responses(401, 403, 404, 409)},
        tags=["papers"],
    )
    def post(self, request: Request, code: str, paper_id: int) -> Response:
        talk = services.paper_claim(
            student=self.enrollment, paper=self._paper(paper_id), actor=request.user, via=Via.API
        )
        return Response(ClaimSerializer(talk).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="courses_papers_claim_destroy",
        summary="Give a claimed paper back",
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
        tags=["papers"],
    )
    def delete(self, request: Request, code: str, paper_id: int) -> Response:
        services.paper_release(
            student=self.enrollment, paper=self._paper(paper_id), actor=request.user, via=Via.API
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProposalListView(_StudentView):
    serializer_class = ProposalSerializer

    @extend_schema(
        operation_id="courses_papers_proposals_list",
        summary="My paper proposals",
        responses={200: ProposalSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["papers"],
    )
    def get(self, request: Request, code: str) -> Response:
        proposals = selectors.my_proposals(student=self.enrollment)
        return Response(ProposalSerializer(proposals, many=True).data)

    @extend_schema(
        operation_id="courses_papers_proposals_create",
        summary="Propose a paper",
        description="When the course allows proposals; an instructor approves or rejects it.",
        request=ProposalSerializer,
        responses={201: ProposalSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["papers"],
    )
    def post(self, request: Request, code: str) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proposal = services.proposal_submit(
            student=self.enrollment,
            title=data["title"],
            authors=data.get("authors", ""),
            url=data.get("url", ""),
            category=data["category"],
            actor=request.user,
            via=Via.API,
        )
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


class SlotListView(CourseAPIView):
    serializer_class = SlotSerializer

    @extend_schema(
        operation_id="courses_slots_list",
        summary="Presentation slots",
        description=(
            "Every slot of every presentation session: its session, category, capacity, seats "
            "taken, whether booking is open now, and whether it is yours."
        ),
        responses={200: SlotSerializer(many=True), **error_responses(401, 404)},
        tags=["slots"],
    )
    def get(self, request: Request, code: str) -> Response:
        board = selectors.slot_board(
            course=self.course, viewer=_viewer(self), show_presenters=True, now=timezone.now()
        )
        rows = [
            {"row": row, "session": session} for session in board.sessions for row in session.slots
        ]
        return Response(SlotSerializer(rows, many=True).data)


class SignUpView(_StudentView):
    serializer_class = SignUpRequestSerializer

    def _slot(self, slot_id: int) -> Slot:
        return get_object_or_404(Slot.objects.for_course(self.course), pk=slot_id)

    @extend_schema(
        operation_id="courses_slots_signup_create",
        summary="Book a slot",
        description=(
            "Books the slot for your first talk without one (or `talk`). 409 codes: "
            "`slot_full`, `signup_closed`, `signup_not_open`, `already_booked`, "
            "`wrong_category`, `withdrawn`."
        ),
        request=SignUpRequestSerializer,
        responses={201: BookingSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["slots"],
    )
    def post(self, request: Request, code: str, slot_id: int) -> Response:
        serializer = SignUpRequestSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        talk = services.slot_sign_up(
            student=self.enrollment,
            slot=self._slot(slot_id),
            actor=request.user,
            via=Via.API,
            talk_number=serializer.validated_data.get("talk"),
        )
        return Response(BookingSerializer(talk).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="courses_slots_signup_destroy",
        summary="Drop a booked slot",
        description="Allowed until the session's freeze; the first waiting student gets the seat.",
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
        tags=["slots"],
    )
    def delete(self, request: Request, code: str, slot_id: int) -> Response:
        services.slot_drop(
            student=self.enrollment, slot=self._slot(slot_id), actor=request.user, via=Via.API
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class WaitlistView(_StudentView):
    serializer_class = WaitlistEntrySerializer

    def _session(self, session_id: int) -> Meeting:
        return get_object_or_404(
            Meeting.objects.for_course(self.course)
            .filter(kind=Meeting.Kind.PRESENTATION)
            .select_related("course"),
            pk=session_id,
        )

    @extend_schema(
        operation_id="courses_sessions_waitlist_create",
        summary="Wait for a seat in a full session",
        request=None,
        responses={201: WaitlistEntrySerializer, **error_responses(401, 403, 404, 409)},
        tags=["slots"],
    )
    def post(self, request: Request, code: str, session_id: int) -> Response:
        entry = services.waitlist_join(
            student=self.enrollment,
            session=self._session(session_id),
            actor=request.user,
            via=Via.API,
        )
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="courses_sessions_waitlist_destroy",
        summary="Leave a session's waitlist",
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
        tags=["slots"],
    )
    def delete(self, request: Request, code: str, session_id: int) -> Response:
        services.waitlist_leave(
            student=self.enrollment,
            session=self._session(session_id),
            actor=request.user,
            via=Via.API,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _swaps_of(enrollment: Enrollment):
    return (
        SwapRequest.objects.filter(Q(requester__student=enrollment) | Q(target__student=enrollment))
        .select_related("requester__student__user", "target__student__user")
        .order_by("-created_at")
    )


class SwapListView(_StudentView):
    serializer_class = SwapSerializer

    @extend_schema(
        operation_id="courses_swaps_list",
        summary="Swap requests you asked or were asked",
        responses={200: SwapSerializer(many=True), **error_responses(401, 403, 404)},
        tags=["slots"],
    )
    def get(self, request: Request, code: str) -> Response:
        return Response(SwapSerializer(_swaps_of(self.enrollment), many=True).data)

    @extend_schema(
        operation_id="courses_swaps_create",
        summary="Ask to swap slots",
        description="Asks the presenter booked in `slot_id` to trade slots with your talk.",
        request=SwapRequestSerializer,
        responses={201: SwapSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["slots"],
    )
    def post(self, request: Request, code: str) -> Response:
        serializer = SwapRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = get_object_or_404(
            Slot.objects.for_course(self.course), pk=serializer.validated_data["slot_id"]
        )
        target = (
            Presentation.objects.filter(slot=slot)
            .exclude(student__user=request.user)
            .order_by("booked_at", "pk")
            .first()
        )
        if target is None:
            raise services.PresentationError("not_booked", "Nobody else presents in that slot.")
        swap = services.swap_request(
            student=self.enrollment, target=target, actor=request.user, via=Via.API
        )
        return Response(SwapSerializer(swap).data, status=status.HTTP_201_CREATED)


class SwapDetailView(_StudentView):
    serializer_class = SwapSerializer

    def _swap(self, swap_id: int) -> SwapRequest:
        return get_object_or_404(_swaps_of(self.enrollment), pk=swap_id)

    @extend_schema(
        operation_id="courses_swaps_accept",
        summary="Accept a swap you were asked",
        request=None,
        responses={200: SwapSerializer, **error_responses(401, 403, 404, 409)},
        tags=["slots"],
    )
    def post(self, request: Request, code: str, swap_id: int) -> Response:
        swap = services.swap_accept(
            student=self.enrollment, swap=self._swap(swap_id), actor=request.user, via=Via.API
        )
        return Response(SwapSerializer(swap).data)

    @extend_schema(
        operation_id="courses_swaps_destroy",
        summary="Withdraw (as asker) or decline (as asked) a pending swap",
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
        tags=["slots"],
    )
    def delete(self, request: Request, code: str, swap_id: int) -> Response:
        services.swap_close(
            student=self.enrollment, swap=self._swap(swap_id), actor=request.user, via=Via.API
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
