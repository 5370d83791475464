"""The account pages in a real browser, on a phone-sized screen and by keyboard."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from conftest import enrol, make_user
from courseapp.models import Role
from tests.browser import ARTIFACTS, BROWSER_TESTS

PHONE = {"width": 390, "height": 844}

pytestmark = BROWSER_TESTS


@pytest.fixture
def dora(course):
    user = make_user("dora", first_name="Dora", last_name="Explorer")
    enrol(user, course, Role.STUDENT)
    return user


def phone_page(browser):
    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_forgotten_password_is_replaced_from_the_login_page(dora, live_server, browser):
    page, errors = phone_page(browser)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()

    page.wait_for_url("**/accounts/password/reset/")
    assert fits_the_screen(page)
    page.get_by_label("Email").fill("dora@example.org")
    page.keyboard.press("Enter")

    page.wait_for_url("**/accounts/password/reset/sent/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
    expect(page.get_by_role("status").filter(has_text="a link to choose a new")).to_be_visible()

    (message,) = mail.outbox
    (link,) = re.findall(r"http://\S+/accounts/password/reset/[^/\s]+/[^/\s]+/", message.body)
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Choose your password"
    assert page.get_by_label("Username").input_value() == "dora"
    assert fits_the_screen(page)
    page.get_by_label("New password", exact=True).fill("quiet-harbour-lantern-42")
    page.get_by_label("New password confirmation").fill("quiet-harbour-lantern-42")
    page.keyboard.press("Enter")

    page.wait_for_url("**/accounts/password/reset/complete/")
    # Styled as a button, but a link to the login page.
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/login/")
    page.get_by_label("Username").fill("dora")
    page.get_by_label("Password").fill("quiet-harbour-lantern-42")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("status").filter(has_text="Signed in as dora.")).to_be_visible()
    assert errors == []
    page.close()


def test_account_page_works_by_keyboard_on_a_phone(dora, live_server, browser):
    page, errors = phone_page(browser)
    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/")
    page.get_by_label("Username").fill("dora")
    page.get_by_label("Password").fill("pw")
    page.keyboard.press("Enter")
    # Exact: "**/accounts/" would also match the login page's "?next=/accounts/".
    page.wait_for_url(f"{live_server.url}/accounts/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
    assert fits_the_screen(page)

    page.get_by_role("button", name="Create my API token").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Your API token is ready")).to_be_visible()
    token = page.get_by_label("Your API token").input_value()
    assert len(token) == 40

    # Resetting asks first: the confirming button appears only once the disclosure is open.
    confirm = page.get_by_role("button", name="Yes, reset my API token")
    assert not confirm.is_visible()
    page.locator("#api-token summary").focus()
    page.keyboard.press("Enter")
    assert confirm.is_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Your API token was reset")).to_be_visible()
    assert page.get_by_label("Your API token").input_value() != token

    page.get_by_role("button", name="Create my calendar links").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="calendar links are ready")).to_be_visible()
    feed = page.get_by_label("Systems Seminar (Autumn 2025)").input_value()
    assert re.fullmatch(r"http://\S+/courses/seminar/schedule\.ics\?key=[\w-]{43}", feed)
    assert fits_the_screen(page)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "account.png"), full_page=True)
    assert errors == []
    page.close()
