"""The schedule page and its iCalendar feed.

Who may read a schedule: anyone when the course is public, otherwise its members. A signed-in
stranger gets 404 and an anonymous visitor is sent to log in, whether or not the code names
a real course, so that neither answer reveals which private courses exist.

Calendar apps cannot sign in: a private course's feed is read with the member's calendar
feed key (`?key=`, courseapp.models.FeedKey), which opens feeds and nothing else.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from courseapp.accounts import feed_key_create
from courseapp.models import AuditEntry, FeedKey, Role
from courseapp.permissions import SignInRequired, course_for_member, course_for_reader
from courseapp.selectors import feed_key_of
from grading.selectors import letter_scale, rubric_tree
from presentations.selectors import booked_talks_of
from schedule.ical import course_feed, feed_address
from schedule.selectors import course_schedule, current_week_number

# What secrets.token_urlsafe makes. Checked before the database is asked: a NUL byte, say,
# makes PostgreSQL refuse the query outright, which would be a 500.
_FEED_KEY = re.compile(rf"[A-Za-z0-9_-]{{{FeedKey.LENGTH}}}")


def course_page(request, code: str):
    try:
        course, role = course_for_reader(user=request.user, code=code)
    except SignInRequired:
        return redirect_to_login(request.get_full_path())
    request.course, request.course_role = course, role

    # A member's feed carries their key: their own talks show in it, public course or not.
    key = feed_key_of(user=request.user) if role is not None else None
    feed_url = feed_address(request, course=course, key=key)

    # Dates and "this week" follow the course's clock, not the server's.
    with timezone.override(course.tzinfo):
        today = timezone.localdate()
        context = {
            "course": course,
            "role": role,
            # The schedule and grading sections are cached per course-file version and day
            # (templates/schedule/course.html): these are read only when the cache misses.
            "schedule_cache_key": course.schedule_cache_key("page", today),
            "weeks": SimpleLazyObject(lambda: course_schedule(course=course, today=today)),
            "rubric": SimpleLazyObject(lambda: rubric_tree(course=course)),
            "letters": SimpleLazyObject(lambda: letter_scale(course=course)),
            "current_week_number": current_week_number(course=course, today=today),
            "dashboard_url": reverse("courseapp:dashboard", args=[course.code]),
            "feed_url": feed_url,
            "needs_calendar_link": role is not None and key is None,
        }
        response = render(request, "schedule/course.html", context)
    if key:
        # The page shows the member's key: keep it out of every cache.
        patch_cache_control(response, private=True, no_store=True)
    return response


def _feed_user(request):
    """Who is asking for the feed: the owner of `?key=` when given, else the session user.

    A wrong key, whatever its shape, is a 404 that does not reveal whether the course
    exists either. So is `?token=`: the API token opened feeds once and no longer does, and
    a calendar app still subscribed with it is better told "not found" than sent a login page.
    """
    if "token" in request.GET:
        raise Http404("No such course.")
    if "key" not in request.GET:
        return request.user
    key = request.GET["key"]
    if not _FEED_KEY.fullmatch(key):
        raise Http404("No such course.")
    feed_key = FeedKey.objects.select_related("user").filter(key=key).first()
    if feed_key is None or not feed_key.user.is_active:
        raise Http404("No such course.")
    return feed_key.user


def ical_feed(request, code: str):
    reader = _feed_user(request)
    try:
        course, role = course_for_reader(user=reader, code=code)
    except SignInRequired:
        return redirect_to_login(request.get_full_path())
    course_url = request.build_absolute_uri(reverse("schedule:course", args=[course.code]))
    talks = booked_talks_of(user=reader, course=course) if role == Role.STUDENT else []
    body = course_feed(course=course, course_url=course_url, talks=talks)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{course.code}.ics"'
    if not course.schedule_public or request.GET.get("key"):
        # The address carries a personal key: keep it out of shared caches.
        response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def calendar_link(request, code: str):
    """Give a member of a private course the feed key their calendar link needs."""
    course, _role = course_for_member(user=request.user, code=code)
    _key, created = feed_key_create(user=request.user, actor=request.user, via=AuditEntry.Via.PAGE)
    if created:
        messages.success(
            request,
            "Your personal calendar link is ready. Keep it to yourself: anyone who has it can "
            "read the schedules of your courses.",
        )
    else:
        messages.info(request, "You already have a personal calendar link.")
    return redirect(reverse("schedule:course", args=[course.code]) + "#calendar")
