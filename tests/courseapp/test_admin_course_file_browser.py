"""In a real browser, by keyboard: an instructor uploads a new version of the course file in
the admin, reads the preview, applies it, and finds the version listed."""

from playwright.sync_api import expect

from presentations.models import Paper
from tests.browser import BROWSER_TESTS, log_in, tab_to
from tests.courseapp.test_admin_course_file import RENAMED

pytestmark = BROWSER_TESTS


def test_an_instructor_uploads_previews_applies_and_sees_the_version(
    staff_instructor, course, live_server, browser, tmp_path
):
    edited = tmp_path / "seminar.yaml"
    edited.write_text(RENAMED, encoding="utf-8")
    page_path = f"/admin/courseapp/course/{course.pk}/course-file/"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    log_in(page, f"{live_server.url}/admin/login/?next={page_path}", "prof")
    page.wait_for_url(f"{live_server.url}{page_path}")
    expect(page.get_by_text("Course file version 1, loaded by a command at")).to_be_visible()

    page.get_by_label("Course file (YAML)").set_input_files(str(edited))
    tab_to(page, "Preview")
    page.keyboard.press("Enter")
    expect(
        page.get_by_text("would update paper zero: title 'ZeRO' -> 'ZeRO: Memory Optimizations'")
    ).to_be_visible()
    # Nothing changes before Apply.
    assert Paper.objects.get(course=course, key="zero").title == "ZeRO"

    tab_to(page, "Apply")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Course file applied (version 2).")).to_be_visible()
    assert Paper.objects.get(course=course, key="zero").title == "ZeRO: Memory Optimizations"

    page.goto(f"{live_server.url}{page_path}")
    expect(page.get_by_text("Course file version 2, loaded by prof at")).to_be_visible()
    versions = page.get_by_role("table").filter(has_text="What changed")
    expect(versions.get_by_role("link", name="2", exact=True)).to_be_visible()
    expect(versions.get_by_role("link", name="1", exact=True)).to_be_visible()
    context.close()
