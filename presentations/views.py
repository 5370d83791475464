"""The papers, slots and programme pages, their actions, and the sign-up sheet.

Every action is a plain POST form that calls one service and redirects back with a message
saying what happened (or, refused, why nothing did), so the pages work without JavaScript.
On the slots page htmx posts the same forms and, instead of a redirect, gets the re-rendered
board with its messages to swap in place.
"""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from courseapp.audit import Via
from courseapp.dates import format_day
from courseapp.models import STAFF_ROLES, Course, Enrollment, Role
from courseapp.pages import course_view, refusal_as_message
from presentations import selectors, services
from presentations.forms import ProposalForm, RankingForm
from presentations.models import Paper, Presentation, Slot, SwapRequest
from schedule.models import Meeting

STUDENT = [Role.STUDENT]


def _viewer(request, course: Course, role: Role | None) -> Enrollment | None:
    """The member's own enrolment (None for visitors, and for superusers who have none)."""
    if role is None:
        return None
    enrollment = (
        Enrollment.objects.select_related("user").filter(course=course, user=request.user).first()
    )
    if enrollment is not None:
        enrollment.course = course
    return enrollment


def _student(request, course: Course) -> Enrollment:
    enrollment = Enrollment.objects.select_related("user").get(course=course, user=request.user)
    enrollment.course = course
    return enrollment


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def slot_label(slot: Slot) -> str:
    """Which slot, and when, as a message says it: "session 5, slot 2 (Tue 4 Nov 2025,
    10:55)"."""
    when = format_day(slot.meeting.date)
    if slot.starts_at:
        when += f", {slot.starts_at:%H:%M}"
    return f"session {slot.meeting.session_number}, slot {slot.position} ({when})"


def _name(enrollment: Enrollment) -> str:
    return selectors.presenter_name(enrollment)


# --- papers -------------------------------------------------------------------------------


def _filters(data: QueryDict) -> dict[str, str]:
    availability = data.get("availability", "")
    return {
        "q": data.get("q", "").strip()[:200],
        "category": data.get("category", "")[:64],
        "availability": availability if availability in ("free", "taken") else "",
    }


def _papers_url(course: Course, filters: str = "") -> str:
    """The papers page, with the filters a form carried back (and nothing else)."""
    kept = {key: value for key, value in _filters(QueryDict(filters)).items() if value}
    url = reverse("presentations:papers", args=[course.code])
    return f"{url}?{urlencode(kept)}" if kept else url


def _render_papers(request, course, role, *, ranking=None, proposal=None):
    filters = _filters(request.GET)
    page = selectors.papers_page(
        course=course,
        viewer=_viewer(request, course, role),
        show_presenters=role is not None,
        now=timezone.now(),
        query=filters["q"],
        category=filters["category"],
        availability=filters["availability"],
    )
    ranking_mode = course.paper_assignment == Course.PaperAssignment.PREFERENCES
    if page.student is not None and ranking_mode and ranking is None:
        ranking = RankingForm(
            papers=page.rankable, places=course.preferences_max, preferences=page.preferences
        )
    if page.student is not None and course.proposals_allowed and proposal is None:
        proposal = ProposalForm(categories=page.categories)
    context = {
        "course": course,
        "role": role,
        "page": page,
        "filters": filters,
        "filtered": any(filters.values()),
        "ranking_mode": ranking_mode,
        "can_act": page.student is not None and not page.student.is_withdrawn,
        "ranking": ranking,
        "proposal": proposal,
    }
    return render(request, "presentations/papers.html", context)


@course_view(public=True)
def papers(request, course, role):
    return _render_papers(request, course, role)


@require_POST
@course_view(roles=STUDENT)
def paper_claim(request, course, role, paper_id: int):
    paper = get_object_or_404(Paper.objects.for_course(course), pk=paper_id)
    with refusal_as_message(request):
        talk = services.paper_claim(
            student=_student(request, course), paper=paper, actor=request.user, via=Via.PAGE
        )
        then = "" if talk.slot_id else " Next, book a slot for it."
        messages.success(request, f"Claimed: {paper.title}. It is your paper now.{then}")
    return redirect(_papers_url(course, request.POST.get("filters", "")))


@require_POST
@course_view(roles=STUDENT)
def paper_release(request, course, role, paper_id: int):
    paper = get_object_or_404(Paper.objects.for_course(course), pk=paper_id)
    with refusal_as_message(request):
        services.paper_release(
            student=_student(request, course), paper=paper, actor=request.user, via=Via.PAGE
        )
        messages.success(request, f"Given back: {paper.title}. Anyone may claim it now.")
    return redirect(_papers_url(course, request.POST.get("filters", "")))


@require_POST
@course_view(roles=STUDENT)
def preferences_save(request, course, role):
    student = _student(request, course)
    papers = selectors.rankable_papers(student=student)
    form = RankingForm(request.POST, papers=papers, places=course.preferences_max)
    if not form.is_valid():
        messages.error(request, "Your ranking is not saved: see the errors in the form.")
        return _render_papers(request, course, role, ranking=form)
    paper_ids = form.paper_ids()
    with refusal_as_message(request):
        services.preferences_set(
            student=student, paper_ids=paper_ids, actor=request.user, via=Via.PAGE
        )
        if paper_ids:
            ranked = "; ".join(
                f"{place}. {form.titles[pk]}" for place, pk in enumerate(paper_ids, 1)
            )
            messages.success(request, f"Your ranking is saved: {ranked}.")
        else:
            messages.success(request, "Your ranking is cleared: you have ranked no papers.")
    return redirect(_papers_url(course) + "#ranking")


@require_POST
@course_view(roles=STUDENT)
def proposal_submit(request, course, role):
    categories = list(course.categories.order_by("position", "key"))
    form = ProposalForm(request.POST, categories=categories)
    if not form.is_valid():
        messages.error(request, "Your proposal is not sent: see the errors in the form.")
        return _render_papers(request, course, role, proposal=form)
    data = form.cleaned_data
    with refusal_as_message(request):
        services.proposal_submit(
            student=_student(request, course),
            title=data["title"],
            authors=data["authors"],
            url=data["url"],
            category=data["category"],
            actor=request.user,
            via=Via.PAGE,
        )
        messages.success(
            request,
            f"Proposal sent: {data['title']}. The instructor approves or rejects it; "
            "you get an e-mail either way.",
        )
    return redirect(_papers_url(course) + "#proposals")


# --- slots --------------------------------------------------------------------------------


def _board_context(request, course: Course, role: Role) -> dict:
    now = timezone.now()
    page = selectors.slots_page(
        course=course, viewer=_viewer(request, course, role), now=now, today=timezone.localdate()
    )
    return {"course": course, "role": role, "page": page, "board": page.board, "now": now}


@course_view()
def slots(request, course, role):
    return render(request, "presentations/slots.html", _board_context(request, course, role))


def _back_to_board(request, course: Course, role: Role):
    """Redirect to the slots page, or for htmx the board itself with the messages."""
    if _is_htmx(request):
        context = {**_board_context(request, course, role), "partial": True}
        return render(request, "presentations/includes/slot_board.html", context)
    return redirect("presentations:slots", code=course.code)


def _slot(course: Course, slot_id: int) -> Slot:
    return get_object_or_404(Slot.objects.for_course(course).select_related("meeting"), pk=slot_id)


def _session(course: Course, session_id: int) -> Meeting:
    sessions = Meeting.objects.for_course(course).presentation_sessions()
    session = get_object_or_404(sessions, pk=session_id)
    session.course = course
    return session


@require_POST
@course_view(roles=STUDENT)
def slot_book(request, course, role, slot_id: int):
    slot = _slot(course, slot_id)
    with refusal_as_message(request):
        services.slot_sign_up(
            student=_student(request, course), slot=slot, actor=request.user, via=Via.PAGE
        )
        messages.success(request, f"Booked: {slot_label(slot)}.")
    return _back_to_board(request, course, role)


@require_POST
@course_view(roles=STUDENT)
def slot_drop(request, course, role, slot_id: int):
    slot = _slot(course, slot_id)
    with refusal_as_message(request):
        promoted = services.slot_drop(
            student=_student(request, course), slot=slot, actor=request.user, via=Via.PAGE
        )
        then = " The seat went to the first student on the waitlist." if promoted else ""
        messages.success(request, f"Dropped: {slot_label(slot)}.{then}")
    return _back_to_board(request, course, role)


@require_POST
@course_view(roles=STUDENT)
def waitlist_join(request, course, role, session_id: int):
    session = _session(course, session_id)
    with refusal_as_message(request):
        services.waitlist_join(
            student=_student(request, course), session=session, actor=request.user, via=Via.PAGE
        )
        messages.success(
            request,
            f"You are on the waitlist of session {session.session_number}. If a seat frees up "
            "before the session closes, it is yours automatically and you get an e-mail.",
        )
    return _back_to_board(request, course, role)


@require_POST
@course_view(roles=STUDENT)
def waitlist_leave(request, course, role, session_id: int):
    session = _session(course, session_id)
    with refusal_as_message(request):
        services.waitlist_leave(
            student=_student(request, course), session=session, actor=request.user, via=Via.PAGE
        )
        messages.success(request, f"You left the waitlist of session {session.session_number}.")
    return _back_to_board(request, course, role)


@require_POST
@course_view(roles=STUDENT)
def swap_ask(request, course, role, talk_id: int):
    target = get_object_or_404(
        Presentation.objects.for_course(course).select_related("student__user", "slot__meeting"),
        pk=talk_id,
    )
    with refusal_as_message(request):
        services.swap_request(
            student=_student(request, course), target=target, actor=request.user, via=Via.PAGE
        )
        messages.success(
            request,
            f"Swap asked: {_name(target.student)}, in {slot_label(target.slot)}, may accept "
            "or decline. You keep your slot until then.",
        )
    return _back_to_board(request, course, role)


def _swap(course: Course, swap_id: int) -> SwapRequest:
    return get_object_or_404(
        SwapRequest.objects.for_course(course).select_related(
            "requester__student__user", "requester_slot__meeting"
        ),
        pk=swap_id,
    )


@require_POST
@course_view(roles=STUDENT)
def swap_accept(request, course, role, swap_id: int):
    swap = _swap(course, swap_id)
    with refusal_as_message(request):
        services.swap_accept(
            student=_student(request, course), swap=swap, actor=request.user, via=Via.PAGE
        )
        messages.success(
            request,
            f"Swapped with {_name(swap.requester.student)}: you now present in "
            f"{slot_label(swap.requester_slot)}.",
        )
    return _back_to_board(request, course, role)


@require_POST
@course_view(roles=STUDENT)
def swap_close(request, course, role, swap_id: int):
    swap = _swap(course, swap_id)
    with refusal_as_message(request):
        closed = services.swap_close(
            student=_student(request, course), swap=swap, actor=request.user, via=Via.PAGE
        )
        if closed.status == SwapRequest.Status.WITHDRAWN:
            messages.success(request, "Swap request withdrawn: both of you keep your slots.")
        else:
            messages.success(
                request,
                f"Swap declined: you keep your slot, and {_name(swap.requester.student)} "
                "keeps theirs.",
            )
    return _back_to_board(request, course, role)


# --- the programme ------------------------------------------------------------------------


@course_view(public=True)
def programme(request, course, role):
    sessions = selectors.programme(course=course, show_names=role is not None)
    return render(
        request,
        "presentations/programme.html",
        {"course": course, "role": role, "sessions": sessions},
    )


# --- the sign-up sheet --------------------------------------------------------------------

# A spreadsheet reads a cell that starts with one of these as a formula (or, for tab and
# carriage return, may strip them and then read one): a student could name themselves
# "=HYPERLINK(...)". A leading apostrophe makes the cell plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@course_view(roles=STAFF_ROLES)
def signup_sheet(request, course, role, session_id: int):
    session = _session(course, session_id)
    rows = selectors.signup_sheet(course=course, session=session)
    filename = f"{course.code}-session-{session.session_number}-signup-sheet.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Excel opens a CSV as UTF-8 only when it starts with a byte order mark.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["Slot", "Time", "Student ID", "Name", "E-mail", "Paper"])
    for row in rows:
        talk = row.talk
        student = talk.student if talk else None
        writer.writerow(
            spreadsheet_cell(value)
            for value in (
                row.slot.position,
                f"{row.slot.starts_at:%H:%M}" if row.slot.starts_at else "",
                student.student_id if student else "",
                _name(student) if student else "",
                student.user.email if student else "",
                talk.paper.title if talk and talk.paper else "",
            )
        )
    return response
