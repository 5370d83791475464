"""In a real browser: a student uploads a PDF and sees the receipt; the instructor sees it in
the grade grid, grades it, and the late penalty shows. axe finds no serious or critical
problem on the submissions pages, in light and dark mode.

Every row is written before Playwright starts (see tests/presentations/test_browser.py).
"""

import datetime as dt

from django.utils import timezone

from submissions.models import Submission
from tests.browser import ARTIFACTS, BROWSER_TESTS, axe_problems, log_in, tab_to
from tests.submissions.conftest import pdf_bytes

pytestmark = BROWSER_TESTS


def _axe_both_modes(page, where: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        # Pico eases colours in over a moment: check the settled page, not a transition.
        page.wait_for_timeout(400)
        assert axe_problems(page) == [], f"{where} ({scheme})"
    page.emulate_media(color_scheme="light")


def test_a_late_upload_its_receipt_and_its_penalty_in_the_grid(
    course,
    review,
    student,
    other_student,
    instructor,
    live_server,
    browser,
    tmp_path,
):
    # Due an hour ago: the upload is late by one started day, 10% off.
    review.due = timezone.now() - dt.timedelta(hours=1)
    review.save()
    report = tmp_path / "literature-review.pdf"
    report.write_bytes(pdf_bytes(5))
    base = f"{live_server.url}/courses/{course.code}"
    ARTIFACTS.mkdir(exist_ok=True)

    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    log_in(
        page,
        f"{live_server.url}/accounts/login/?next=/courses/{course.code}/deliverables/",
        "alice",
    )
    page.wait_for_url(f"{base}/deliverables/")
    _axe_both_modes(page, "my deliverables")
    page.get_by_role("link", name="Literature review").click()
    page.wait_for_url(f"{base}/deliverables/review/")
    _axe_both_modes(page, "deliverable, before")
    page.get_by_label("Your file").set_input_files(str(report))
    tab_to(page, "Hand in")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    submission = Submission.objects.get()
    main = " ".join(page.locator("main").inner_text().split())
    assert "Version 1 handed in. Your receipt is below." in " ".join(
        page.locator("body").inner_text().split()
    )
    assert "Your receipt" in main
    assert submission.sha256 in main
    assert "Pages 5 may exceed the page limit of 4 (references are not counted)" in main
    assert "Handed in after the due date: a late penalty applies." in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "submission-receipt-390.png"), full_page=True)
    _axe_both_modes(page, "deliverable, receipt")
    for path in ("teams/", "dashboard/"):
        page.goto(f"{base}/{path}")
        _axe_both_modes(page, path)
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    log_in(
        page, f"{live_server.url}/accounts/login/?next=/courses/{course.code}/gradebook/", "prof"
    )
    page.wait_for_url(f"{base}/gradebook/")
    cell = page.get_by_label("Alice Liddell: Literature review, out of 45")
    row_text = page.locator("tr", has=cell).inner_text()
    assert "v1" in row_text
    assert "5 p." in row_text
    assert "late" in row_text
    cell.focus()
    page.keyboard.type("40")
    tab_to(page, "Save scores")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Saved: 1 score changed").is_visible()
    row_text = " ".join(
        page.locator("tr", has=page.get_by_label("Alice Liddell: Literature review, out of 45"))
        .inner_text()
        .split()
    )
    assert "raw 40.00 − 4.00 late = 36.00" in row_text
    page.screenshot(path=str(ARTIFACTS / "grid-late-penalty.png"), full_page=True)
    _axe_both_modes(page, "gradebook")
    with page.expect_download() as download:
        page.get_by_role("link", name="v1 of Alice Liddell's Literature review").click()
    assert download.value.suggested_filename == "literature-review.pdf"
    for path in ("deliverables/", "deliverables/review/", "teams/"):
        page.goto(f"{base}/{path}")
        _axe_both_modes(page, f"staff {path}")
    context.close()
