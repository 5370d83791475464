"""Peer feedback in a real browser: a student gives feedback from the to-do list, the
presenter sees the released summary; axe finds no serious or critical problem on the
feedback pages, in light and dark mode.

Every row is written in fixtures (see tests/browser.py). The
sessions are moved relative to today: session 1 ten days ago (its window closed, alice's
talk released with two reviews), session 2 yesterday (its window open: alice owes bob's
talk).
"""

import datetime as dt

import pytest
from django.utils import timezone

from presentations.feedback_services import feedback_submit
from presentations.models import Feedback, Paper, Presentation
from schedule.models import Meeting
from tests.browser import ARTIFACTS, BROWSER_TESTS, axe_problems, log_in
from tests.presentations.feedback.conftest import SESSION_DATES, enrolment

pytestmark = BROWSER_TESTS


@pytest.fixture
def feedback_course(course, student, other_student, instructor, ta, make_students, talks):
    today = timezone.localtime(timezone.now(), course.tzinfo).date()
    moves = {1: today - dt.timedelta(days=10), 2: today - dt.timedelta(days=1)}
    for number, day in moves.items():
        Meeting.objects.filter(course=course, date=SESSION_DATES[number]).update(date=day)
    reviewers = make_students(2, prefix="rv")
    for reviewer, paper in zip(reviewers, ["t5", "t6"], strict=True):
        # A training paper, no slot yet: they owe the training talks.
        Presentation.objects.create(
            course=course, student=reviewer, paper=Paper.objects.get(course=course, key=paper)
        )
        session = Meeting.objects.get(course=course, date=moves[1])
        session.course = course
        feedback_submit(
            reviewer=reviewer,
            presentation=talks["alice"],
            scores={"organisation": 4, "answering": 5},
            comment="Great use of examples.",
            actor=None,
            via="page",
            now=session.over_at + dt.timedelta(hours=2),
        )
    return course


def check_axe(page, name: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        # Pico eases colour changes: let the switch finish before axe measures contrast.
        page.wait_for_timeout(400)
        assert axe_problems(page) == [], (name, scheme)
    page.emulate_media(color_scheme="light")
    page.wait_for_timeout(400)


def test_a_student_gives_feedback_and_sees_what_she_received(
    feedback_course,
    live_server,
    browser,
):
    course = feedback_course
    base = f"{live_server.url}/courses/{course.code}"
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    log_in(
        page, f"{live_server.url}/accounts/login/?next=/courses/{course.code}/dashboard/", "alice"
    )
    page.wait_for_url(f"{base}/dashboard/")
    ARTIFACTS.mkdir(exist_ok=True)
    text = " ".join(page.locator("main").inner_text().split())
    assert "1 talk to give feedback on" in text
    # The presenter's card shows the released summary (two reviews, min_reviews 2).
    assert "Feedback received: 2 reviews." in text
    check_axe(page, "dashboard")

    page.get_by_role("button", name="Give feedback").click()
    page.wait_for_url(f"{base}/feedback/")
    check_axe(page, "to-do")
    page.get_by_role("button", name="Give feedback on Training paper two").click()
    check_axe(page, "form")
    page.get_by_role("group", name="Organisation").get_by_label("4").check()
    page.get_by_role("group", name="Answering questions").get_by_label("5").check()
    page.get_by_label("Comment").fill("Clear structure and a lively demo.")
    page.get_by_role("button", name="Submit feedback").click()
    page.wait_for_url(f"{base}/feedback/")
    assert page.get_by_text("Feedback given: Training paper two (session 2).").is_visible()
    assert "Nothing to give right now." in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "feedback-todo-390.png"), full_page=True)
    check_axe(page, "to-do after")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{base}/feedback/received/")
    received = " ".join(page.locator("main").inner_text().split())
    assert "2 reviews." in received
    assert "Great use of examples." in received
    assert "rv000" not in received
    assert "First0" not in received
    check_axe(page, "received")
    context.close()

    assert (
        Feedback.objects.filter(
            reviewer=enrolment(course.enrollments.get(user__username="alice").user, course)
        ).count()
        == 1
    )


def test_the_staff_pages_pass_axe(feedback_course, live_server, browser):
    course = feedback_course
    alice = course.enrollments.get(user__username="alice")
    # Session 1, ten days ago (moved by the fixture), with the two reviews of alice's talk.
    session = Meeting.objects.filter(course=course, kind="presentation").order_by("-date")[1]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    log_in(page, f"{live_server.url}/accounts/login/?next=/courses/{course.code}/feedback/", "prof")
    page.wait_for_url(f"{live_server.url}/courses/{course.code}/feedback/")
    for path in (
        "feedback/",
        f"feedback/sessions/{session.pk}/",
        "feedback/students/",
        f"feedback/students/{alice.pk}/",
    ):
        page.goto(f"{live_server.url}/courses/{course.code}/{path}")
        check_axe(page, path)
    # Hide a review from the session page, with a reason, by keyboard.
    page.goto(f"{live_server.url}/courses/{course.code}/feedback/sessions/{session.pk}/")
    page.get_by_label("Reason to hide").first.fill("Off topic")
    page.get_by_label("Reason to hide").first.press("Enter")
    page.wait_for_load_state()
    assert page.get_by_text("Hidden: the feedback by").is_visible()
    check_axe(page, "session after hide")
    page.screenshot(path=str(ARTIFACTS / "feedback-session.png"), full_page=True)
    context.close()
