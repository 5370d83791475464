import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from conftest import load_course_text, small_course_text


def text_of(html: str) -> str:
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([.,)])", r"\1", text)


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}">.*?</section>', html, re.S)
    assert match, f"no section {heading_id}"
    return match.group(0)


@pytest.fixture
def public_course(db):
    return load_course_text(
        small_course_text(code="open-seminar", title="Open Seminar", public=True)
    )


def test_anonymous_visitor_sees_public_courses_only(client, course, public_course):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your courses" not in html
    others = text_of(section(html, "others-heading"))
    assert "Public courses" in others
    assert "Open Seminar" in others
    assert "Systems Seminar" not in html
    assert f'href="{reverse("schedule:course", args=[public_course.code])}"' in html


def test_anonymous_visitor_with_no_public_course_is_told_to_log_in(client, course):
    html = client.get(reverse("home")).content.decode()
    assert "No course publishes its schedule yet." in html
    assert 'href="/accounts/login/"' in html


@pytest.mark.parametrize(
    ("member", "role"),
    [
        ("student", "Student"),
        ("other_student", "Student"),
        ("ta", "TA"),
        ("instructor", "Instructor"),
    ],
)
def test_member_sees_their_course_with_role_and_links(
    request, client_of, course, public_course, member, role
):
    user = request.getfixturevalue(member)
    response = client_of(user).get(reverse("home"))
    # A member of exactly one course still gets the list, not a redirect.
    assert response.status_code == 200
    html = response.content.decode()
    mine = section(html, "mine-heading")
    assert "Systems Seminar" in text_of(mine)
    assert f'<span class="badge badge-role">{role}</span>' in mine
    assert f'href="{reverse("schedule:course", args=[course.code])}"' in mine
    assert f'href="{reverse("courseapp:dashboard", args=[course.code])}"' in mine
    others = section(html, "others-heading")
    assert "Open Seminar" in text_of(others)
    assert "Systems Seminar" not in text_of(others)


def test_outsider_does_not_see_a_private_course_of_others(client_of, course, outsider):
    html = client_of(outsider).get(reverse("home")).content.decode()
    assert "Other Seminar" in text_of(section(html, "mine-heading"))
    assert "Systems Seminar" not in html
    assert "No other courses to show." in html


def test_signed_in_user_without_a_course_gets_an_empty_state(client_of, db):
    from conftest import make_user

    html = client_of(make_user("newcomer")).get(reverse("home")).content.decode()
    assert "You are not enrolled in any course yet." in html


def test_home_runs_a_fixed_number_of_queries(
    client_of, student, public_course, django_assert_max_num_queries
):
    for number in range(5):
        load_course_text(small_course_text(code=f"public-{number}", public=True))
    signed_in = client_of(student)
    # Session, user, visible courses, the user's roles.
    with django_assert_max_num_queries(4):
        assert signed_in.get(reverse("home")).status_code == 200


def test_pico_css_is_vendored_with_its_license():
    css = finders.find("vendor/pico/pico.min.css")
    license_file = finders.find("vendor/pico/LICENSE.md")
    assert css
    assert license_file
    assert "Pico CSS" in Path(css).read_text()[:200]
    assert "MIT License" in Path(license_file).read_text()


def test_home_page_extends_the_layout(client, db):
    html = client.get(reverse("home")).content.decode()
    assert 'class="skip-link" href="#main"' in html
    assert '<footer class="site-footer">' in html
    assert 'href="/static/vendor/pico/pico.min.css"' in html
