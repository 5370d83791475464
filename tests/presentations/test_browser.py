"""The slots page in a real browser: a student books by keyboard and sees it on the
dashboard; the same page without JavaScript; screenshots at phone and desktop widths."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import DEMO_COURSE_FILE, enrol, make_user
from courseapp.coursefile import parse_course_file
from courseapp.demo import live_shift_weeks
from courseapp.models import Course, Role
from courseapp.services import course_load
from presentations.models import Paper, Presentation, Slot
from presentations.services import signup_freeze, swap_request
from schedule.models import Meeting
from tests.browser import (  # noqa: F401 (CHROMIUM: other tests import it from here)
    ARTIFACTS,
    BROWSER_TESTS,
    CHROMIUM,
    log_in,
    tab_to,
)

pytestmark = BROWSER_TESTS


@pytest.fixture
def live_course(db):
    """The demo course with its dates moved by whole weeks so that today is in week 10, as in
    the live demo, and a class that has booked part of it.

    Every row is written here (see tests/browser.py): the test itself reads the database
    only through the pages.
    """
    spec = parse_course_file(DEMO_COURSE_FILE.read_text())
    weeks = live_shift_weeks(spec=spec, today=timezone.localdate())
    course_load(spec=spec.shifted(weeks=weeks, code_suffix="-live"))
    course = Course.objects.get(code=f"{spec.course.code}-live")
    course.signup_opens_at = timezone.now() - dt.timedelta(days=30)
    course.save()

    now = timezone.now()
    sessions = list(Meeting.objects.for_course(course).presentation_sessions().order_by("date"))
    for session in sessions:
        session.course = course
    open_sessions = [s for s in sessions if signup_freeze(s) > now + dt.timedelta(hours=2)]
    # The student's paper is of the category of the second open session, whose first slot is
    # taken; the first open session of that category is full.
    target = next(s for s in open_sessions[1:] if s.slots.first().category.key != "agents")
    category = target.slots.first().category
    full = next(
        s for s in open_sessions if s.slots.first().category == category and s.pk != target.pk
    )
    free_papers = Paper.objects.for_course(course).filter(presentations=None).order_by("pk")

    def present(username: str, name: str, slot: Slot) -> Presentation:
        first, last = name.split()
        student = enrol(make_user(username, first_name=first, last_name=last), course, Role.STUDENT)
        paper = free_papers.filter(category=slot.category).first() or free_papers.first()
        talk = Presentation.objects.create(
            course=course, student=student, paper=paper, slot=slot, booked_at=now
        )
        Slot.objects.filter(pk=slot.pk).update(booked=slot.booked + 1)
        return talk

    names = iter(
        [
            "Ada Byron", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov",
            "Donald Knuth", "John Backus", "Frances Allen", "Ken Thompson", "Radia Perlman",
            "Niklaus Wirth", "Leslie Lamport", "Tony Hoare", "Jim Gray", "Shafi Goldwasser",
            "Judea Pearl", "Dennis Ritchie", "Margaret Hamilton",
        ]
    )  # fmt: skip
    # Past sessions are full; the full session is full; the target has its first slot taken.
    for session in [s for s in sessions if s not in open_sessions][:4] + [full]:
        for slot in session.slots.order_by("position"):
            present(f"p{slot.pk}", next(names), slot)
    early = present("early", next(names), target.slots.get(position=1))
    alice = make_user("alice", first_name="Alice", last_name="Liddell")
    Presentation.objects.create(
        course=course,
        student=enrol(alice, course, Role.STUDENT, student_id="S001"),
        paper=free_papers.filter(category=category).first(),
    )
    return {
        "course": course,
        "target": target,
        "early": early,
        "early_name": early.student.user.get_full_name(),
    }


def test_a_student_books_a_slot_by_keyboard_and_sees_it_on_the_dashboard(
    live_course, live_server, browser
):
    course, target = live_course["course"], live_course["target"]
    slots_url = f"{live_server.url}/courses/{course.code}/slots/"
    number = target.session_number
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    log_in(page, f"{live_server.url}/accounts/login/?next=/courses/{course.code}/slots/", "alice")
    page.wait_for_url(slots_url)
    assert page.get_by_role("heading", level=1).inner_text() == "Presentation slots"
    # A session of another category says so instead of offering Book.
    assert page.get_by_text("Not for your paper").first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "slots-before-1280.png"), full_page=True)

    tab_to(page, f"Book session {number}, slot 2")
    page.keyboard.press("Enter")

    notice = page.get_by_role("status").filter(has_text=f"Booked: session {number}, slot 2")
    notice.wait_for()
    # htmx swapped the board in place (no reload), and focus went to the message.
    assert page.url == slots_url
    # The board's script moves the focus once htmx has settled: wait for it, not a beat.
    page.wait_for_function(
        "document.activeElement.hasAttribute('data-focus-after-swap')", timeout=5000
    )
    assert page.get_by_role("button", name=f"Drop session {number}, slot 2").is_visible()
    page.screenshot(path=str(ARTIFACTS / "slots-1280.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "slots-390.png"), full_page=True)
    # Nothing is wider than a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.set_viewport_size({"width": 1280, "height": 900})
    nav = page.get_by_role("navigation", name="Course")
    nav.get_by_role("link", name="Dashboard").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/courses/{course.code}/dashboard/")
    card = page.locator("article.card-your_presentation")
    assert f"Session {number}, slot 2" in " ".join(card.inner_text().split())
    page.screenshot(path=str(ARTIFACTS / "dashboard-booked.png"), full_page=True)
    page.close()


@pytest.fixture
def booked_with_a_swap(live_course):
    """Alice booked in the target session's slot 2, and asked to swap by its slot 1."""
    alice = Presentation.objects.get(student__user__username="alice")
    slot = live_course["target"].slots.get(position=2)
    alice.slot, alice.booked_at = slot, timezone.now()
    alice.save()
    Slot.objects.filter(pk=slot.pk).update(booked=1)
    early = live_course["early"]
    swap_request(student=early.student, target=alice, actor=None, via="page")
    return live_course


def test_without_javascript_the_forms_post_and_redirect(booked_with_a_swap, live_server, browser):
    course, target = booked_with_a_swap["course"], booked_with_a_swap["target"]
    number = target.session_number
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, f"{live_server.url}/accounts/login/?next=/courses/{course.code}/slots/", "alice")
    page.wait_for_url(f"{live_server.url}/courses/{course.code}/slots/")
    assert page.get_by_text("asks to swap").is_visible()
    page.screenshot(path=str(ARTIFACTS / "slots-swap-390.png"), full_page=True)

    tab_to(page, f"Decline the swap with {booked_with_a_swap['early_name']}")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_by_role("status").filter(has_text="Swap declined").is_visible()
    tab_to(page, f"Drop session {number}, slot 2")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert (
        page.get_by_role("status")
        .filter(has_text=f"Dropped: session {number}, slot 2")
        .is_visible()
    )
    assert page.get_by_role("button", name=f"Book session {number}, slot 2").is_visible()
    context.close()


def test_papers_and_programme_screenshots(booked_with_a_swap, live_server, browser):
    course = booked_with_a_swap["course"]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(page, f"{live_server.url}/accounts/login/?next=/courses/{course.code}/papers/", "alice")
    page.wait_for_url(f"{live_server.url}/courses/{course.code}/papers/")
    assert page.get_by_role("heading", name="Reading list").is_visible()
    page.screenshot(path=str(ARTIFACTS / "papers-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.url}/courses/{course.code}/programme/")
    page.screenshot(path=str(ARTIFACTS / "programme-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "programme-1280.png"), full_page=True)
    page.goto(f"{live_server.url}/courses/{course.code}/papers/")
    page.screenshot(path=str(ARTIFACTS / "papers-1280.png"), full_page=True)
    page.close()
