"""One end-to-end walk through a real browser: course page, log in, course dashboard."""

from http import HTTPStatus

import pytest

from conftest import enrol, make_user
from courseapp.models import Role
from tests.browser import ARTIFACTS, BROWSER_TESTS, RECORD_CSP_VIOLATIONS

pytestmark = BROWSER_TESTS


@pytest.fixture
def alice(demo_course):
    # Rows are written in fixtures (see tests/browser.py).
    return enrol(make_user("alice"), demo_course, Role.STUDENT)


def test_student_logs_in_from_the_course_page_and_lands_on_its_dashboard(
    alice, demo_course, live_server, browser
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/courses/{demo_course.code}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Machine Learning Systems"
    assert page.locator("#week-6 .week-dates").inner_text() == "Thu 9 Oct 2025"

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


# --- Content-Security-Policy ---------------------------------------------------------------


@pytest.fixture
def root(demo_course):
    # A superuser sees every page: the dashboard of any course and every admin list.
    return make_user("root", is_staff=True, is_superuser=True)


def test_main_pages_keep_the_content_security_policy(root, demo_course, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on(
        "console",
        lambda message: (
            message.type in ("error", "warning")
            and console.append(f"{message.type}: {message.text}")
        ),
    )
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and console.append(f"response: {response.status} {response.url}")
        ),
    )

    def check(path: str, status: int = 200) -> None:
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (path, violations)
        # A blocked script or style is also reported on the console, and so is any other
        # failure (a missing file, a script error): none is expected.
        expected = []
        if status != 200:
            # The page itself, and nothing else.
            expected = [
                f"response: {status} {live_server.url}{path}",
                f"error: Failed to load resource: the server responded with a status of {status}"
                f" ({HTTPStatus(status).phrase})",
            ]
        assert console == expected, (path, console)
        console.clear()

    def visit(path: str, status: int = 200) -> None:
        # Blocked scripts and styles are reported while the page is parsed, before "load"
        # (waiting for the network to be idle as well cost half a second a page).
        response = page.goto(f"{live_server.url}{path}", wait_until="load")
        assert response is not None
        assert response.status == status, path
        headers = response.headers
        assert "default-src 'none'" in headers["content-security-policy"], path
        assert "camera=()" in headers["permissions-policy"], path
        check(path, status)

    visit("/")
    visit(f"/courses/{demo_course.code}/")
    visit("/accounts/password/reset/")
    visit("/accounts/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    check("after logging in")
    visit(f"/courses/{demo_course.code}/")
    visit(f"/courses/{demo_course.code}/dashboard/")
    visit(f"/courses/{demo_course.code}/papers/")
    visit(f"/courses/{demo_course.code}/slots/")
    visit(f"/courses/{demo_course.code}/programme/")
    visit("/accounts/password/")
    visit("/accounts/")
    visit("/no/such/page/", status=404)
    visit("/?q=%00", status=400)
    visit("/admin/")
    visit("/admin/courseapp/course/")  # a list with actions
    visit("/admin/courseapp/auditentry/")  # a list without actions (Django's inline style)
    visit(f"/admin/courseapp/course/{demo_course.pk}/change/")
    visit(f"/admin/courseapp/course/{demo_course.pk}/roster/")
    visit("/admin/courseapp/enrollment/")
    visit(f"/admin/auth/user/{root.pk}/change/")
    visit("/admin/presentations/slot/add/")
    visit("/admin/schedule/meeting/add/")
    # The date widget's scripts build their calendar in the page.
    page.get_by_role("link", name="Today").first.click()
    page.get_by_role("link", name="Choose a Date").first.click()
    page.locator(".calendarbox").first.wait_for()
    check("/admin/schedule/meeting/add/ with its calendar open")
    visit("/admin/auth/user/add/")
    visit("/admin/axes/accessattempt/")
    visit("/api/docs/")
    # Swagger UI really started: it fetched the schema and lists the endpoints.
    page.locator(".opblock-summary-path").first.wait_for()
    page.wait_for_load_state("networkidle")
    check("/api/docs/ once Swagger UI has drawn")
    assert page.locator(".opblock-summary-path").filter(has_text="/api/auth/token/").count() == 1
    # Trying an endpoint out runs Swagger UI's own code further.
    page.locator(".opblock-summary-path").filter(has_text="/api/courses/").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.locator(".responses-wrapper .live-responses-table").wait_for()
    check("/api/docs/ after trying an endpoint")
    context.close()
