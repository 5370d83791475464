"""Issue 7's whole flow in a real browser: a student ranks papers, the instructor assigns
them in the admin, the student books a slot and sees it on the dashboard, another student
joins the full session's waitlist and is promoted when the first drops."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import DEMO_COURSE_FILE, enrol, make_user
from courseapp.coursefile import parse_course_file
from courseapp.demo import live_shift_weeks
from courseapp.enrollments import admin_access_sync
from courseapp.models import Course, Role
from courseapp.services import course_load
from presentations.models import Presentation
from presentations.services import signup_freeze, slot_sign_up
from schedule.models import Meeting
from tests.browser import BROWSER_TESTS

pytestmark = BROWSER_TESTS


@pytest.fixture
def scenario(db):
    """The demo course shifted so that today is in week 10, in preference mode with rankings
    open; one open session whose slots are all taken but the last. Rows are written here,
    before Playwright starts."""
    spec = parse_course_file(DEMO_COURSE_FILE.read_text())
    course_load(
        spec=spec.shifted(
            weeks=live_shift_weeks(spec=spec, today=timezone.localdate()), code_suffix="-live"
        )
    )
    course = Course.objects.get(code="mlsys-2025-live")
    now = timezone.now()
    course.signup_opens_at = now - dt.timedelta(days=30)
    course.papers_close_at = now + dt.timedelta(days=7)
    course.signup_category_must_match = False
    course.save()
    sessions = list(Meeting.objects.for_course(course).presentation_sessions().order_by("date"))
    for session in sessions:
        session.course = course
    session = next(s for s in sessions if signup_freeze(s) > now + dt.timedelta(hours=2))
    slots = list(session.slots.order_by("position"))
    for number, slot in enumerate(slots[:-1]):
        early = enrol(make_user(f"early{number}"), course, Role.STUDENT)
        slot_sign_up(student=early, slot=slot, actor=None, via="page", now=now)
    for username, first in (("alice", "Alice"), ("bob", "Bob")):
        enrol(make_user(username, first_name=first, last_name="Student"), course, Role.STUDENT)
    teacher = make_user("teacher")
    enrol(teacher, course, Role.INSTRUCTOR)
    admin_access_sync(users=[teacher])
    return {"course": course, "session": session, "last": slots[-1]}


def log_in(page, server: str, username: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server}/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}{next_url}")


def test_rank_assign_book_wait_and_be_promoted(scenario, live_server, browser):
    course, last = scenario["course"], scenario["last"]
    server, code, number = (
        live_server.url,
        scenario["course"].code,
        scenario["session"].session_number,
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    # Alice ranks two papers, best first.
    log_in(page, server, "alice", f"/courses/{code}/papers/")
    first = page.get_by_label("1st choice")
    wanted = [
        option.get_attribute("value")
        for option in first.locator("option:not([value=''])").all()[:2]
    ]
    first.select_option(value=wanted[0])
    page.get_by_label("2nd choice").select_option(value=wanted[1])
    page.get_by_role("button", name="Save my ranking").click()
    page.get_by_role("status").filter(has_text="ranking").first.wait_for()

    # The instructor previews and applies the assignment in the admin.
    log_in(page, server, "teacher", f"/admin/courseapp/course/{course.pk}/change/")
    page.get_by_role("link", name="Assign papers").click()
    assert "would get" in page.content()
    page.get_by_role("button", name="Assign").click()
    page.get_by_text("Papers assigned.").wait_for()
    # Nobody else ranked: Alice gets her first choice.
    assert Presentation.objects.get(student__user__username="alice").paper_id == int(wanted[0])

    # Alice books the session's last free slot and sees it on her dashboard.
    log_in(page, server, "alice", f"/courses/{code}/slots/")
    page.get_by_role("button", name=f"Book session {number}, slot {last.position}").click()
    page.get_by_role("status").filter(has_text=f"Booked: session {number}").wait_for()
    page.goto(f"{server}/courses/{code}/dashboard/")
    card = " ".join(page.locator("article.card-your_presentation").inner_text().split())
    assert f"Session {number}, slot {last.position}" in card

    # The session is full: Bob joins its waitlist.
    log_in(page, server, "bob", f"/courses/{code}/slots/")
    page.get_by_role("button", name=f"Join waitlist of session {number}").click()
    page.get_by_role("status").filter(has_text="waitlist").first.wait_for()

    # Alice drops; Bob gets the seat at once.
    log_in(page, server, "alice", f"/courses/{code}/slots/")
    page.get_by_role("button", name=f"Drop session {number}, slot {last.position}").click()
    page.get_by_role("status").filter(has_text="Dropped").first.wait_for()

    log_in(page, server, "bob", f"/courses/{code}/dashboard/")
    card = " ".join(page.locator("article.card-your_presentation").inner_text().split())
    assert f"Session {number}, slot {last.position}" in card
    page.close()
