"""The cross-course account takeover, tried step by step as the other course's instructor.

Course B's instructor uploads a roster for B naming people of course A (a student, a TA, an
instructor, a superuser) with the attacker's e-mail address, then tries to set their
passwords or change their e-mail in the admin. Each step must fail, and says which failed.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import enrol, make_user
from courseapp.enrollments import admin_access_sync
from courseapp.models import Role

User = get_user_model()
HEADER = "username,email,first_name,last_name,role,student_id"
ATTACKER_PASSWORD = "attacker-chose-this-42"


@pytest.fixture
def attacker(other_course):
    user = make_user("otherprof")
    enrol(user, other_course, Role.INSTRUCTOR)
    admin_access_sync(users=[user])
    return user


@pytest.fixture
def victims(student, ta, instructor, superuser, course):
    enrol(superuser, course, Role.STUDENT)
    return [student, ta, instructor, superuser]


def test_the_other_courses_instructor_cannot_take_over_any_account(
    attacker, victims, other_course, client_of
):
    client = client_of(attacker)
    before = {user.pk: (user.email, user.first_name, user.password) for user in victims}
    rows = [
        f"{user.username},evil+{user.username}@attacker.example,Evil,Twin,student,"
        for user in victims
    ]
    upload = SimpleUploadedFile("roster.csv", "\n".join([HEADER, *rows]).encode())
    roster_url = reverse("admin:courseapp_course_roster_import", args=[other_course.pk])

    # Step 1: the roster preview enrols them but says their details are kept ...
    preview = client.post(roster_url, {"file": upload})
    assert preview.status_code == 200, "step 1: the preview of the attacker's roster failed"
    kept = preview.context["report"].kept
    for user in victims:
        assert any(line.startswith(f"{user.username}'s email") for line in kept), (
            f"step 1: the preview would rewrite {user.username}'s e-mail"
        )
    # ... and applying it changes no account.
    applied = client.post(roster_url, {"apply": "Apply", **preview.context["apply_form"].initial})
    assert applied.status_code == 302, "step 1: applying the roster failed"
    for user in victims:
        user.refresh_from_db()
        assert (user.email, user.first_name, user.password) == before[user.pk], (
            f"step 1: the roster import changed {user.username}'s account"
        )
        assert user.enrollments.filter(course=other_course).exists()

    # Step 2: the admin's set-password form is closed to the attacker.
    for user in victims:
        url = f"/admin/auth/user/{user.pk}/password/"
        new = {"password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD}
        assert client.get(url).status_code == 403, f"step 2: password form open for {user}"
        assert client.post(url, new).status_code == 403, f"step 2: password set for {user}"
        user.refresh_from_db()
        assert not user.check_password(ATTACKER_PASSWORD), f"step 2: {user} has a new password"

    # Step 3: nor can the attacker point the e-mail (where reset links go) elsewhere.
    for user in victims:
        url = f"/admin/auth/user/{user.pk}/change/"
        response = client.post(
            url, {"first_name": "Evil", "last_name": "Twin", "email": "evil@attacker.example"}
        )
        assert response.status_code in (403, 404), f"step 3: {user}'s details were editable"
        user.refresh_from_db()
        assert user.email == before[user.pk][0], f"step 3: {user}'s e-mail changed"

    # Step 4: so signing in as any of them with the attacker's password fails.
    for user in victims:
        response = Client().post(
            reverse("login"), {"username": user.username, "password": ATTACKER_PASSWORD}
        )
        assert response.status_code == 200, f"step 4: signed in as {user}"
        assert "_auth_user_id" not in response.wsgi_request.session, f"step 4: signed in as {user}"
