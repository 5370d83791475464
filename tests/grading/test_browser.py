"""The grade grid in a real browser: the instructor enters grades by keyboard, releases the
part, and the student sees it; axe finds no serious or critical problem on the grading pages.

Every row is written before Playwright starts (see tests/presentations/test_browser.py).
"""

from decimal import Decimal as D

import pytest

from conftest import enrol, make_user
from courseapp.enrollments import admin_access_sync
from courseapp.models import Role
from grading.models import Release, Score
from grading.services import score_override
from tests.browser import (
    ARTIFACTS,
    BROWSER_TESTS,
    RECORD_CSP_VIOLATIONS,
    axe_problems,
    log_in,
    tab_to,
)
from tests.grading.conftest import enrolment_of, leaf

pytestmark = BROWSER_TESTS


@pytest.fixture
def grading_course(course, student, other_student, ta):
    """The small course, its instructor with admin access, two students, a TA."""
    instructor = make_user("prof")
    enrol(instructor, course, Role.INSTRUCTOR)
    admin_access_sync(users=[instructor])
    score_override(
        student=enrolment_of(other_student, course),
        criterion=leaf(course, "feedback-given"),
        points=D(5),
        reason="excused",
        actor=instructor,
        via="admin",
    )
    return course


def test_the_instructor_grades_by_keyboard_releases_and_the_student_sees_it(
    grading_course, live_server, browser
):
    course = grading_course
    grid_url = f"{live_server.url}/admin/courseapp/course/{course.pk}/grades/"
    # CSP would refuse axe's injected script; the pages' own scripts are files either way.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    log_in(
        page,
        f"{live_server.url}/accounts/login/?next=/admin/courseapp/course/{course.pk}/grades/",
        "prof",
    )
    page.wait_for_url(grid_url)
    ARTIFACTS.mkdir(exist_ok=True)
    assert axe_problems(page) == []

    # Bob's row comes first (Builder before Liddell). Enter moves down the column.
    tab_to(page, "Bob Builder: Literature review, out of 50")
    page.keyboard.type("30")
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Alice Liddell: Literature review, out of 50"
    page.keyboard.type("42.5")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Alice Liddell: Research plan, out of 20"
    page.keyboard.type("17")
    page.screenshot(path=str(ARTIFACTS / "grade-grid-typed.png"), full_page=True)
    tab_to(page, "Save scores")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Saved: 3 scores changed").is_visible()

    # A mistake stays in its cell with its message, and nothing is saved.
    tab_to(page, "Alice Liddell: Research plan, out of 20")
    page.keyboard.press("Control+A")
    page.keyboard.type("25")
    tab_to(page, "Save scores")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("25 must be between 0 and 20").is_visible()
    page.screenshot(path=str(ARTIFACTS / "grade-grid-error.png"), full_page=True)
    assert axe_problems(page) == []

    page.goto(grid_url)
    tab_to(page, "Release Report")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Report is released").is_visible()

    alice = enrolment_of(course.enrollments.get(user__username="alice").user, course)
    student_page = (
        f"{live_server.url}/admin/courseapp/course/{course.pk}/grades/student/{alice.pk}/"
    )
    page.goto(student_page)
    assert axe_problems(page) == []
    page.goto(f"{live_server.url}/admin/courseapp/course/{course.pk}/grades/import/")
    assert axe_problems(page) == []
    for path in ("gradebook/", "statistics/"):
        page.goto(f"{live_server.url}/courses/{course.code}/{path}")
        assert axe_problems(page) == [], path
        page.screenshot(path=str(ARTIFACTS / f"grading-{path.strip('/')}.png"), full_page=True)
    context.close()

    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    log_in(page, f"{live_server.url}/accounts/login/?next=/courses/{course.code}/grades/", "alice")
    page.wait_for_url(f"{live_server.url}/courses/{course.code}/grades/")
    text = " ".join(page.locator("main").inner_text().split())
    assert "Literature review 42.50 / 50" in text
    assert "Research plan 17.00 / 20" in text
    assert "Total of Report 59.50 / 70" in text
    assert "Presentation" not in text.split("Course total")[0]  # not released
    assert axe_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "my-grades-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()

    assert Release.objects.filter(part__key="report").exists()
    assert Score.objects.get(student=alice, criterion__key="review").points == D("42.50")


def test_the_grading_pages_keep_the_content_security_policy(grading_course, live_server, browser):
    course = grading_course
    alice = course.enrollments.get(user__username="alice")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(
        page, f"{live_server.url}/accounts/login/?next=/courses/{course.code}/gradebook/", "prof"
    )
    page.wait_for_url(f"{live_server.url}/courses/{course.code}/gradebook/")
    for path in (
        f"/courses/{course.code}/gradebook/",
        f"/courses/{course.code}/statistics/",
        f"/admin/courseapp/course/{course.pk}/grades/",
        f"/admin/courseapp/course/{course.pk}/grades/student/{alice.pk}/",
        f"/admin/courseapp/course/{course.pk}/grades/import/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("window.__cspViolations") == [], path
        assert errors == [], path
    # The grid's script runs under the policy: Enter moves down the column.
    page.goto(f"{live_server.url}/admin/courseapp/course/{course.pk}/grades/")
    page.get_by_label("Bob Builder: Literature review, out of 50").focus()
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Alice Liddell: Literature review, out of 50"
    context.close()
