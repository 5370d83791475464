"""Reads behind the papers page, the slots page, the programme and the presentation card.

Each runs a fixed number of queries whatever the size of the class: rows come with their
relations in a few queries and are arranged in Python.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from courseapp.models import Course, Enrollment, Role
from presentations.models import (
    Category,
    Paper,
    PaperPreference,
    PaperProposal,
    Presentation,
    Slot,
    SwapRequest,
    WaitlistEntry,
)
from presentations.services import signup_freeze
from schedule.models import Meeting


def presenter_name(enrollment: Enrollment) -> str:
    user = enrollment.user
    return user.get_full_name() or user.get_username()


# --- papers -------------------------------------------------------------------------------


@dataclass
class PaperRow:
    paper: Paper
    taken: bool
    mine: bool
    my_rank: int | None
    # Shown to members only; None otherwise.
    presenter: str | None = None
    session: Meeting | None = None


@dataclass
class CategoryPapers:
    category: Category
    papers: list[PaperRow]

    @property
    def free(self) -> int:
        return sum(1 for row in self.papers if not row.taken)


def paper_catalogue(
    *,
    course: Course,
    viewer: Enrollment | None,
    show_presenters: bool,
    query: str = "",
    category: str = "",
    availability: str = "",
) -> list[CategoryPapers]:
    """The catalogue by category, filtered; four queries.

    `availability` is "free", "taken" or "" (all). A student sees the file's papers and their
    own approved proposals; staff and visitors see the file's papers and every proposal.
    """
    papers = Paper.objects.for_course(course).select_related("category")
    if viewer is not None and viewer.role == Role.STUDENT:
        papers = papers.visible_to(viewer)
    if query:
        papers = papers.filter(
            Q(title__icontains=query) | Q(authors__icontains=query) | Q(venue__icontains=query)
        )
    if category:
        papers = papers.filter(category__key=category)
    holders = {
        talk.paper_id: talk
        for talk in Presentation.objects.for_course(course)
        .filter(paper__isnull=False)
        .select_related("student__user", "slot__meeting")
    }
    ranks = {}
    if viewer is not None:
        ranks = dict(PaperPreference.objects.filter(student=viewer).values_list("paper_id", "rank"))
    groups: dict[int, CategoryPapers] = {
        c.pk: CategoryPapers(category=c, papers=[])
        for c in Category.objects.for_course(course).order_by("position", "key")
    }
    for paper in papers.order_by("category__position", "title"):
        holder = holders.get(paper.pk)
        taken = holder is not None
        if (availability == "free" and taken) or (availability == "taken" and not taken):
            continue
        groups[paper.category_id].papers.append(
            PaperRow(
                paper=paper,
                taken=taken,
                mine=bool(holder and viewer and holder.student_id == viewer.pk),
                my_rank=ranks.get(paper.pk),
                presenter=presenter_name(holder.student) if holder and show_presenters else None,
                session=holder.slot.meeting
                if holder and holder.slot_id and show_presenters
                else None,
            )
        )
    return [group for group in groups.values() if group.papers or not (query or category)]


def my_preferences(*, student: Enrollment) -> list[PaperPreference]:
    return list(
        PaperPreference.objects.filter(student=student)
        .select_related("paper", "paper__category")
        .order_by("rank")
    )


def my_proposals(*, student: Enrollment) -> list[PaperProposal]:
    return list(PaperProposal.objects.filter(student=student).select_related("category", "paper"))


# --- slots --------------------------------------------------------------------------------


@dataclass
class TalkInSlot:
    presentation: Presentation
    presenter: str | None  # None for visitors
    paper: Paper | None


@dataclass
class SlotRow:
    slot: Slot
    talks: list[TalkInSlot]
    mine: bool

    @property
    def free(self) -> int:
        return self.slot.capacity - self.slot.booked

    @property
    def full(self) -> bool:
        return self.free <= 0


@dataclass
class SessionRow:
    session: Meeting
    category: Category | None
    slots: list[SlotRow]
    open: bool
    freeze: dt.datetime
    waiting: int
    my_waitlist_position: int | None = None

    @property
    def full(self) -> bool:
        return all(row.full for row in self.slots)

    @property
    def mine(self) -> bool:
        return any(row.mine for row in self.slots)


@dataclass
class SlotBoard:
    sessions: list[SessionRow]
    talks: list[Presentation] = field(default_factory=list)  # the viewer's own talks
    swaps_in: list[SwapRequest] = field(default_factory=list)  # asked of the viewer
    swaps_out: list[SwapRequest] = field(default_factory=list)  # asked by the viewer

    @property
    def needs_slot(self) -> bool:
        return any(talk.slot_id is None for talk in self.talks)


def _sessions_with_slots(course: Course):
    slots = Slot.objects.select_related("category").order_by("position")
    return (
        Meeting.objects.for_course(course)
        .filter(kind=Meeting.Kind.PRESENTATION)
        .order_by("date", "starts_at")
        .prefetch_related(Prefetch("slots", queryset=slots))
    )


def slot_board(
    *, course: Course, viewer: Enrollment | None, show_presenters: bool, now: dt.datetime
) -> SlotBoard:
    """Every session with its slots, who is in them, and what the viewer may do; six
    queries."""
    booked: dict[int, list[Presentation]] = {}
    for talk in (
        Presentation.objects.for_course(course)
        .filter(slot__isnull=False)
        .select_related("student__user", "paper")
        .order_by("booked_at", "pk")
    ):
        booked.setdefault(talk.slot_id, []).append(talk)
    waiting: dict[int, list[WaitlistEntry]] = {}
    for entry in WaitlistEntry.objects.for_course(course).order_by("created_at", "pk"):
        waiting.setdefault(entry.session_id, []).append(entry)
    my_talks: list[Presentation] = []
    if viewer is not None and viewer.role == Role.STUDENT:
        my_talks = list(
            Presentation.objects.filter(student=viewer).select_related(
                "paper", "paper__category", "slot__meeting"
            )
        )
    my_talk_ids = {talk.pk for talk in my_talks}
    opens = course.signup_opens_at
    sessions = []
    for session in _sessions_with_slots(course):
        session.course = course
        freeze = signup_freeze(session)
        rows = []
        for slot in session.slots.all():
            talks = booked.get(slot.pk, [])
            rows.append(
                SlotRow(
                    slot=slot,
                    talks=[
                        TalkInSlot(
                            presentation=talk,
                            presenter=presenter_name(talk.student) if show_presenters else None,
                            paper=talk.paper if show_presenters else None,
                        )
                        for talk in talks
                    ],
                    mine=any(talk.pk in my_talk_ids for talk in talks),
                )
            )
        queue = waiting.get(session.pk, [])
        position = next(
            (i for i, entry in enumerate(queue, 1) if entry.presentation_id in my_talk_ids), None
        )
        first = rows[0].slot.category if rows else None
        sessions.append(
            SessionRow(
                session=session,
                category=first,
                slots=rows,
                open=opens is not None and opens <= now < freeze,
                freeze=freeze,
                waiting=len(queue),
                my_waitlist_position=position,
            )
        )
    board = SlotBoard(sessions=sessions, talks=my_talks)
    if my_talk_ids:
        swaps = (
            SwapRequest.objects.filter(status=SwapRequest.Status.PENDING)
            .filter(Q(requester__in=my_talk_ids) | Q(target__in=my_talk_ids))
            .select_related(
                "requester__student__user",
                "target__student__user",
                "requester_slot__meeting",
                "target_slot__meeting",
            )
        )
        for swap in swaps:
            (board.swaps_out if swap.requester_id in my_talk_ids else board.swaps_in).append(swap)
    return board


# --- the programme ------------------------------------------------------------------------


@dataclass
class ProgrammeTalk:
    slot: Slot
    presenter: str | None
    paper: Paper | None


@dataclass
class ProgrammeSession:
    session: Meeting
    category: Category | None
    talks: list[ProgrammeTalk]


def programme(*, course: Course, show_names: bool) -> list[ProgrammeSession]:
    """Sessions by date, each with its talks in slot order; three queries.

    Visitors who are not members see the papers, but not who presents them.
    """
    talks_by_slot: dict[int, list[Presentation]] = {}
    for talk in (
        Presentation.objects.for_course(course)
        .filter(slot__isnull=False)
        .select_related("student__user", "paper")
        .order_by("booked_at", "pk")
    ):
        talks_by_slot.setdefault(talk.slot_id, []).append(talk)
    result = []
    for session in _sessions_with_slots(course):
        talks = [
            ProgrammeTalk(
                slot=slot,
                presenter=presenter_name(talk.student) if show_names else None,
                paper=talk.paper,
            )
            for slot in session.slots.all()
            for talk in talks_by_slot.get(slot.pk, [])
        ]
        first = next(iter(session.slots.all()), None)
        result.append(
            ProgrammeSession(
                session=session, category=first.category if first else None, talks=talks
            )
        )
    return result


def my_talks(*, student: Enrollment) -> list[Presentation]:
    """The student's talks with paper and slot, for the dashboard card (one query)."""
    return list(
        Presentation.objects.filter(student=student)
        .select_related("paper", "paper__category", "slot__meeting", "slot__category")
        .order_by("number")
    )
