"""The schedule page and its iCalendar feed.

Who may read a schedule: anyone when the course is public, otherwise its members. A signed-in
stranger gets 404 and an anonymous visitor is sent to log in, whether or not the code names
a real course, so that neither answer reveals which private courses exist.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from courseapp.permissions import SignInRequired, course_for_member, course_for_reader
from grading.selectors import letter_scale, rubric_tree
from schedule.ical import course_calendar
from schedule.selectors import course_schedule


def course_page(request, code: str):
    try:
        course, role = course_for_reader(user=request.user, code=code)
    except SignInRequired:
        return redirect_to_login(request.get_full_path())
    request.course, request.course_role = course, role

    feed_url = request.build_absolute_uri(reverse("schedule:ical", args=[course.code]))
    has_token = None
    if not course.schedule_public:
        # Calendar apps cannot log in: a private course's feed needs the member's token.
        token = Token.objects.filter(user=request.user).values_list("key", flat=True).first()
        has_token = token is not None
        feed_url = f"{feed_url}?{urlencode({'token': token})}" if token else None

    # Dates and "this week" follow the course's clock, not the server's.
    with timezone.override(course.tzinfo):
        weeks = course_schedule(course=course, today=timezone.localdate())
        context = {
            "course": course,
            "role": role,
            "weeks": weeks,
            "current_week": next((row.week for row in weeks if row.is_current), None),
            "rubric": rubric_tree(course=course),
            "letters": letter_scale(course=course),
            "dashboard_url": reverse("courseapp:dashboard", args=[course.code]),
            "feed_url": feed_url,
            "needs_calendar_link": has_token is False,
        }
        return render(request, "schedule/course.html", context)


def _feed_user(request):
    """Who is asking for the feed: the owner of `?token=` when given, else the session user."""
    key = request.GET.get("token")
    if not key:
        return request.user
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        # A wrong token must not reveal whether the course exists either.
        raise Http404("No such course.")
    return token.user


def ical_feed(request, code: str):
    try:
        course, _role = course_for_reader(user=_feed_user(request), code=code)
    except SignInRequired:
        return redirect_to_login(request.get_full_path())
    course_url = request.build_absolute_uri(reverse("schedule:course", args=[course.code]))
    weeks = course_schedule(course=course, today=timezone.localdate(timezone=course.tzinfo))
    body = course_calendar(course=course, weeks=weeks, course_url=course_url)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{course.code}.ics"'
    if not course.schedule_public:
        # The address carries a personal token: keep it out of shared caches.
        response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def calendar_link(request, code: str):
    """Give a member of a private course the personal token their calendar link needs."""
    course, _role = course_for_member(user=request.user, code=code)
    _token, created = Token.objects.get_or_create(user=request.user)
    if created:
        messages.success(
            request, "Your personal calendar link is ready. Keep it to yourself: it signs you in."
        )
    else:
        messages.info(request, "You already have a personal calendar link.")
    return redirect(reverse("schedule:course", args=[course.code]) + "#calendar")
