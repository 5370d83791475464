"""course_view: one way for every page to find its course and check the role."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from courseapp.errors import DomainError
from courseapp.models import Role
from courseapp.pages import course_view, refusal_as_message


@course_view(roles=[Role.INSTRUCTOR, Role.TA])
def staff_page(request, course, role):
    return HttpResponse(f"{course.code} {role} {timezone.get_current_timezone_name()}")


@course_view(public=True)
def public_page(request, course, role):
    return HttpResponse(f"{course.code} {role}")


def call(view, user, code):
    request = RequestFactory().get(f"/courses/{code}/x/")
    request.user = user
    return view(request, code=code)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("instructor", 200),
        ("ta", 200),
        ("student", 403),
        ("other_student", 403),
        ("outsider", 404),
    ],
)
def test_course_view_admits_the_roles_it_names(request, course, who, status):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    user = request.getfixturevalue(who)
    if status == 200:
        response = call(staff_page, user, course.code)
        # The view runs in the course's time zone.
        assert response.content.decode() == f"seminar {who} Asia/Hong_Kong"
    else:
        with pytest.raises(PermissionDenied if status == 403 else Http404):
            call(staff_page, user, course.code)


def test_an_unknown_course_is_the_same_404_as_a_stranger_gets(outsider):
    from django.http import Http404

    with pytest.raises(Http404):
        call(staff_page, outsider, "no-such-course")


def test_anonymous_visitors_are_sent_to_log_in(course):
    from django.contrib.auth.models import AnonymousUser

    response = call(staff_page, AnonymousUser(), course.code)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_public_page_of_a_public_course_is_open_to_visitors(db):
    from django.contrib.auth.models import AnonymousUser

    from conftest import load_course_text, small_course_text

    course = load_course_text(small_course_text(code="open", public=True))

    assert call(public_page, AnonymousUser(), course.code).content == b"open None"


@pytest.mark.parametrize(
    "error",
    [DomainError("slot_full", "This slot is full."), ValidationError("This slot is full.")],
)
def test_a_refusal_becomes_a_message(rf, error):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)

    with refusal_as_message(request):
        raise error

    assert [str(message) for message in get_messages(request)] == ["This slot is full."]
