"""Enrolment services: roles and admin access, withdrawals, and the admin around them."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from conftest import enrol, make_user
from courseapp.enrollments import (
    INSTRUCTOR_GROUP,
    INSTRUCTOR_PERMISSIONS,
    EnrollmentError,
    admin_access_sync,
    enrollment_create,
    enrollment_reinstate,
    enrollment_set_role,
    enrollment_withdraw,
    instructor_group,
)
from courseapp.models import AuditEntry, Enrollment, Role

User = get_user_model()


def enrolment_of(user) -> Enrollment:
    return Enrollment.objects.select_related("user", "course").get(user=user)


def test_admin_access_follows_instructor_enrolments(course, instructor):
    assert admin_access_sync(users=[instructor]) == [instructor]
    assert admin_access_sync(users=[instructor]) == []
    instructor.refresh_from_db()
    assert instructor.is_staff
    assert list(instructor.groups.values_list("name", flat=True)) == [INSTRUCTOR_GROUP]


def test_a_superuser_keeps_staff_status_without_teaching(db, superuser):
    admin_access_sync(users=[superuser])

    superuser.refresh_from_db()
    assert superuser.is_staff


def test_the_instructors_group_holds_exactly_the_listed_permissions(db):
    group = Group.objects.get(name=INSTRUCTOR_GROUP)  # made by migrate
    names = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }

    assert names == set(INSTRUCTOR_PERMISSIONS)
    assert not any(name.endswith("_auditentry") and "view" not in name for name in names)
    assert "auth.add_user" not in names


def test_the_group_is_rebuilt_when_deleted_or_edited(db):
    Group.objects.filter(name=INSTRUCTOR_GROUP).delete()
    group = instructor_group()
    group.permissions.add(*group.permissions.model.objects.filter(codename="delete_user"))

    group = instructor_group()

    assert not group.permissions.filter(codename="delete_user").exists()
    assert group.permissions.filter(codename="change_enrollment").exists()


def test_enrolling_an_instructor_grants_access_and_is_audited(course, instructor):
    user = make_user("ingrid")

    enrollment_create(user=user, course=course, role=Role.INSTRUCTOR, actor=instructor, via="admin")

    user.refresh_from_db()
    assert user.is_staff
    assert list(
        AuditEntry.objects.exclude(action="course_file.load")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == [
        "enrollment.create",
        "user.admin_access",
    ]


def test_enrolling_twice_is_refused(course, student, instructor):
    with pytest.raises(EnrollmentError) as caught:
        enrollment_create(
            user=student, course=course, role=Role.STUDENT, actor=instructor, via="admin"
        )

    assert caught.value.code == "already_enrolled"


def test_a_role_change_writes_old_and_new(course, student, instructor):
    assert enrollment_set_role(
        enrollment=enrolment_of(student), role=Role.TA, actor=instructor, via="admin"
    )
    assert not enrollment_set_role(
        enrollment=enrolment_of(student), role=Role.TA, actor=instructor, via="admin"
    )

    entry = AuditEntry.objects.exclude(action="course_file.load").get(action="enrollment.role")
    assert (entry.old, entry.new, entry.course_id) == (
        {"role": "student"},
        {"role": "ta"},
        course.pk,
    )


def test_staff_status_stays_while_another_course_is_taught(course, other_course, instructor):
    enrol(instructor, other_course, Role.INSTRUCTOR)
    admin_access_sync(users=[instructor])

    enrollment_set_role(
        enrollment=Enrollment.objects.get(user=instructor, course=course),
        role=Role.STUDENT,
        actor=None,
        via="admin",
    )

    instructor.refresh_from_db()
    assert instructor.is_staff


def test_withdrawal_keeps_the_enrolment_and_can_be_undone(course, student, instructor):
    enrollment_withdraw(
        enrollment=enrolment_of(student), actor=instructor, via="admin", reason="Left the course"
    )

    enrolment = enrolment_of(student)
    assert enrolment.is_withdrawn
    assert enrolment.withdrawal_reason == "Left the course"
    assert enrolment.withdrawn_at is not None
    assert not Enrollment.objects.for_course(course).active().filter(user=student).exists()

    enrollment_reinstate(enrollment=enrolment, actor=instructor, via="admin")

    assert not enrolment_of(student).is_withdrawn
    assert list(
        AuditEntry.objects.exclude(action="course_file.load")
        .order_by("pk")
        .values_list("action", "reason", "actor_label")
    ) == [
        ("enrollment.withdraw", "Left the course", "prof"),
        ("enrollment.reinstate", "", "prof"),
    ]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (
            lambda e, a: enrollment_withdraw(enrollment=e, actor=a, via="admin", reason=" "),
            "reason_required",
        ),
        (lambda e, a: enrollment_reinstate(enrollment=e, actor=a, via="admin"), "not_withdrawn"),
    ],
)
def test_refused_withdrawal_changes_change_nothing(course, student, instructor, call, code):
    with pytest.raises(EnrollmentError) as caught:
        call(enrolment_of(student), instructor)

    assert caught.value.code == code
    assert not enrolment_of(student).is_withdrawn
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_withdrawing_twice_is_refused(course, student, instructor):
    enrollment_withdraw(enrollment=enrolment_of(student), actor=instructor, via="admin", reason="x")

    with pytest.raises(EnrollmentError) as caught:
        enrollment_withdraw(
            enrollment=enrolment_of(student), actor=instructor, via="admin", reason="y"
        )

    assert caught.value.code == "already_withdrawn"
    assert enrolment_of(student).withdrawal_reason == "x"


def test_withdrawing_an_instructor_removes_admin_access(course, staff_instructor):
    enrollment_withdraw(
        enrollment=enrolment_of(staff_instructor), actor=None, via="admin", reason="Sabbatical"
    )

    staff_instructor.refresh_from_db()
    assert not staff_instructor.is_staff


# --- the admin ----------------------------------------------------------------------------


def test_the_admin_withdraws_with_a_reason_after_a_confirmation_page(
    course, student, other_student, staff_instructor, client_of
):
    client = client_of(staff_instructor)
    selected = [enrolment_of(student).pk, enrolment_of(other_student).pk]
    data = {"action": "withdraw", "_selected_action": selected}

    confirm = client.post("/admin/courseapp/enrollment/", data)
    assert confirm.status_code == 200
    assert "Withdraw 2 enrollments" in confirm.content.decode()
    assert not Enrollment.objects.filter(status="withdrawn").exists()

    missing_reason = client.post("/admin/courseapp/enrollment/", {**data, "confirm": "Withdraw"})
    assert missing_reason.context["form"].errors == {"reason": ["This field is required."]}
    assert not Enrollment.objects.filter(status="withdrawn").exists()

    done = client.post(
        "/admin/courseapp/enrollment/", {**data, "confirm": "Withdraw", "reason": "Dropped out"}
    )
    assert done.status_code == 302
    assert Enrollment.objects.filter(status="withdrawn").count() == 2
    assert AuditEntry.objects.filter(action="enrollment.withdraw").count() == 2


def test_the_admin_cannot_withdraw_another_courses_people(
    course, staff_instructor, outsider, client_of
):
    other = Enrollment.objects.get(user=outsider)

    client_of(staff_instructor).post(
        "/admin/courseapp/enrollment/",
        {
            "action": "withdraw",
            "_selected_action": [other.pk],
            "confirm": "Withdraw",
            "reason": "x",
        },
    )

    assert not Enrollment.objects.get(pk=other.pk).is_withdrawn


def test_nobody_deletes_an_enrolment_in_the_admin(course, student, superuser, client_of):
    response = client_of(superuser).get(
        f"/admin/courseapp/enrollment/{enrolment_of(student).pk}/delete/"
    )

    assert response.status_code == 403


def test_an_enrolment_added_in_the_admin_goes_through_the_service(course, superuser, client_of):
    carol = make_user("carol")

    response = client_of(superuser).post(
        "/admin/courseapp/enrollment/add/",
        {"course": course.pk, "user": carol.pk, "role": Role.TA, "student_id": "", "section": ""},
    )

    assert response.status_code == 302
    assert enrolment_of(carol).role == Role.TA
    assert AuditEntry.objects.filter(action="enrollment.create", actor=superuser).exists()
