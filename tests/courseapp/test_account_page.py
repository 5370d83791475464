"""The account page (/accounts/): details, the API token and the calendar links of its owner."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from conftest import enrol, load_course_text, make_user, small_course_text
from courseapp.models import AuditEntry, FeedKey, Role

MEMBERS = ["student", "other_student", "ta", "instructor", "outsider"]
ACTIONS = [
    "account_api_token_create",
    "account_api_token_reset",
    "account_feed_key_create",
    "account_feed_key_reset",
]


def page(client) -> str:
    response = client.get(reverse("account"))
    assert response.status_code == 200
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def section(html: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}".*?</section>', html, re.S)
    assert match, f"no section #{anchor}"
    return match.group(0)


# Who reaches it --------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('account')}"


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_visitor_changes_nothing(client, student, action):
    response = client.post(reverse(action))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Token.objects.exists()
    assert not FeedKey.objects.exists()
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_are_post_only(client_of, student, action):
    assert client_of(student).get(reverse(action)).status_code == 405
    assert not Token.objects.exists()
    assert not FeedKey.objects.exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_need_the_csrf_token(student, action):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert client.post(reverse(action)).status_code == 403
    assert not Token.objects.exists()
    assert not FeedKey.objects.exists()


@pytest.mark.parametrize("member", MEMBERS)
def test_each_user_sees_their_own_details(request, client_of, member):
    user = request.getfixturevalue(member)
    html = page(client_of(user))
    details = re.search(r'<dl class="account-details">.*?</dl>', html, re.S).group(0)
    assert f"<dd>{user.username}</dd>" in details
    assert f"<dd>{user.email}</dd>" in details
    assert f'href="{reverse("password_change")}"' in html


def test_the_name_and_a_missing_address_are_shown_plainly(client_of, student, db):
    assert "<dd>Alice Liddell</dd>" in page(client_of(student))
    nameless = make_user("nameless")
    nameless.email = ""
    nameless.save()
    html = page(client_of(nameless))
    assert "<dd>(not set)</dd>" in html
    assert "password-reset links cannot reach you" in html


def test_the_page_is_never_cached(client_of, student):
    response = client_of(student).get(reverse("account"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_account_menu_links_to_the_page(client_of, student):
    html = client_of(student).get(reverse("home")).content.decode()
    assert f'<a href="{reverse("account")}">Your account</a>' in html
    html = page(client_of(student))
    assert f'<a href="{reverse("account")}" aria-current="page">Your account</a>' in html


def test_the_page_has_no_inline_style_or_script(client_of, student):
    client = client_of(student)
    client.post(reverse("account_api_token_create"))
    client.post(reverse("account_feed_key_create"))
    html = page(client)
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+=", html)


# The API token ---------------------------------------------------------------------------


def test_a_user_without_a_token_is_offered_one(client_of, student):
    html = section(page(client_of(student)), "api-token")
    assert "You have no API token." in html
    assert f'action="{reverse("account_api_token_create")}"' in html
    assert "Reset my API token" not in html


def test_creating_the_token_shows_it_with_a_message(client_of, student):
    client = client_of(student)

    response = client.post(reverse("account_api_token_create"), follow=True)

    assert response.redirect_chain == [(f"{reverse('account')}#api-token", 302)]
    html = response.content.decode()
    assert "Your API token is ready. Treat it like a password: it acts as you." in html
    token = Token.objects.get(user=student)
    assert f'value="{token.key}"' in section(html, "api-token")
    assert "You have no API token." not in html
    assert (
        AuditEntry.objects.exclude(action="course_file.load").get().action
        == "account.api_token_created"
    )


def test_creating_it_again_keeps_the_token(client_of, student):
    client = client_of(student)
    client.post(reverse("account_api_token_create"), follow=True)
    key = Token.objects.get(user=student).key

    response = client.post(reverse("account_api_token_create"))

    assert messages_of(response) == ["You already have an API token; reset it to get a new one."]
    assert Token.objects.get(user=student).key == key
    assert AuditEntry.objects.exclude(action="course_file.load").count() == 1


def test_resetting_the_token_asks_first_then_replaces_it(client_of, student):
    client = client_of(student)
    old = Token.objects.create(user=student).key
    html = section(page(client), "api-token")
    # The reset button sits behind a disclosure that says what it will do.
    assert re.search(
        r'<details class="confirm-action">\s*<summary role="button"[^>]*>Reset my API token',
        html,
    )
    assert "stops working at once" in html

    response = client.post(reverse("account_api_token_reset"), follow=True)

    new = Token.objects.get(user=student).key
    assert new != old
    html = response.content.decode()
    assert "Your API token was reset. The old one no longer works" in html
    assert f'value="{new}"' in html
    assert old not in html
    assert Client(headers={"Authorization": f"Token {old}"}).get("/api/courses/").status_code == 401
    assert (
        AuditEntry.objects.exclude(action="course_file.load").get().action
        == "account.api_token_reset"
    )


@pytest.mark.parametrize("viewer", ["other_student", "ta", "instructor", "outsider"])
def test_nobody_else_sees_the_token(request, client_of, student, viewer):
    token = Token.objects.create(user=student)
    html = page(client_of(request.getfixturevalue(viewer)))
    assert token.key not in html


def test_a_reset_by_one_user_leaves_others_alone(client_of, student, other_student):
    theirs = Token.objects.create(user=other_student)
    client_of(student).post(reverse("account_api_token_reset"))
    assert Token.objects.filter(key=theirs.key).exists()


# Calendar links --------------------------------------------------------------------------


def feed(code: str, key: str | None = None) -> str:
    url = f"http://testserver/courses/{code}/schedule.ics"
    return f"{url}?key={key}" if key else url


def test_a_private_course_needs_the_key_first(client_of, course, student):
    html = section(page(client_of(student)), "calendar")
    assert "Systems Seminar (Autumn 2025):" in html
    assert "needs your calendar key" in html
    assert f'action="{reverse("account_feed_key_create")}"' in html
    assert "schedule.ics" not in html


def test_creating_the_key_lists_a_link_per_course(client_of, course, demo_course, student):
    enrol(student, demo_course, Role.STUDENT)
    client = client_of(student)

    response = client.post(reverse("account_feed_key_create"), follow=True)

    assert response.redirect_chain == [(f"{reverse('account')}#calendar", 302)]
    html = response.content.decode()
    assert "Your calendar links are ready." in html
    key = FeedKey.objects.get(user=student).key
    calendar = section(html, "calendar")
    assert f'value="{feed(course.code, key)}"' in calendar
    # A public course's link carries the key too: it is the member's personal feed, with
    # their own talks in it.
    assert f'value="{feed(demo_course.code, key)}"' in calendar
    assert "Reset my calendar key" in calendar
    # Each link reads its feed.
    for url in (feed(course.code, key), feed(demo_course.code, key)):
        assert Client().get(url).status_code == 200


def test_creating_the_key_again_keeps_it(client_of, course, student):
    client = client_of(student)
    client.post(reverse("account_feed_key_create"), follow=True)
    key = FeedKey.objects.get(user=student).key

    response = client.post(reverse("account_feed_key_create"))

    assert messages_of(response) == ["You already have calendar links; reset them to get new ones."]
    assert FeedKey.objects.get(user=student).key == key


def test_resetting_the_key_changes_every_private_link(client_of, course, student):
    client = client_of(student)
    client.post(reverse("account_feed_key_create"))
    old = FeedKey.objects.get(user=student).key

    response = client.post(reverse("account_feed_key_reset"), follow=True)

    new = FeedKey.objects.get(user=student).key
    assert new != old
    html = response.content.decode()
    assert "Your calendar key was reset. The old links no longer work" in html
    assert f'value="{feed(course.code, new)}"' in html
    assert old not in html
    assert Client().get(feed(course.code, old)).status_code == 404
    assert Client().get(feed(course.code, new)).status_code == 200
    assert [
        e.action for e in AuditEntry.objects.exclude(action="course_file.load").order_by("pk")
    ] == [
        "account.feed_key_created",
        "account.feed_key_reset",
    ]


@pytest.mark.parametrize("viewer", ["other_student", "ta", "instructor", "outsider"])
def test_nobody_else_sees_the_key(request, client_of, course, student, viewer):
    client_of(student).post(reverse("account_feed_key_create"))
    key = FeedKey.objects.get(user=student).key
    assert key not in page(client_of(request.getfixturevalue(viewer)))


@pytest.mark.parametrize("member", ["student", "ta", "instructor"])
def test_members_see_their_course_by_role(request, client_of, course, other_course, member):
    html = section(page(client_of(request.getfixturevalue(member))), "calendar")
    assert "Systems Seminar" in html
    assert "Other Seminar" not in html


def test_outsider_sees_only_their_own_course(client_of, course, outsider):
    html = section(page(client_of(outsider)), "calendar")
    assert "Other Seminar" in html
    assert "Systems Seminar" not in html


def test_a_user_of_no_course_is_told_so(client_of, db):
    html = section(page(client_of(make_user("newcomer"))), "calendar")
    assert "You are not enrolled in any course" in html
    assert "Create my calendar links" not in html


def test_the_page_runs_a_fixed_number_of_queries(
    client_of, student, course, django_assert_max_num_queries
):
    client = client_of(student)
    client.post(reverse("account_api_token_create"))
    client.post(reverse("account_feed_key_create"))
    # Session, user, token, feed key, courses.
    with django_assert_max_num_queries(5):
        page(client)
    for number in range(8):
        code = f"extra-{number}"
        enrol(student, load_course_text(small_course_text(code=code, title=code)), Role.STUDENT)
    with django_assert_max_num_queries(5):
        html = page(client)
    assert html.count('class="credential"') == 10  # the token and nine calendar links
