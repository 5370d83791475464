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


def rankable_papers(*, student: Enrollment) -> list[Paper]:
    """Every paper the student may rank, by category and title; one query."""
    return list(
        Paper.objects.for_course(student.course_id)
        .visible_to(student)
        .select_related("category")
        .order_by("category__position", "title")
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
        .prefetch_related(Prefetch("slots", queryset=slots, to_attr="session_slots"))
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
        for slot in session.session_slots:
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
        .select_related("student__user", "paper__category")
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
            for slot in session.session_slots
            for talk in talks_by_slot.get(slot.pk, [])
        ]
        first = next(iter(session.session_slots), None)
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


def papers_open(*, course: Course, now: dt.datetime) -> bool:
    """Whether students may still claim or rank papers (the services check it again)."""
    return course.papers_close_at is None or now < course.papers_close_at


# --- the pages ----------------------------------------------------------------------------


@dataclass
class PapersPage:
    """Everything the papers page shows: the catalogue, and for a student their own part."""

    groups: list[CategoryPapers]
    categories: list[Category]
    open: bool
    student: Enrollment | None = None
    talks: list[Presentation] = field(default_factory=list)
    preferences: list[PaperPreference] = field(default_factory=list)
    rankable: list[Paper] = field(default_factory=list)
    proposals: list[PaperProposal] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(group.papers) for group in self.groups)

    @property
    def talks_owed(self) -> int:
        return self.student.course.talks_for(self.student) if self.student else 0

    @property
    def my_papers(self) -> list[Paper]:
        return [talk.paper for talk in self.talks if talk.paper_id is not None]

    @property
    def needs_paper(self) -> bool:
        return self.student is not None and len(self.my_papers) < self.talks_owed


def papers_page(
    *,
    course: Course,
    viewer: Enrollment | None,
    show_presenters: bool,
    now: dt.datetime,
    query: str = "",
    category: str = "",
    availability: str = "",
) -> PapersPage:
    """The papers page: nine queries at most, whatever the size of the catalogue or class.

    The ranking form offers every paper the student may rank, whatever the filters, so it
    has a query of its own.
    """
    page = PapersPage(
        groups=paper_catalogue(
            course=course,
            viewer=viewer,
            show_presenters=show_presenters,
            query=query,
            category=category,
            availability=availability,
        ),
        categories=list(Category.objects.for_course(course).order_by("position", "key")),
        open=papers_open(course=course, now=now),
    )
    if viewer is None or viewer.role != Role.STUDENT:
        return page
    viewer.course = course
    page.student = viewer
    page.talks = my_talks(student=viewer)
    if course.paper_assignment == Course.PaperAssignment.PREFERENCES:
        page.preferences = my_preferences(student=viewer)
        page.rankable = rankable_papers(student=viewer)
    if course.proposals_allowed:
        page.proposals = my_proposals(student=viewer)
    return page


@dataclass
class SlotsPage:
    """The slot board and what it offers the viewer (a student, or staff who only look)."""

    board: SlotBoard
    past: list[SessionRow]  # held before today: folded away on the page
    coming: list[SessionRow]
    student: Enrollment | None
    needs_slot: bool = False
    has_booking: bool = False
    # Sessions none of the student's unbooked talks fits, when the course requires the
    # categories to match: the page says so instead of offering a Book button to refuse.
    unfit: set[int] = field(default_factory=set)
    asked: set[int] = field(default_factory=set)  # talks the student has asked to swap with

    @property
    def is_staff(self) -> bool:
        return self.student is None

    @property
    def can_act(self) -> bool:
        return self.student is not None and not self.student.is_withdrawn

    @property
    def any_open(self) -> bool:
        return any(row.open for row in self.board.sessions)

    @property
    def mine(self) -> set[int]:
        return {talk.pk for talk in self.board.talks}


def slots_page(
    *, course: Course, viewer: Enrollment | None, now: dt.datetime, today: dt.date
) -> SlotsPage:
    """The slots page: the board (six queries) and the viewer's part in it."""
    board = slot_board(course=course, viewer=viewer, show_presenters=True, now=now)
    student = viewer if viewer is not None and viewer.role == Role.STUDENT else None
    page = SlotsPage(
        board=board,
        past=[row for row in board.sessions if row.session.date < today],
        coming=[row for row in board.sessions if row.session.date >= today],
        student=student,
    )
    if student is None:
        return page
    owed = course.talks_for(student)
    booked = [talk for talk in board.talks if talk.slot_id is not None]
    free = [talk for talk in board.talks if talk.slot_id is None]
    page.needs_slot = len(booked) < owed
    page.has_booking = bool(booked)
    page.asked = {swap.target_id for swap in board.swaps_out}
    # A talk's row is made at its first claim or booking: until then it has no paper, and a
    # talk without a paper fits every session.
    paperless = len(board.talks) < owed or any(talk.paper_id is None for talk in free)
    if course.signup_category_must_match and free and not paperless:
        page.unfit = {
            row.session.pk
            for row in board.sessions
            if row.category and all(talk.paper.category_id != row.category.pk for talk in free)
        }
    return page


@dataclass
class SheetRow:
    slot: Slot
    talk: Presentation | None  # None for a free seat


def signup_sheet(*, course: Course, session: Meeting) -> list[SheetRow]:
    """One session's seats in slot order, booked talks first within a slot, then a row for
    each free seat (to fill in by hand); two queries."""
    slots = list(Slot.objects.for_course(course).filter(meeting=session).order_by("position"))
    talks: dict[int, list[Presentation]] = {}
    for talk in (
        Presentation.objects.for_course(course)
        .filter(slot__meeting=session)
        .select_related("student__user", "paper")
        .order_by("booked_at", "pk")
    ):
        talks.setdefault(talk.slot_id, []).append(talk)
    rows = []
    for slot in slots:
        booked = talks.get(slot.pk, [])
        rows += [SheetRow(slot=slot, talk=talk) for talk in booked]
        rows += [SheetRow(slot=slot, talk=None)] * max(0, slot.capacity - len(booked))
    return rows


@dataclass
class Waiting:
    session: Meeting
    position: int


def my_waiting(*, student: Enrollment) -> list[Waiting]:
    """The sessions the student waits for, with their place in each queue; one query."""
    entries = (
        WaitlistEntry.objects.filter(session__waitlist__presentation__student=student)
        .select_related("session", "presentation")
        .order_by("session__date", "created_at", "pk")
        .distinct()
    )
    queues: dict[int, list[WaitlistEntry]] = {}
    for entry in entries:
        queues.setdefault(entry.session_id, []).append(entry)
    return [
        Waiting(session=queue[0].session, position=place)
        for queue in queues.values()
        for place, entry in enumerate(queue, 1)
        if entry.presentation.student_id == student.pk
    ]


@dataclass
class MySwaps:
    incoming: list[SwapRequest]  # asked of the student
    outgoing: list[SwapRequest]  # asked by the student


def my_swaps(*, student: Enrollment) -> MySwaps:
    """The student's pending swap requests, both ways; one query."""
    swaps = MySwaps(incoming=[], outgoing=[])
    for swap in (
        SwapRequest.objects.filter(status=SwapRequest.Status.PENDING)
        .filter(Q(requester__student=student) | Q(target__student=student))
        .select_related(
            "requester__student__user",
            "target__student__user",
            "requester_slot__meeting",
            "target_slot__meeting",
        )
        .order_by("created_at", "pk")
    ):
        mine = swap.requester.student_id == student.pk
        (swaps.outgoing if mine else swaps.incoming).append(swap)
    return swaps


def booked_talks_of(*, user, course: Course) -> list[Presentation]:
    """A user's booked talks in a course, for their calendar feed (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Presentation.objects.filter(
            course=course, student__user=user, slot__isnull=False
        ).select_related("paper", "slot__meeting")
    )
