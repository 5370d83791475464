"""The peer-feedback pages: the student's to-do list, the form, what they gave and what they
received; the staff's sessions, per-session and per-student pages and their moderation.

Every action is a plain POST form that calls one service and redirects back with a message
saying what happened (or, refused, why nothing did).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from courseapp.audit import Via
from courseapp.models import STAFF_ROLES, Course, Enrollment, Role
from courseapp.pages import course_view, refusal_as_message
from presentations import feedback_selectors as fs
from presentations import feedback_services as services
from presentations.feedback_forms import FeedbackForm
from presentations.models import Feedback, FeedbackExcusal, FeedbackQuestion, Presentation
from schedule.models import Meeting

STAFF = list(STAFF_ROLES)
MEMBERS = [Role.STUDENT, Role.TA, Role.INSTRUCTOR]


def _me(request, course: Course) -> Enrollment:
    # A superuser acts as an instructor without an enrolment: they have no feedback to give.
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("user"), course=course, user=request.user
    )
    enrollment.course = course
    return enrollment


def _session(course: Course, session_id: int) -> Meeting:
    session = get_object_or_404(
        Meeting.objects.for_course(course).presentation_sessions(), pk=session_id
    )
    session.course = course
    return session


def _feedback(course: Course, feedback_id: int) -> Feedback:
    return get_object_or_404(
        Feedback.objects.for_course(course).select_related(
            "presentation__slot__meeting", "reviewer__user"
        ),
        pk=feedback_id,
    )


def _back(request, fallback: str):
    """Back to the page the form was on (a path of this site only), else `fallback`."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


# --- the student's pages ------------------------------------------------------------------


@course_view(roles=MEMBERS)
def feedback_home(request, course, role):
    now = timezone.now()
    if role in STAFF_ROLES:
        context = {
            "course": course,
            "role": role,
            "sessions": fs.sessions_overview(course=course, now=now),
            "assigned": course.feedback_scope == Course.FeedbackScope.ASSIGNED,
        }
        return render(request, "presentations/feedback/staff_home.html", context)
    me = _me(request, course)
    context = {
        "course": course,
        "role": role,
        "page": fs.student_feedback(student=me, now=now),
        "given": fs.feedback_given_by(reviewer=me),
        "withdrawn": me.is_withdrawn,
    }
    return render(request, "presentations/feedback/student_home.html", context)


def _talk(course: Course, talk_id: int) -> Presentation:
    talk = get_object_or_404(
        Presentation.objects.for_course(course)
        .booked()
        .select_related("slot__meeting", "paper", "student__user"),
        pk=talk_id,
    )
    talk.slot.meeting.course = course
    return talk


@course_view(roles=MEMBERS)
def feedback_form(request, course, role, talk_id: int):
    talk = _talk(course, talk_id)
    me = _me(request, course)
    if role == Role.TA and not course.ta_can_rate:
        raise Http404  # nothing to rate here: TAs read the staff pages
    questions = list(FeedbackQuestion.objects.for_course(course).order_by("position", "key"))
    existing = (
        Feedback.objects.filter(reviewer=me, presentation=talk).prefetch_related("ratings").first()
    )
    initial = {}
    if existing is not None:
        initial = {
            f"q_{q.key}": r.value
            for r in existing.ratings.all()
            for q in questions
            if q.pk == r.question_id
        }
        initial["comment"] = existing.comment
    refused = None
    form = FeedbackForm(request.POST or None, initial=initial, questions=questions, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            _, created = services.feedback_submit(
                reviewer=me,
                presentation=talk,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                actor=request.user,
                via=Via.PAGE,
            )
        except ValidationError as error:
            form.add_service_errors(error.message_dict)
            messages.error(request, "Nothing was saved: see the fields marked below.")
        except services.FeedbackError as error:
            refused = error.message
            messages.error(request, error.message)
        else:
            what = "given" if created else "updated"
            messages.success(request, f"Feedback {what}: {_talk_label(talk)}.")
            if role in STAFF_ROLES:
                return redirect("presentations:feedback_session", course.code, talk.slot.meeting_id)
            return redirect("presentations:feedback", course.code)
    elif request.method == "POST":
        messages.error(request, "Nothing was saved: see the fields marked below.")
    session = talk.slot.meeting
    context = {
        "course": course,
        "role": role,
        "talk": talk,
        "form": form,
        "existing": existing,
        "closes": fs.window_closes(session),
        "state": fs.window_state(session, timezone.now()),
        "staff": role in STAFF_ROLES,
        "refused": refused,
    }
    return render(request, "presentations/feedback/form.html", context)


def _talk_label(talk: Presentation) -> str:
    paper = talk.paper.title if talk.paper_id else f"slot {talk.slot.position}"
    return f"{paper} (session {talk.slot.meeting.session_number})"


@course_view(roles=[Role.STUDENT])
def feedback_received(request, course, role):
    me = _me(request, course)
    context = {
        "course": course,
        "role": role,
        "talks": fs.received_feedback(student=me, now=timezone.now()),
        "questions": list(FeedbackQuestion.objects.for_course(course).order_by("position", "key")),
        "named": course.feedback_anonymity == Course.FeedbackAnonymity.NAMED,
    }
    return render(request, "presentations/feedback/received.html", context)


# --- the staff's pages --------------------------------------------------------------------


@course_view(roles=STAFF)
def feedback_session(request, course, role, session_id: int):
    session = _session(course, session_id)
    context = {
        "course": course,
        "role": role,
        "data": fs.session_feedback(course=course, session=session, now=timezone.now()),
        "can_rate": role == Role.INSTRUCTOR or course.ta_can_rate,
        "instructor_release": course.feedback_release == Course.FeedbackRelease.INSTRUCTOR,
    }
    return render(request, "presentations/feedback/session.html", context)


@course_view(roles=STAFF)
def feedback_students(request, course, role):
    context = {
        "course": course,
        "role": role,
        "rows": fs.students_credit(course=course, now=timezone.now()),
    }
    return render(request, "presentations/feedback/students.html", context)


@course_view(roles=STAFF)
def feedback_student(request, course, role, enrollment_id: int):
    student = get_object_or_404(
        Enrollment.objects.for_course(course).students().select_related("user"), pk=enrollment_id
    )
    student.course = course
    now = timezone.now()
    page = fs.student_feedback(student=student, now=now)
    excusals = list(
        FeedbackExcusal.objects.filter(student=student).select_related("session", "created_by")
    )
    context = {
        "course": course,
        "role": role,
        "student": student,
        "page": page,
        "now": now,
        "given": fs.feedback_given_by(reviewer=student),
        "excusals": excusals,
        "sessions": fs.presentation_sessions(course=course),
        "excused_ids": {e.session_id for e in excusals},
    }
    return render(request, "presentations/feedback/student.html", context)


@require_POST
@course_view(roles=STAFF)
def feedback_hide(request, course, role, feedback_id: int):
    feedback = _feedback(course, feedback_id)
    with refusal_as_message(request):
        services.feedback_hide(
            feedback=feedback,
            reason=request.POST.get("reason", ""),
            actor=request.user,
            via=Via.PAGE,
        )
        messages.success(
            request, f"Hidden: the feedback by {feedback.reviewer.user.get_username()}."
        )
    return _back(
        request,
        reverse(
            "presentations:feedback_session",
            args=[course.code, feedback.presentation.slot.meeting_id],
        ),
    )


@require_POST
@course_view(roles=STAFF)
def feedback_restore(request, course, role, feedback_id: int):
    feedback = _feedback(course, feedback_id)
    with refusal_as_message(request):
        services.feedback_restore(feedback=feedback, actor=request.user, via=Via.PAGE)
        messages.success(
            request, f"Restored: the feedback by {feedback.reviewer.user.get_username()}."
        )
    return _back(
        request,
        reverse(
            "presentations:feedback_session",
            args=[course.code, feedback.presentation.slot.meeting_id],
        ),
    )


@require_POST
@course_view(roles=[Role.INSTRUCTOR])
def feedback_excuse(request, course, role, enrollment_id: int):
    student = get_object_or_404(
        Enrollment.objects.for_course(course).select_related("user"), pk=enrollment_id
    )
    student.course = course
    session_id = request.POST.get("session", "")
    session = _session(course, int(session_id)) if session_id.isdigit() else None
    if session is None:
        messages.error(request, "Choose a session.")
    else:
        with refusal_as_message(request):
            services.feedback_excuse(
                student=student,
                session=session,
                reason=request.POST.get("reason", ""),
                actor=request.user,
                via=Via.PAGE,
            )
            messages.success(
                request,
                f"Excused: {student.user.get_username()} from session {session.session_number}.",
            )
    return redirect("presentations:feedback_student", course.code, student.pk)


@require_POST
@course_view(roles=[Role.INSTRUCTOR])
def feedback_unexcuse(request, course, role, excusal_id: int):
    excusal = get_object_or_404(
        FeedbackExcusal.objects.for_course(course).select_related("session", "student__user"),
        pk=excusal_id,
    )
    with refusal_as_message(request):
        services.feedback_unexcuse(excusal=excusal, actor=request.user, via=Via.PAGE)
        messages.success(
            request,
            f"Excusal withdrawn: {excusal.student.user.get_username()} owes session "
            f"{excusal.session.session_number} again.",
        )
    return redirect("presentations:feedback_student", course.code, excusal.student_id)


@require_POST
@course_view(roles=[Role.INSTRUCTOR])
def feedback_release(request, course, role, session_id: int):
    session = _session(course, session_id)
    with refusal_as_message(request):
        services.feedback_release(course=course, session=session, actor=request.user, via=Via.PAGE)
        messages.success(request, f"Released: the feedback of session {session.session_number}.")
    return redirect("presentations:feedback_session", course.code, session.pk)


@require_POST
@course_view(roles=[Role.INSTRUCTOR])
def feedback_allocate(request, course, role):
    with refusal_as_message(request):
        report = services.review_assignments_allocate(
            course=course, actor=request.user, via=Via.PAGE
        )
        messages.success(
            request,
            f"Reviewers allocated: {report.created} new, {report.removed} removed, "
            f"{report.kept} kept (already started).",
        )
    return redirect("presentations:feedback", course.code)
