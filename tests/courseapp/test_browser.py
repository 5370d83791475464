"""One end-to-end walk through a real browser: course page, log in, course dashboard."""

import os
from pathlib import Path

import pytest

from conftest import enrol, make_user
from courseapp.models import Role

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    # A developer without Chromium may skip; CI must have it, so there a missing browser fails.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium at /usr/bin/chromium",
    ),
]


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
    # the database calls the test makes around it. Set for these tests only (not at import,
    # which would leak into every later test and subprocess, e.g. `check --deploy`).
    monkeypatch.setitem(os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def alice(demo_course):
    # Rows are written here, before Playwright starts: code running under Playwright's sync
    # API sits in another greenlet, where Django would open a second database connection
    # that nothing closes (PostgreSQL then refuses to drop the test database).
    return enrol(make_user("alice"), demo_course, Role.STUDENT)


def test_student_logs_in_from_the_course_page_and_lands_on_its_dashboard(
    alice, demo_course, live_server, browser
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/courses/{demo_course.code}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Machine Learning Systems"
    assert page.locator("#week-6 .week-dates").inner_text() == "10/09"

    # Styled as a button, but a link whose next is the course dashboard.
    page.locator("main").get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(f"**/courses/{demo_course.code}/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert page.get_by_role("heading", name="Your presentation").is_visible()
    notice = page.get_by_role("status").filter(has_text="Signed in as alice.")
    assert notice.is_visible()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    # Notices are dismissible, by keyboard too.
    page.get_by_role("button", name="Dismiss this notice").focus()
    page.keyboard.press("Enter")
    assert notice.count() == 0
    page.close()
