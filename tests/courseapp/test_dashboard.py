import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse

from conftest import enrol, make_user
from courseapp.models import Role


def dashboard_url(course) -> str:
    return reverse("courseapp:dashboard", args=[course.code])


def text_of(html: str) -> str:
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([.,)])", r"\1", text)


def card(html: str, key: str) -> str:
    match = re.search(rf'<article class="card card-{key}".*?</article>', html, re.S)
    assert match, f"no card {key}"
    return text_of(match.group(0))


def card_keys(html: str) -> list[str]:
    return re.findall(r'<article class="card card-([a-z_]+)"', html)


# Access ----------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in(client, course):
    response = client.get(dashboard_url(course))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={dashboard_url(course)}"


def test_outsider_gets_404(client_of, course, outsider):
    assert client_of(outsider).get(dashboard_url(course)).status_code == 404


def test_non_member_of_a_public_course_gets_404(client_of, demo_course, outsider):
    # The schedule is public; the dashboard is for members.
    assert client_of(outsider).get(dashboard_url(demo_course)).status_code == 404


def test_unknown_course_gets_404(client_of, student):
    assert client_of(student).get("/courses/no-such-course/dashboard/").status_code == 404


@pytest.mark.parametrize(
    ("member", "cards"),
    [
        ("student", ["next_meetings", "your_presentation", "feedback_to_give", "your_grades"]),
        (
            "other_student",
            ["next_meetings", "your_presentation", "feedback_to_give", "your_grades"],
        ),
        ("ta", ["next_meetings", "class_progress", "gradebook_export"]),
        ("instructor", ["next_meetings", "class_progress", "gradebook_export", "manage_course"]),
    ],
)
def test_each_role_gets_its_cards(request, client_of, course, member, cards):
    user = request.getfixturevalue(member)
    response = client_of(user).get(dashboard_url(course))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Dashboard</h1>" in html
    assert card_keys(html) == cards


# Cards -----------------------------------------------------------------------------------


@pytest.fixture
def demo_member(demo_course):
    def make(role: Role):
        user = make_user(f"demo-{role}")
        enrol(user, demo_course, role)
        return user

    return make


def freeze(time_machine, *args):
    """Freeze the clock at a Hong Kong wall-clock time."""
    local = dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    time_machine.move_to(local, tick=False)


def test_student_cards_before_sign_up_opens(client_of, demo_course, demo_member, time_machine):
    freeze(time_machine, 2025, 9, 10, 12, 0)
    html = client_of(demo_member(Role.STUDENT)).get(dashboard_url(demo_course)).content.decode()
    presentation = card(html, "your_presentation")
    assert "Slot sign-up opens on Monday 15 September 2025, 09:00." in presentation
    assert "33 places in 11 presentation sessions, 32 papers on the reading list" in presentation
    assert "within 72 hours" in card(html, "feedback_to_give")
    grades = card(html, "your_grades")
    assert "No grades released yet." in grades
    assert "In-class presentation (30 points)" in grades
    assert "Course report (70 points)" in grades


def test_student_cards_once_sign_up_has_opened(client_of, demo_course, demo_member, time_machine):
    freeze(time_machine, 2025, 9, 20, 12, 0)
    html = client_of(demo_member(Role.STUDENT)).get(dashboard_url(demo_course)).content.decode()
    presentation = card(html, "your_presentation")
    assert "You have no presentation slot yet." in presentation
    assert "Slot sign-up opened on Monday 15 September 2025." in presentation


def test_course_without_a_sign_up_date_says_it_has_not_opened(client_of, course, student):
    html = client_of(student).get(dashboard_url(course)).content.decode()
    assert "Slot sign-up has not opened yet." in card(html, "your_presentation")


def test_next_meetings_come_from_the_schedule(client_of, demo_course, demo_member, time_machine):
    # Thursday 10/30 at 11:00: Session-4 is still going on, so it is listed.
    freeze(time_machine, 2025, 10, 30, 11, 0)
    html = client_of(demo_member(Role.STUDENT)).get(dashboard_url(demo_course)).content.decode()
    text = card(html, "next_meetings")
    assert re.findall(r"Presentation Session-\d+", text) == [
        "Presentation Session-4",
        "Presentation Session-5",
        "Presentation Session-6",
    ]
    assert "Thu 30 Oct 10:30 · Room 2465" in text
    assert "Inference and serving" in text


def test_next_meetings_skip_a_meeting_that_is_over_and_holidays(
    client_of, demo_course, demo_member, time_machine
):
    # Thursday 10/02 after class: next come 10/09 (10/07 is no class) and week 7.
    freeze(time_machine, 2025, 10, 2, 12, 0)
    html = client_of(demo_member(Role.STUDENT)).get(dashboard_url(demo_course)).content.decode()
    text = card(html, "next_meetings")
    assert "Prompt Engineering" not in text
    assert "No class" not in text
    topics = ["RAG and LLM Agent", "PEFT and RL Alignment", "LLM Evaluation"]
    assert [topic for topic in topics if topic in text] == topics


def test_next_meetings_after_the_term(client_of, demo_course, demo_member, time_machine):
    freeze(time_machine, 2026, 1, 5, 12, 0)
    html = client_of(demo_member(Role.STUDENT)).get(dashboard_url(demo_course)).content.decode()
    assert "No more meetings" in card(html, "next_meetings")


def test_ta_sees_class_progress(client_of, demo_course, demo_member, time_machine):
    for number in range(3):
        enrol(make_user(f"s{number}"), demo_course, Role.STUDENT)
    # Wednesday 10/29: sessions 1-3 (10/21, 10/23, 10/28) are over.
    freeze(time_machine, 2025, 10, 29, 12, 0)
    html = client_of(demo_member(Role.TA)).get(dashboard_url(demo_course)).content.decode()
    progress = card(html, "class_progress")
    assert "Students enrolled 3" in progress
    assert "Presentation sessions held 3 of 11" in progress
    assert '<progress value="3" max="11"' in html
    assert "No scores entered yet" in card(html, "gradebook_export")
    assert "9 graded criteria" in card(html, "gradebook_export")
    assert "manage_course" not in card_keys(html)


def test_instructor_manages_the_course_in_the_admin(client_of, course, instructor):
    html = client_of(instructor).get(dashboard_url(course)).content.decode()
    admin_url = reverse("admin:courseapp_course_change", args=[course.pk])
    assert f'href="{admin_url}">Open the course in the admin</a>' in html
    assert "Manage this course" in card(html, "manage_course")


def test_dashboard_runs_a_fixed_number_of_queries(
    client_of, demo_course, demo_member, django_assert_max_num_queries
):
    for number in range(10):
        enrol(make_user(f"s{number}"), demo_course, Role.STUDENT)
    instructor = client_of(demo_member(Role.INSTRUCTOR))
    student = client_of(demo_member(Role.STUDENT))
    with django_assert_max_num_queries(9):
        assert instructor.get(dashboard_url(demo_course)).status_code == 200
    with django_assert_max_num_queries(10):
        assert student.get(dashboard_url(demo_course)).status_code == 200
