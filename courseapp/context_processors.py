"""What the base layout's navigation needs: the course in view and what the user may do there."""

from dataclasses import dataclass

from django.urls import reverse

from courseapp.models import Role


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool = False


def _course_links(request, course, role: Role | None) -> list[NavLink]:
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""

    def link(label: str, name: str) -> NavLink:
        return NavLink(label, reverse(name, args=[course.code]), view_name == name)

    # Visitors of a public course read its schedule, papers and programme; the dashboard
    # and the slots (where students book) are for members.
    links = [link("Schedule", "schedule:course")]
    if role is not None:
        links.append(link("Dashboard", "courseapp:dashboard"))
    links.append(link("Papers", "presentations:papers"))
    if role is not None:
        links.append(link("Slots", "presentations:slots"))
    links.append(link("Programme", "presentations:programme"))
    if role is not None:
        links.append(link("Feedback", "presentations:feedback"))
    if role == Role.STUDENT:
        links.append(link("Grades", "grading:my_grades"))
    if role in (Role.TA, Role.INSTRUCTOR):
        links.append(link("Gradebook", "grading:gradebook"))
        links.append(link("Statistics", "grading:statistics"))
    if role == Role.INSTRUCTOR:
        links.append(
            NavLink("Manage in admin", reverse("admin:courseapp_course_change", args=[course.pk]))
        )
    return links


def course_navigation(request):
    """The course in view, the user's role in it, and the links that role may follow.

    Course pages put the course and role on the request (`request.course`,
    `request.course_role`) once they have checked access; this reads them and runs no query.
    """
    course = getattr(request, "course", None)
    role = getattr(request, "course_role", None) if course is not None else None
    return {
        "nav_course": course,
        "nav_role": role,
        "nav_links": _course_links(request, course, role) if course is not None else [],
    }
