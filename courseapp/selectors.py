"""Reads behind the home page, the course dashboard, the account page and the course file's
versions."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from rest_framework.authtoken.models import Token

from courseapp.models import Course, CourseFileVersion, Enrollment, FeedKey, Role
from grading.models import Criterion, Release
from grading.selectors import student_grades
from presentations.feedback_selectors import received_feedback, student_feedback, window_closes
from presentations.models import Paper, PaperPreference, Slot
from presentations.selectors import MySwaps, my_swaps, my_talks, my_waiting, papers_open
from schedule.selectors import presentation_progress, upcoming_meetings


@dataclass(frozen=True)
class MyCourse:
    course: Course
    role: Role


@dataclass(frozen=True)
class HomeCourses:
    mine: list[MyCourse]
    others: list[Course]


def home_courses(*, user) -> HomeCourses:
    """The courses the visitor may see: their own (with their role) first, then the rest.

    Two queries whatever the number of courses.
    """
    visible = list(Course.objects.visible_to(user).order_by("title", "term", "code"))
    roles = {}
    if user.is_authenticated:
        roles = dict(Enrollment.objects.filter(user=user).values_list("course_id", "role"))
    return HomeCourses(
        mine=[MyCourse(course=c, role=Role(roles[c.pk])) for c in visible if c.pk in roles],
        others=[c for c in visible if c.pk not in roles],
    )


@dataclass(frozen=True)
class AccountOverview:
    api_token: Token | None
    feed_key: FeedKey | None
    courses: list[MyCourse]


def account_overview(*, user) -> AccountOverview:
    """What the account page shows its owner: their credentials and their courses.

    Three queries whatever the number of courses.
    """
    enrolments = (
        Enrollment.objects.filter(user=user)
        .select_related("course")
        .order_by("course__title", "course__term", "course__code")
    )
    return AccountOverview(
        api_token=Token.objects.filter(user=user).first(),
        feed_key=FeedKey.objects.filter(user=user).first(),
        courses=[MyCourse(course=e.course, role=Role(e.role)) for e in enrolments],
    )


def feed_key_of(*, user) -> str | None:
    """The user's calendar feed key, or None before they have asked for one."""
    if not user.is_authenticated:
        return None
    return FeedKey.objects.filter(user=user).values_list("key", flat=True).first()


# The dashboard is a list of cards. Each card is a template under
# templates/courseapp/cards/ and a function that gathers its data; a later feature adds its
# card by writing both and listing the function in DASHBOARD_CARDS for the roles that see it.


@dataclass
class Card:
    key: str
    title: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"courseapp/cards/{self.key}.html"


@dataclass(frozen=True)
class DashboardContext:
    course: Course
    role: Role
    user: Any
    now: dt.datetime


def _next_meetings(ctx: DashboardContext) -> Card:
    rows = upcoming_meetings(course=ctx.course, now=ctx.now, limit=3)
    return Card("next_meetings", "Next in class", {"rows": rows})


@dataclass(frozen=True)
class TalkLine:
    """One talk the student gives, as the dashboard shows it; paper and slot may be None."""

    number: int
    paper: Paper | None
    slot: Slot | None


def _your_presentation(ctx: DashboardContext) -> Card:
    """The student's talks (paper and slot), waitlists and swaps, and what to do next.

    Three to six queries whatever the size of the class: the waitlist, swap and ranking
    queries run only when they can find something.
    """
    course = ctx.course
    student = Enrollment.objects.get(course=course, user=ctx.user)
    student.course = course
    talks = {talk.number: talk for talk in my_talks(student=student)}
    lines = []
    for number in range(1, course.talks_for(student) + 1):
        # A talk's row is made at its first claim or booking: until then it has neither.
        talk = talks.get(number)
        lines.append(TalkLine(number, talk and talk.paper, talk and talk.slot))
    needs_paper = any(line.paper is None for line in lines)
    needs_slot = any(line.slot is None for line in lines)
    # Only a talk row without a slot can wait; only a booked one can be in a swap.
    waits = any(talk.slot_id is None for talk in talks.values())
    swaps = any(talk.slot_id is not None for talk in talks.values())
    ranking = course.paper_assignment == Course.PaperAssignment.PREFERENCES
    opens_at = course.signup_opens_at
    pending = my_swaps(student=student) if swaps else MySwaps(incoming=[], outgoing=[])
    # The feedback received, once a talk's feedback may be released (its window closed, or
    # the instructor releases): read only then.
    may_show = any(
        talk.slot is not None
        and (
            course.feedback_release == Course.FeedbackRelease.INSTRUCTOR
            or window_closes(_with_course(talk.slot.meeting, course)) <= ctx.now
        )
        for talk in talks.values()
    )
    received = received_feedback(student=student, now=ctx.now) if may_show else []
    return Card(
        "your_presentation",
        "Your presentation",
        {
            "withdrawn": student.is_withdrawn,
            "talks": lines,
            "several": len(lines) > 1,
            "needs_paper": needs_paper,
            "needs_slot": needs_slot,
            "ranking": ranking,
            "papers_open": papers_open(course=course, now=ctx.now),
            "papers_close_at": course.papers_close_at,
            "ranked": PaperPreference.objects.filter(student=student).count()
            if ranking and needs_paper
            else None,
            "preferences_max": course.preferences_max,
            "signup_opens_at": opens_at,
            "signup_open": opens_at is not None and opens_at <= ctx.now,
            "waiting": my_waiting(student=student) if waits else [],
            "swaps_in": pending.incoming,
            "swaps_out": pending.outgoing,
            "papers_url": reverse("presentations:papers", args=[course.code]),
            "slots_url": reverse("presentations:slots", args=[course.code]),
            "programme_url": reverse("presentations:programme", args=[course.code]),
            "received": [item for item in received if item.released],
            "received_url": reverse("presentations:feedback_received", args=[course.code]),
        },
    )


def _with_course(meeting, course: Course):
    meeting.course = course
    return meeting


def _feedback_to_give(ctx: DashboardContext) -> Card:
    """The number of talks whose feedback window is open and the student has not reviewed,
    and the next deadline among them (four queries)."""
    course = ctx.course
    student = Enrollment.objects.select_related("user").get(course=course, user=ctx.user)
    student.course = course
    page = student_feedback(student=student, now=ctx.now)
    return Card(
        "feedback_to_give",
        "Feedback to give",
        {
            "window_hours": course.feedback_window_hours,
            "free_misses": course.feedback_free_misses,
            "todo": len(page.todo),
            "next_closes": min((item.closes for item in page.todo), default=None),
            "upcoming": len(page.upcoming),
            "credit": page.credit,
            "url": reverse("presentations:feedback", args=[course.code]),
        },
    )


def _your_grades(ctx: DashboardContext) -> Card:
    """The parts of the grade; once one is released, the student's totals of the released
    ones (the gradebook's fixed queries, only then)."""
    course = ctx.course
    parts = list(
        Criterion.objects.for_course(course)
        .parts()
        .annotate(released=Exists(Release.objects.filter(part=OuterRef("pk"))))
        .order_by("position", "pk")
    )
    grades = None
    if any(part.released for part in parts):
        enrollment = Enrollment.objects.select_related("user").get(course=course, user=ctx.user)
        grades = student_grades(course=course, enrollment=enrollment)
    return Card(
        "your_grades",
        "Your grades",
        {
            "parts": parts,
            "grades": grades,
            "url": reverse("grading:my_grades", args=[course.code]),
        },
    )


def _class_progress(ctx: DashboardContext) -> Card:
    students = Enrollment.objects.for_course(ctx.course).students().count()
    progress = presentation_progress(course=ctx.course, now=ctx.now)
    return Card(
        "class_progress",
        "Class progress",
        {"students": students, "sessions_held": progress.held, "sessions_total": progress.total},
    )


def _gradebook_export(ctx: DashboardContext) -> Card:
    course = ctx.course
    # One query: the leaves, and the scores on them.
    counts = (
        Criterion.objects.for_course(course)
        .leaves()
        .aggregate(leaves=Count("pk", distinct=True), scores=Count("scores"))
    )
    export = reverse("grading:gradebook_export", args=[course.code])
    return Card(
        "gradebook_export",
        "Gradebook export",
        {
            "leaves": counts["leaves"],
            "scores": counts["scores"],
            "gradebook_url": reverse("grading:gradebook", args=[course.code]),
            "statistics_url": reverse("grading:statistics", args=[course.code]),
            "downloads": [
                ("CSV", f"{export}?format=csv"),
                ("Excel", f"{export}?format=xlsx"),
                ("Canvas", f"{export}?format=canvas&items=leaves"),
            ],
        },
    )


def _manage_course(ctx: DashboardContext) -> Card:
    url = reverse("admin:courseapp_course_change", args=[ctx.course.pk])
    return Card("manage_course", "Manage this course", {"admin_url": url})


CardBuilder = Callable[[DashboardContext], Card]

_STUDENT_CARDS: list[CardBuilder] = [_your_presentation, _feedback_to_give, _your_grades]
_STAFF_CARDS: list[CardBuilder] = [_class_progress, _gradebook_export]

DASHBOARD_CARDS: dict[Role, list[CardBuilder]] = {
    Role.STUDENT: [_next_meetings, *_STUDENT_CARDS],
    Role.TA: [_next_meetings, *_STAFF_CARDS],
    Role.INSTRUCTOR: [_next_meetings, *_STAFF_CARDS, _manage_course],
}


def dashboard_cards(*, course: Course, role: Role, user, now: dt.datetime) -> list[Card]:
    """The cards a member with this role sees on the course dashboard, in order."""
    ctx = DashboardContext(course=course, role=role, user=user, now=now)
    return [build(ctx) for build in DASHBOARD_CARDS[role]]


def course_file_versions(*, course: Course):
    """The course's kept file versions, newest first, with who loaded each (one query)."""
    return (
        CourseFileVersion.objects.filter(course=course)
        .select_related("loaded_by")
        .order_by("-number")
    )


def course_file_current(*, course: Course) -> CourseFileVersion | None:
    """The version last loaded: the course's current file, for downloading it."""
    return course_file_versions(course=course).first()
