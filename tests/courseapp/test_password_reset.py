"""Password-reset and invitation mails: the service, and the "Forgot your password?" pages."""

import re
import smtplib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from conftest import enrol, make_user, signs_in
from courseapp.accounts import password_reset_email_send
from courseapp.errors import DomainError
from courseapp.models import AuditEntry, Role

User = get_user_model()
Via = AuditEntry.Via

LINK = re.compile(r"https?://\S+/accounts/password/reset/[^/\s]+/[^/\s]+/")


def link_in(message) -> str:
    (link,) = LINK.findall(message.body)
    return link


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def roster_created(course):
    """An account as a roster import makes it: no password yet."""
    user = User(username="carol", email="carol@example.org", first_name="Carol")
    user.set_unusable_password()
    user.save()
    enrol(user, course, Role.STUDENT)
    return user


# The service ------------------------------------------------------------------------------


def test_sends_a_reset_link_after_commit(
    student, instructor, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        password_reset_email_send(user=student, actor=instructor, course=course, via=Via.ADMIN)
        assert mail.outbox == []  # not before the transaction commits

    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Choose a new password for courseapp (alice)"
    assert message.from_email == "courseapp <webmaster@localhost>"
    assert "Hello Alice Liddell," in message.body
    assert "If you did not ask for this, ignore this e-mail" in message.body
    assert "for 3 days" in message.body
    assert link_in(message).startswith("http://127.0.0.1:8000/accounts/password/reset/")


@pytest.mark.django_db(transaction=True)
def test_mail_leaves_only_when_the_transaction_commits(course):
    user = make_user("dora")
    with transaction.atomic():
        password_reset_email_send(user=user, actor=None, course=course, via=Via.COMMAND)
        assert mail.outbox == []
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing_and_logs_nothing(course):
    user = make_user("dora")

    def import_that_fails_further_on():
        with transaction.atomic():
            password_reset_email_send(user=user, actor=None, course=course, via=Via.COMMAND)
            raise RuntimeError("the import failed further on")

    with pytest.raises(RuntimeError):
        import_that_fails_further_on()
    assert mail.outbox == []
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_writes_an_audit_entry_without_the_link(
    student, instructor, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_email_send(user=student, actor=instructor, course=course, via=Via.ADMIN)

    entry = AuditEntry.objects.exclude(action="course_file.load").get()
    assert entry.action == "account.password_reset_sent"
    assert entry.via == "admin"
    assert entry.course == course
    assert entry.actor == instructor
    assert entry.object_type == "auth.user"
    assert entry.object_id == str(student.pk)
    assert entry.object_label == "alice"
    assert entry.new == {"email": "alice@example.org"}
    token = path_of(link_in(mail.outbox[0])).rstrip("/").rsplit("/", 1)[1]
    assert token not in str(entry.old) + str(entry.new) + entry.reason + entry.object_label


def test_invitation_names_the_course_and_the_username(
    roster_created, instructor, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_email_send(
            user=roster_created, actor=instructor, course=course, via=Via.ROSTER, invitation=True
        )

    (message,) = mail.outbox
    assert message.subject == "You have been enrolled in Systems Seminar: choose your password"
    assert "You have been enrolled in Systems Seminar (Autumn 2025)" in message.body
    assert "Your username is: carol" in message.body
    assert "Forgot your password?" in message.body
    entry = AuditEntry.objects.exclude(action="course_file.load").get()
    assert entry.action == "account.invitation_sent"
    assert entry.via == "roster"


def test_invitation_needs_a_course(roster_created):
    with pytest.raises(ValueError, match="names its course"):
        password_reset_email_send(
            user=roster_created, actor=None, course=None, via=Via.ROSTER, invitation=True
        )


def test_links_use_site_url_without_a_request(
    student, course, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://courses.example.edu"
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_email_send(user=student, actor=None, course=course, via=Via.COMMAND)
    link = link_in(mail.outbox[0])
    assert link.startswith("https://courses.example.edu/accounts/password/reset/")
    assert "https://courses.example.edu/accounts/password/reset/\n" in mail.outbox[0].body + "\n"


def test_links_use_the_base_url_when_given(student, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_email_send(
            user=student, actor=None, course=course, via=Via.PAGE, base_url="https://a.example/"
        )
    assert link_in(mail.outbox[0]).startswith("https://a.example/accounts/password/reset/")


def test_the_link_opens_the_set_password_form_once(
    client, student, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_email_send(user=student, actor=None, course=course, via=Via.COMMAND)
    path = path_of(link_in(mail.outbox[0]))

    response = client.get(path, follow=True)
    assert "Choose your password" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    new = "a-much-longer-passphrase"
    client.post(form_url, {"new_password1": new, "new_password2": new})
    student.refresh_from_db()
    assert student.check_password(new)

    again = Client().get(path, follow=True).content.decode()
    assert "This link no longer works" in again


@pytest.mark.parametrize("email", ["", "   "])
def test_refuses_a_user_without_an_email_address(course, email, django_capture_on_commit_callbacks):
    user = make_user("nomail")
    user.email = email
    user.save()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(DomainError) as error,
    ):
        password_reset_email_send(user=user, actor=None, course=course, via=Via.ADMIN)
    assert error.value.code == "no_email"
    assert "nomail has no e-mail address" in error.value.message
    assert callbacks == []
    assert mail.outbox == []
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_refuses_a_deactivated_account(student, course, django_capture_on_commit_callbacks):
    student.is_active = False
    student.save()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as error:
        password_reset_email_send(user=student, actor=None, course=course, via=Via.ADMIN)
    assert error.value.code == "inactive"
    assert mail.outbox == []
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_mail_text_is_not_html_escaped_and_the_subject_is_one_line(
    course, django_capture_on_commit_callbacks
):
    user = make_user("obrien", first_name="Seán", last_name="O'Brien & <Co>")
    course.title = "Systems\r\nBcc: victim@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_email_send(
            user=user, actor=None, course=course, via=Via.ROSTER, invitation=True
        )
    (message,) = mail.outbox
    assert "Hello Seán O'Brien & <Co>," in message.body
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert message.subject.startswith("You have been enrolled in Systems Bcc: victim@example.org")
    assert message.recipients() == ["obrien@example.org"]


def test_a_mail_server_that_is_down_is_logged_not_raised(
    student, course, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_email_send(user=student, actor=None, course=course, via=Via.COMMAND)
    assert f"Could not send the password_reset mail to user {student.pk}" in caplog.text


# The pages --------------------------------------------------------------------------------


def test_login_page_offers_forgot_your_password(client, db):
    html = client.get(reverse("login")).content.decode()
    assert f'<a href="{reverse("password_reset")}">Forgot your password?</a>' in html


@pytest.mark.parametrize(
    "who", ["anonymous", "student", "other_student", "ta", "instructor", "outsider"]
)
def test_everyone_may_ask_for_a_link(client_as, who):
    response = client_as(who).get(reverse("password_reset"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_email">' in html
    assert 'name="csrfmiddlewaretoken"' in html


def ask(client, email: str, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def test_a_known_address_gets_a_link_built_from_the_request(
    client, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, "alice@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert messages_of(response) == [
        "If an account uses alice@example.org, a link to choose a new password is on its way."
    ]
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert link_in(message).startswith("http://testserver/accounts/password/reset/")
    entry = AuditEntry.objects.exclude(action="course_file.load").get()
    assert (entry.action, entry.via, entry.actor, entry.course) == (
        "account.password_reset_sent",
        "page",
        None,
        None,
    )


def without_csrf_tokens(html: str) -> str:
    html = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = ask(Client(), "alice@example.org", follow=True)
        unknown = ask(client, "nobody@example.org", follow=True)

    assert unknown.redirect_chain == known.redirect_chain
    # Every page carries a freshly masked CSRF token; apart from it the pages are the same.
    assert without_csrf_tokens(unknown.content.decode().replace("nobody@", "alice@")) == (
        without_csrf_tokens(known.content.decode())
    )
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.exclude(action="course_file.load").count() == 1


def test_the_address_is_matched_without_regard_to_case(
    client, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "ALICE@Example.ORG")
    assert mail.outbox[0].to == ["alice@example.org"]


def test_a_roster_created_account_without_a_password_can_choose_one(
    client, roster_created, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "carol@example.org")
    response = client.get(path_of(link_in(mail.outbox[0])), follow=True)
    new = "carols-own-passphrase"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
        )
    assert done["Location"] == reverse("password_reset_complete")
    assert signs_in("carol", new)


def test_a_deactivated_account_gets_no_link(client, student, django_capture_on_commit_callbacks):
    student.is_active = False
    student.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(client, "alice@example.org").status_code == 302
    assert mail.outbox == []


def test_accounts_sharing_an_address_each_get_their_own_link(
    client, student, django_capture_on_commit_callbacks
):
    twin = make_user("alice2")
    twin.email = "alice@example.org"
    twin.save()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "alice@example.org")
    assert sorted(m.subject for m in mail.outbox) == [
        "Choose a new password for courseapp (alice)",
        "Choose a new password for courseapp (alice2)",
    ]
    assert len({link_in(m) for m in mail.outbox}) == 2


def test_a_look_alike_address_gets_nothing(client, student, django_capture_on_commit_callbacks):
    # PostgreSQL's case-insensitive match upper-cases the dotless ı to I, so "alıce" finds
    # alice's account; the address must still be hers exactly (CVE-2019-19844).
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "al\u0131ce@example.org")
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("", "This field is required."),
        ("alice@example.org\x00", "Null characters are not allowed."),
        ("\x00", "Null characters are not allowed."),
        ("a" * 100_000 + "@example.org", "Ensure this value has at most 254 characters"),
        ("not an address", "Enter a valid email address."),
    ],
)
def test_a_bad_address_is_reported_next_to_the_field(
    client, student, email, error, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, email)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert error in html
    assert mail.outbox == []
    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_a_forged_host_header_gets_400_and_no_mail(
    client, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, "alice@example.org", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert mail.outbox == []


def test_the_done_page_explains_what_happens_next(client, db):
    response = client.get(reverse("password_reset_done"))
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()


def test_setting_the_password_revokes_the_api_token_and_logs_it(
    client, student, django_capture_on_commit_callbacks
):
    token = Token.objects.create(user=student)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "alice@example.org")
    form_url = client.get(path_of(link_in(mail.outbox[0])), follow=True).redirect_chain[-1][0]
    page = client.get(form_url).content.decode()
    assert 'value="alice" autocomplete="username" readonly' in page

    new = "a-much-longer-passphrase"
    response = client.post(form_url, {"new_password1": new, "new_password2": new}, follow=True)

    assert response.redirect_chain == [(reverse("password_reset_complete"), 302)]
    html = response.content.decode()
    assert "Your password is set. Log in with it." in html
    assert "Password set" in html
    assert not Token.objects.filter(key=token.key).exists()
    entry = AuditEntry.objects.exclude(action="course_file.load").get(
        action="account.credentials_revoked"
    )
    assert (entry.actor, entry.via, entry.reason, entry.old) == (
        student,
        "page",
        "password reset by e-mail",
        {"api_token": True},
    )
    assert signs_in("alice", new)


def test_mismatched_passwords_are_reported_and_change_nothing(
    client, student, django_capture_on_commit_callbacks
):
    token = Token.objects.create(user=student)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "alice@example.org")
    form_url = client.get(path_of(link_in(mail.outbox[0])), follow=True).redirect_chain[-1][0]

    response = client.post(
        form_url, {"new_password1": "a-much-longer-one", "new_password2": "another-long-one"}
    )

    assert response.status_code == 200
    assert 'id="id_new_password2_error"' in response.content.decode()
    student.refresh_from_db()
    assert student.check_password("pw")
    assert Token.objects.filter(key=token.key).exists()
    assert not AuditEntry.objects.filter(action="account.credentials_revoked").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password/reset/garbage/garbage/",
        "/accounts/password/reset/MTIzNDU2Nzg5/abc-123/",  # no such user
        "/accounts/password/reset/" + urlsafe_base64_encode(force_bytes("1\x00")) + "/abc-123/",
        "/accounts/password/reset/%C3%A9%C3%A9/%00/",
        "/accounts/password/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5/x-y/",
        "/accounts/password/reset/" + "A" * 5000 + "/" + "b" * 5000 + "/",
        "/accounts/password/reset/MQ/set-password/",
    ],
)
def test_a_bad_link_says_it_no_longer_works(client, student, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()
    assert f'href="{reverse("password_reset")}"' in response.content.decode()


def test_the_complete_page_sends_people_to_log_in(client, db):
    html = client.get(reverse("password_reset_complete")).content.decode()
    assert f'href="{reverse("login")}"' in html


@pytest.mark.parametrize(
    "name",
    ["password_reset", "password_reset_done", "password_reset_complete"],
)
def test_pages_have_no_inline_style_or_script(client, db, name):
    html = client.get(reverse(name)).content.decode()
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
