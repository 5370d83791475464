"""Writes about people in a course: enrolment, roles, sections, withdrawals, admin access.

Every change goes through a function here, which checks the rule, writes the change and its
audit entry in one transaction. The roster import, the admin and the demo all call these,
so that "an instructor has admin access, and only while they teach something" holds
whichever way a role changed.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courseapp.audit import Via, audit_entry, audit_record, audit_record_many
from courseapp.errors import DomainError
from courseapp.models import Course, Enrollment, Role

INSTRUCTOR_GROUP = "Course instructors"

# What the instructors' group may do in the admin, in one place. The admin limits every
# model to the courses the instructor teaches. Rows a course file owns (the course and its
# policies, weeks, meetings, sessions and slots, categories, papers, questions, criteria and
# letters) are view-only: their one write path is a new version of the course file, uploaded
# on the course's admin page. History and audit models are never deletable here. A feature
# that adds a model adds its permissions to this list.
COURSE_FILE_MODELS = (
    ("courseapp", "course"),
    ("schedule", "week"),
    ("schedule", "meeting"),
    ("presentations", "category"),
    ("presentations", "paper"),
    ("presentations", "slot"),
    ("presentations", "feedbackquestion"),
    ("grading", "criterion"),
    ("grading", "lettergrade"),
)
INSTRUCTOR_PERMISSIONS: tuple[str, ...] = (
    "auth.view_user",
    "auth.change_user",
    *(f"{app}.view_{model}" for app, model in COURSE_FILE_MODELS),
    "courseapp.view_coursefileversion",
    "courseapp.view_enrollment",
    "courseapp.add_enrollment",
    "courseapp.change_enrollment",
    "courseapp.view_auditentry",
    "presentations.view_presentation",
    "presentations.change_presentation",
    "presentations.view_paperproposal",
    "presentations.change_paperproposal",
    "presentations.view_waitlistentry",
    "presentations.view_swaprequest",
    # Feedback is moderated on the course's feedback pages (hide, restore, excuse: services
    # with audit); the admin only shows it.
    "presentations.view_feedback",
    "presentations.view_feedbackexcusal",
    "presentations.view_reviewassignment",
    # Scores are written through the grade grid and the student's grade page (services
    # with history); the model admins only show them. History is never deleted.
    "grading.view_score",
    "grading.view_scorechange",
    "grading.view_release",
)


class EnrollmentError(DomainError):
    """A rule refused a change of someone's place in a course."""


def _permissions(names: Iterable[str]) -> list[Permission]:
    query = Q()
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query)) if query else []


def instructor_group() -> Group:
    """The instructors' group, holding exactly INSTRUCTOR_PERMISSIONS.

    A data migration creates it; this keeps it exact when the list changes or someone
    deleted the group or edited its permissions by hand.
    """
    group, _ = Group.objects.get_or_create(name=INSTRUCTOR_GROUP)
    wanted = {permission.pk for permission in _permissions(INSTRUCTOR_PERMISSIONS)}
    have = set(group.permissions.values_list("pk", flat=True))
    if wanted != have:
        group.permissions.set(wanted)
    return group


def admin_access_sync(
    *, users: Iterable, actor=None, via: str = Via.SYSTEM, group: Group | None = None
) -> list:
    """Give admin access to exactly the users who teach a course (or are superusers).

    Staff status and the instructors' group follow the user's active instructor enrolments:
    granted with the first, removed with the last (a superuser keeps staff status). Returns
    the users whose access changed; each change is audited.
    """
    users = list(users)
    if not users:
        return []
    group = group or instructor_group()
    teaching = set(
        Enrollment.objects.filter(
            user__in=users, role=Role.INSTRUCTOR, status=Enrollment.Status.ACTIVE
        ).values_list("user_id", flat=True)
    )
    in_group = set(
        get_user_model()
        .groups.through.objects.filter(user__in=users, group=group)
        .values_list("user_id", flat=True)
    )
    changed, entries = [], []
    for user in users:
        teaches = user.pk in teaching
        wants_staff = teaches or user.is_superuser
        if user.is_staff == wants_staff and (user.pk in in_group) == teaches:
            continue
        if user.is_staff != wants_staff:
            user.is_staff = wants_staff
            user.save(update_fields=["is_staff"])
        if teaches and user.pk not in in_group:
            user.groups.add(group)
        elif not teaches and user.pk in in_group:
            user.groups.remove(group)
        changed.append(user)
        entries.append(
            audit_entry(
                course=None,
                actor=actor,
                action="user.admin_access",
                via=via,
                obj=user,
                label=user.get_username(),
                old=not teaches,
                new=teaches,
            )
        )
    audit_record_many(entries)
    return changed


@transaction.atomic
def enrollment_create(
    *,
    user,
    course: Course,
    role: Role,
    actor,
    via: str,
    student_id: str = "",
    section: str = "",
) -> Enrollment:
    """Enrol a user in a course with a role; instructors get admin access."""
    if Enrollment.objects.filter(user=user, course=course).exists():
        raise EnrollmentError(
            "already_enrolled", f"{user.get_username()} is already enrolled in {course.code}."
        )
    enrollment = Enrollment(
        user=user, course=course, role=role, student_id=student_id, section=section
    )
    enrollment.full_clean(validate_constraints=False)
    enrollment.save()
    audit_record(
        course=course,
        actor=actor,
        action="enrollment.create",
        via=via,
        obj=enrollment,
        label=_label(enrollment),
        new={"role": role, "student_id": student_id, "section": section},
    )
    if role == Role.INSTRUCTOR:
        admin_access_sync(users=[user], actor=actor, via=via)
    return enrollment


@transaction.atomic
def enrollment_update(
    *,
    enrollment: Enrollment,
    actor,
    via: str,
    role: Role | None = None,
    student_id: str | None = None,
    section: str | None = None,
    reason: str = "",
) -> dict[str, tuple]:
    """Change a member's role, student id or section; returns {field: (old, new)}.

    A role change grants or removes admin access as the person's teaching now requires.
    """
    wanted = {"role": role, "student_id": student_id, "section": section}
    changes = {
        name: (getattr(enrollment, name), value)
        for name, value in wanted.items()
        if value is not None and getattr(enrollment, name) != value
    }
    if not changes:
        return {}
    for name, (_, value) in changes.items():
        setattr(enrollment, name, value)
    enrollment.full_clean(validate_constraints=False)
    enrollment.save(update_fields=list(changes))
    audit_record(
        course=enrollment.course,
        actor=actor,
        action="enrollment.role" if "role" in changes else "enrollment.update",
        via=via,
        obj=enrollment,
        label=_label(enrollment),
        old={name: old for name, (old, _) in changes.items()},
        new={name: new for name, (_, new) in changes.items()},
        reason=reason,
    )
    if "role" in changes:
        admin_access_sync(users=[enrollment.user], actor=actor, via=via)
    return changes


def enrollment_set_role(
    *, enrollment: Enrollment, role: Role, actor, via: str, reason: str = ""
) -> bool:
    """Set a member's role; returns whether it changed."""
    return bool(
        enrollment_update(enrollment=enrollment, role=role, actor=actor, via=via, reason=reason)
    )


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, actor, via: str, reason: str) -> Enrollment:
    """Withdraw a member: their data stays, they drop out of sign-up, lists and owed work."""
    reason = (reason or "").strip()
    if not reason:
        raise EnrollmentError("reason_required", "Say why the person is withdrawn.")
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("user", "course")
        .get(pk=enrollment.pk)
    )
    if enrollment.is_withdrawn:
        raise EnrollmentError("already_withdrawn", f"{_label(enrollment)} is already withdrawn.")
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.withdrawn_at = timezone.now()
    enrollment.withdrawal_reason = reason
    enrollment.save(update_fields=["status", "withdrawn_at", "withdrawal_reason"])
    audit_record(
        course=enrollment.course,
        actor=actor,
        action="enrollment.withdraw",
        via=via,
        obj=enrollment,
        label=_label(enrollment),
        old=Enrollment.Status.ACTIVE,
        new=Enrollment.Status.WITHDRAWN,
        reason=reason,
    )
    if enrollment.role == Role.INSTRUCTOR:
        admin_access_sync(users=[enrollment.user], actor=actor, via=via)
    return enrollment


@transaction.atomic
def enrollment_reinstate(
    *, enrollment: Enrollment, actor, via: str, reason: str = ""
) -> Enrollment:
    """Undo a withdrawal."""
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("user", "course")
        .get(pk=enrollment.pk)
    )
    if not enrollment.is_withdrawn:
        raise EnrollmentError("not_withdrawn", f"{_label(enrollment)} is not withdrawn.")
    enrollment.status = Enrollment.Status.ACTIVE
    enrollment.withdrawn_at = None
    enrollment.withdrawal_reason = ""
    enrollment.save(update_fields=["status", "withdrawn_at", "withdrawal_reason"])
    audit_record(
        course=enrollment.course,
        actor=actor,
        action="enrollment.reinstate",
        via=via,
        obj=enrollment,
        label=_label(enrollment),
        old=Enrollment.Status.WITHDRAWN,
        new=Enrollment.Status.ACTIVE,
        reason=reason,
    )
    if enrollment.role == Role.INSTRUCTOR:
        admin_access_sync(users=[enrollment.user], actor=actor, via=via)
    return enrollment


def _label(enrollment: Enrollment) -> str:
    return f"{enrollment.user.get_username()} in {enrollment.course.code}"
