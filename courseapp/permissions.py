"""Per-course role checks, in one place for HTML views, DRF views and the admin.

A role is held in one course only: a TA of course A has no rights in course B. A user who is
not a member of a course gets 404 for its private resources (no hint that it exists); a
member without the right role gets 403. Superusers act as instructors everywhere.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404
from rest_framework import permissions

from courseapp.models import Course, Enrollment, Role


def _known_roles(user) -> dict[int, Role | None]:
    """The roles already read for this user during this request, by course id."""
    cache = getattr(user, "_course_roles", None)
    if cache is None:
        cache = user._course_roles = {}
    return cache


def role_in(*, user, course: Course) -> Role | None:
    """The user's role in the course, or None for a non-member."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.INSTRUCTOR
    cache = _known_roles(user)
    if course.pk not in cache:
        role = (
            Enrollment.objects.filter(user=user, course=course)
            .values_list("role", flat=True)
            .first()
        )
        cache[course.pk] = Role(role) if role else None
    return cache[course.pk]


def _course_with_role(*, user, **lookup) -> Course | None:
    """The course matching `lookup`, read together with the user's role in it (one query:
    every page and API view starts here), which `role_in` then answers from memory."""
    courses = Course.objects.filter(**lookup)
    if user.is_authenticated and not user.is_superuser:
        enrolment = Enrollment.objects.filter(user=user, course=OuterRef("pk"))
        courses = courses.annotate(viewer_role=Subquery(enrolment.values("role")[:1]))
    course = courses.first()
    if course is not None and hasattr(course, "viewer_role"):
        _known_roles(user)[course.pk] = Role(course.viewer_role) if course.viewer_role else None
    return course


def course_for_member(
    *, user, code: str, roles: Iterable[Role] | None = None
) -> tuple[Course, Role]:
    """The course with this code and the user's role in it, for a member's page.

    Raises Http404 when the course does not exist or the user is not a member, and
    PermissionDenied when the user is a member without one of `roles`.
    """
    course = _course_with_role(user=user, code=code)
    role = role_in(user=user, course=course) if course else None
    if course is None or role is None:
        raise Http404("No such course.")
    if roles is not None and role not in set(roles):
        raise PermissionDenied("Your role in this course does not allow this.")
    return course, role


class SignInRequired(Exception):
    """An anonymous visitor asked for something only members may see."""


def course_for_reader(*, user, code: str) -> tuple[Course, Role | None]:
    """The course whose schedule `user` may read, and their role in it (None for visitors).

    A public course's schedule is open to anyone. Otherwise: SignInRequired for an
    anonymous visitor and Http404 for a signed-in non-member, whether or not the code names
    a real course, so that neither answer reveals which private courses exist.
    """
    course = _course_with_role(user=user, code=code, schedule_public=True)
    if course is not None:
        return course, role_in(user=user, course=course)
    if not user.is_authenticated:
        raise SignInRequired
    return course_for_member(user=user, code=code)


def courses_taught_by(user):
    """Courses whose data the user may manage in the admin."""
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(
        enrollments__user=user, enrollments__role=Role.INSTRUCTOR
    ).distinct()


class CourseRolePermission(permissions.BasePermission):
    """DRF permission for views under /api/courses/{code}/.

    The view sets `allowed_roles` (None means any member). Resolves the course once and
    leaves it on the request as `request.course` and `request.course_role`.
    """

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False  # DRF turns this into 401 not_authenticated
        roles = getattr(view, "allowed_roles", None)
        course, role = course_for_member(user=request.user, code=view.kwargs["code"], roles=roles)
        request.course, request.course_role = course, role
        return True


class PublicCourseOrMemberPermission(permissions.BasePermission):
    """Reads of a public course are open to anyone; everything else as for members.

    As `course_for_reader`, with 401 for an anonymous visitor. Leaves `request.course` and
    `request.course_role` (None for a visitor who is not a member) like CourseRolePermission.
    """

    def has_permission(self, request, view) -> bool:
        if request.method not in permissions.SAFE_METHODS:
            return CourseRolePermission().has_permission(request, view)
        try:
            request.course, request.course_role = course_for_reader(
                user=request.user, code=view.kwargs["code"]
            )
        except SignInRequired:
            return False  # DRF turns this into 401 not_authenticated
        return True
