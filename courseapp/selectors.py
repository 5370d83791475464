"""Reads behind the home page, the course dashboard and the account page."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum
from django.urls import reverse
from rest_framework.authtoken.models import Token

from courseapp.models import Course, Enrollment, FeedKey, Role
from grading.models import Criterion
from presentations.models import Paper, Slot
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


def _your_presentation(ctx: DashboardContext) -> Card:
    course = ctx.course
    slots = Slot.objects.for_course(course).aggregate(
        places=Sum("capacity"), sessions=Count("meeting", distinct=True)
    )
    opens_at = course.signup_opens_at
    return Card(
        "your_presentation",
        "Your presentation",
        {
            "signup_opens_at": opens_at,
            "signup_open": opens_at is not None and opens_at <= ctx.now,
            "places": slots["places"] or 0,
            "sessions": slots["sessions"],
            "papers": Paper.objects.for_course(course).count(),
            "freeze_hours": course.signup_freeze_hours,
        },
    )


def _feedback_to_give(ctx: DashboardContext) -> Card:
    return Card(
        "feedback_to_give",
        "Feedback to give",
        {
            "window_hours": ctx.course.feedback_window_hours,
            "free_misses": ctx.course.feedback_free_misses,
        },
    )


def _your_grades(ctx: DashboardContext) -> Card:
    parts = list(Criterion.objects.for_course(ctx.course).parts().order_by("position", "pk"))
    return Card("your_grades", "Your grades", {"parts": parts})


def _class_progress(ctx: DashboardContext) -> Card:
    students = Enrollment.objects.for_course(ctx.course).students().count()
    progress = presentation_progress(course=ctx.course, now=ctx.now)
    return Card(
        "class_progress",
        "Class progress",
        {"students": students, "sessions_held": progress.held, "sessions_total": progress.total},
    )


def _gradebook_export(ctx: DashboardContext) -> Card:
    leaves = Criterion.objects.for_course(ctx.course).leaves().count()
    return Card("gradebook_export", "Gradebook export", {"leaves": leaves})


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
