"""What every HTML page of a course shares: finding the course, checking the role, showing
a refused action as a message.

    @course_view(roles=[Role.STUDENT])
    def slot_sign_up(request, course, role, slot_id): ...

`course_view` looks the course up by the `code` of the URL, answers as the rest of the app
does (a signed-in non-member gets 404, whether or not the course exists; a member without
one of `roles` gets 403; an anonymous visitor is sent to log in, unless `public` admits the
visitors of a public course) and calls the view with `course` and `role` instead of `code`,
in the course's time zone. `request.course` and `request.course_role` feed the navigation.
"""

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.utils import timezone

from courseapp.errors import DomainError
from courseapp.models import Role
from courseapp.permissions import SignInRequired, course_for_member, course_for_reader


def course_view(*, roles: Iterable[Role] | None = None, public: bool = False) -> Callable:
    allowed = frozenset(roles) if roles is not None else None

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request, code: str, *args, **kwargs):
            try:
                if public and allowed is None:
                    course, role = course_for_reader(user=request.user, code=code)
                elif not request.user.is_authenticated:
                    raise SignInRequired
                else:
                    course, role = course_for_member(user=request.user, code=code, roles=allowed)
            except SignInRequired:
                return redirect_to_login(request.get_full_path())
            request.course, request.course_role = course, role
            # Dates and times on the page follow the course's clock, not the server's; a
            # lazy response is rendered here, inside that clock.
            with timezone.override(course.tzinfo):
                response = view(request, *args, course=course, role=role, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
            return response

        return wrapper

    return decorate


@contextmanager
def refusal_as_message(request) -> Iterator[None]:
    """Turn a refused action into an error message on the next page.

    The service has changed nothing (its transaction rolled back), so the view goes on to
    redirect or render as usual and the message says why nothing happened.
    """
    try:
        yield
    except DomainError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
