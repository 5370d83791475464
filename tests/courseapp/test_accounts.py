from django.contrib.messages import get_messages
from django.urls import reverse

from conftest import make_user


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_login_page_shows_a_labelled_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_login_goes_to_next_with_a_message(client, course, student):
    dashboard = reverse("courseapp:dashboard", args=[course.code])
    response = client.post(
        reverse("login"), {"username": "alice", "password": "pw", "next": dashboard}
    )
    assert response.status_code == 302
    assert response["Location"] == dashboard
    assert messages_of(response) == ["Signed in as alice."]


def test_login_without_next_goes_home(client, student):
    response = client.post(reverse("login"), {"username": "alice", "password": "pw"})
    assert response["Location"] == reverse("home")


def test_login_refuses_to_leave_the_site(client, student):
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": "pw", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_the_error_and_signs_nobody_in(client, student):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please enter a correct username and password." in html
    assert 'role="alert"' in html
    assert "_auth_user_id" not in client.session


def test_missing_field_is_reported_next_to_it(client, db):
    response = client.post(reverse("login"), {"username": "alice", "password": ""})
    html = response.content.decode()
    assert 'id="id_password_error"' in html
    assert 'aria-invalid="true"' in html


def test_logout_is_post_only(client_of, student):
    assert client_of(student).get(reverse("logout")).status_code == 405


def test_logout_signs_out_with_a_message(client_of, student):
    client = client_of(student)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "Signed out." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_change_needs_a_signed_in_user(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_change_changes_it_with_a_message(client_of, client, db):
    user = make_user("dora")
    signed_in = client_of(user)
    assert signed_in.get(reverse("password_change")).status_code == 200
    response = signed_in.post(
        reverse("password_change"),
        {
            "old_password": "pw",
            "new_password1": "a-much-longer-passphrase",
            "new_password2": "a-much-longer-passphrase",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("password_change_done"), 302)]
    html = response.content.decode()
    assert "Password changed." in html
    # Still signed in on this device.
    assert 'action="/accounts/logout/"' in html
    user.refresh_from_db()
    assert user.check_password("a-much-longer-passphrase")


def test_password_change_shows_errors_next_to_the_fields(client_of, db):
    user = make_user("eve")
    response = client_of(user).post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_old_password_error"' in html
    assert 'id="id_new_password2_error"' in html
    user.refresh_from_db()
    assert user.check_password("pw")
