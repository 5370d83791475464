import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from conftest import enrol, load_course_text, make_user, small_course_text
from courseapp.models import AuditEntry, FeedKey, Role


def page_url(course) -> str:
    return reverse("schedule:course", args=[course.code])


def text_of(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([.,)])", r"\1", text)


def week_row(html: str, number: int) -> str:
    match = re.search(rf'<tr id="week-{number}"[^>]*>.*?</tr>', html, re.S)
    assert match, f"no row for week {number}"
    return match.group(0)


def row_dates(html: str, number: int) -> str:
    row = week_row(html, number)
    return text_of(re.search(r'<td class="week-dates">(.*?)</td>', row, re.S).group(1))


# Access ----------------------------------------------------------------------------------


def test_anonymous_visitor_of_a_private_course_is_sent_to_log_in(client, course):
    response = client.get(page_url(course))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={page_url(course)}"


def test_anonymous_visitor_of_an_unknown_code_is_sent_to_log_in_too(client, db):
    # Same answer as for a private course: nothing tells the two apart.
    response = client.get("/courses/no-such-course/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("member", ["student", "other_student", "ta", "instructor"])
def test_members_read_a_private_course_schedule(request, client_of, course, member):
    user = request.getfixturevalue(member)
    response = client_of(user).get(page_url(course))
    assert response.status_code == 200
    assert "Introduction" in response.content.decode()


def test_outsider_gets_404_for_a_private_course(client_of, course, outsider):
    assert client_of(outsider).get(page_url(course)).status_code == 404


def test_signed_in_user_gets_404_for_an_unknown_code(client_of, student):
    assert client_of(student).get("/courses/no-such-course/").status_code == 404


def test_anyone_reads_a_public_course_schedule(client, client_of, demo_course, outsider):
    assert client.get(page_url(demo_course)).status_code == 200
    assert client_of(outsider).get(page_url(demo_course)).status_code == 200


def test_anonymous_visitor_gets_a_log_in_link_to_the_course_dashboard(client, demo_course):
    html = client.get(page_url(demo_course)).content.decode()
    dashboard = reverse("courseapp:dashboard", args=[demo_course.code])
    assert f'href="/accounts/login/?next={dashboard}">Log in</a>' in html


def test_member_gets_a_link_to_their_dashboard(client_of, course, student):
    html = client_of(student).get(page_url(course)).content.decode()
    assert f'href="{reverse("courseapp:dashboard", args=[course.code])}"' in html
    assert "/accounts/login/?next" not in html


# Navigation in the layout ----------------------------------------------------------------


def test_navigation_shows_what_a_student_may_do(client_of, course, student):
    html = client_of(student).get(page_url(course)).content.decode()
    nav = re.search(r'<nav class="course-nav".*?</nav>', html, re.S).group(0)
    assert "Schedule" in nav
    assert "Dashboard" in nav
    assert "/admin/" not in nav
    assert text_of(nav).count("Student") == 1
    # Logging out is a POST form with a CSRF token, next to changing the password.
    assert re.search(r'<form class="logout-form" method="post" action="/accounts/logout/">', html)
    assert 'href="/accounts/password/"' in html


def test_navigation_gives_the_instructor_the_course_in_the_admin(client_of, course, instructor):
    html = client_of(instructor).get(page_url(course)).content.decode()
    admin_url = reverse("admin:courseapp_course_change", args=[course.pk])
    assert f'href="{admin_url}"' in html


def test_navigation_gives_a_ta_no_admin_link(client_of, course, ta):
    html = client_of(ta).get(page_url(course)).content.decode()
    nav = re.search(r'<nav class="course-nav".*?</nav>', html, re.S).group(0)
    assert "Dashboard" in nav
    assert "/admin/" not in nav
    assert "TA" in text_of(nav)


def test_navigation_for_a_visitor_offers_only_the_schedule_and_log_in(client, demo_course):
    html = client.get(page_url(demo_course)).content.decode()
    nav = re.search(r'<nav class="course-nav".*?</nav>', html, re.S).group(0)
    assert "Schedule" in nav
    assert "Dashboard" not in nav
    assert "Log out" not in html
    assert "Log in" in html


def test_layout_serves_every_asset_itself(client, demo_course):
    html = client.get(page_url(demo_course)).content.decode()
    assert 'href="/static/vendor/pico/pico.min.css"' in html
    assert 'href="/static/courseapp/app.css"' in html
    # No stylesheet or script from anywhere else.
    for asset in re.findall(r'<(?:link|script)[^>]*(?:href|src)="([^"]+)"', html):
        assert asset.startswith("/static/"), asset
    assert 'class="skip-link" href="#main"' in html
    assert 'id="main"' in html


# Content of the demo course --------------------------------------------------------------


@pytest.fixture
def demo_html(client, demo_course, time_machine) -> str:
    # A day of week 6 in Hong Kong.
    time_machine.move_to(dt.datetime(2025, 10, 8, 4, 0, tzinfo=dt.UTC), tick=False)
    return client.get(page_url(demo_course)).content.decode()


def test_header_shows_title_term_lecturer_and_description(demo_html):
    header = text_of(re.search(r'<header class="page-header">.*?</header>', demo_html, re.S)[0])
    assert "Machine Learning Systems" in header
    assert "Autumn 2025" in header
    assert "Lecturer: Binhang Yuan" in header
    assert "foundation models have fundamentally revolutionized" in header


def test_schedule_lists_thirteen_weeks_with_their_class_dates(demo_html):
    assert len(re.findall(r'<tr id="week-\d+"', demo_html)) == 13
    assert row_dates(demo_html, 1) == "Tue 2 Sep 2025, Thu 4 Sep 2025"
    assert row_dates(demo_html, 2) == "Tue 9 Sep 2025, Thu 11 Sep 2025"
    assert row_dates(demo_html, 6) == "Thu 9 Oct 2025"
    assert row_dates(demo_html, 13) == "Tue 25 Nov 2025, Thu 27 Nov 2025"


def test_week_6_marks_10_07_as_no_class(demo_html):
    row = week_row(demo_html, 6)
    holiday = re.search(r'<li class="meeting meeting-holiday">.*?</li>', row, re.S)
    assert holiday, "10/07 is not marked as a holiday"
    assert "Tue 7 Oct 2025" in text_of(holiday[0])
    assert "No class" in text_of(holiday[0])
    assert "RAG and LLM Agent" in text_of(row)


def test_topics_come_with_their_dates_slides_time_and_room(demo_html):
    row = week_row(demo_html, 1)
    text = text_of(row)
    assert "Tue 2 Sep 2025 Introduction and Logistics Slides for Introduction and Logistics" in text
    assert "Thu 4 Sep 2025 Stochastic Gradient Descent" in text
    assert 'href="https://example.org/mlsys-2025/slides/01-introduction.pdf"' in row
    assert 'href="https://example.org/mlsys-2025/slides/02-sgd.pdf"' in row
    assert "10:30–11:50 · Room 2465" in text
    # A lecture without slides gets no dangling link.
    assert "Slides" not in text_of(week_row(demo_html, 3))


@pytest.mark.parametrize(
    ("week", "topics"),
    [
        (3, ["LLM Pretraining", "Data-, Pipeline-, Optimizer- Parallelism"]),
        (4, ["Tensor Model-, Sequence-, MoE- Parallelism", "Generative Inference Introduction"]),
        (5, ["Generative Inference Optimization", "Prompt Engineering and Inference Scaling"]),
        (7, ["PEFT and RL Alignment", "LLM Evaluation"]),
    ],
)
def test_lecture_topics_follow_the_syllabus(demo_html, week, topics):
    text = text_of(week_row(demo_html, week))
    for topic in topics:
        assert topic in text


def test_presentation_sessions_are_marked_with_their_category(demo_html):
    row = week_row(demo_html, 8)
    sessions = re.findall(r'<li class="meeting meeting-presentation">.*?</li>', row, re.S)
    assert len(sessions) == 2
    first = text_of(sessions[0])
    assert "Presentations" in first
    assert "Presentation Session-1" in first
    assert "Training and parallelism" in first
    assert "Inference and serving" in text_of(week_row(demo_html, 9))
    numbers = re.findall(r"Presentation Session-(\d+)", demo_html)
    assert [int(n) for n in numbers] == list(range(1, 12))


def test_final_review_is_marked(demo_html):
    row = week_row(demo_html, 13)
    review = re.search(r'<li class="meeting meeting-review">.*?</li>', row, re.S)
    assert review
    assert "Review" in text_of(review[0])
    assert "Final Review" in text_of(review[0])
    assert "Thu 27 Nov 2025" in text_of(review[0])


def test_the_current_week_is_highlighted(demo_html):
    assert 'id="week-6" class="current-week" aria-current="date"' in demo_html
    assert demo_html.count("current-week") == 1
    assert "This week" in text_of(week_row(demo_html, 6))
    assert 'href="#week-6"' in demo_html


def test_current_week_follows_the_course_time_zone(client, demo_course, time_machine):
    # Sunday 17:00 UTC is already Monday 01:00 in Hong Kong: week 7 has begun there.
    time_machine.move_to(dt.datetime(2025, 10, 12, 17, 0, tzinfo=dt.UTC), tick=False)
    html = client.get(page_url(demo_course)).content.decode()
    assert 'id="week-7" class="current-week"' in html
    assert html.count("current-week") == 1


def test_no_week_is_highlighted_outside_the_term(client, demo_course, time_machine):
    time_machine.move_to(dt.datetime(2026, 1, 15, 4, 0, tzinfo=dt.UTC), tick=False)
    html = client.get(page_url(demo_course)).content.decode()
    assert "current-week" not in html
    assert "Jump to this week" not in html


def test_grading_scheme_is_a_tree_of_parts_and_leaves(demo_html):
    grading = re.search(
        r'<section aria-labelledby="grading-heading">.*?</section>', demo_html, re.S
    )
    html = grading[0]
    points = [int(p) for p in re.findall(r'<span class="rubric-points">(\d+) points</span>', html)]
    assert points == [30, 20, 5, 5, 70, 50, 10, 15, 15, 10, 20, 10, 10]
    leaves = re.findall(r'<li class="rubric-node rubric-leaf">', html)
    assert len(leaves) == 9
    sources = [text_of(s) for s in re.findall(r'<span class="rubric-source">(.*?)</span>', html)]
    assert (
        sources
        == [
            "70% peer feedback, 30% instructor",
            "70% peer feedback, 30% instructor",
            "Feedback given",
        ]
        + ["Instructor"] * 6
    )
    text = text_of(html)
    assert "In-class presentation 30 points" in text
    assert "Course report 70 points" in text
    assert "Literature review 50 points" in text
    assert "Research plan 20 points" in text


def test_letter_scale_is_shown(demo_html):
    scale = re.search(r'<ul class="letter-scale".*?</ul>', demo_html, re.S)
    text = text_of(scale[0])
    assert text.startswith("A from 93%")
    assert "B+ from 87%" in text
    assert text.endswith("F from 0%")


def test_public_course_links_to_its_calendar_feed(demo_html, demo_course):
    feed = f"http://testserver{reverse('schedule:ical', args=[demo_course.code])}"
    assert f'href="{feed}">Subscribe in your calendar</a>' in demo_html
    assert f'value="{feed}"' in demo_html


# Queries ---------------------------------------------------------------------------------


def test_page_runs_a_fixed_number_of_queries(
    client, client_of, demo_course, django_assert_max_num_queries
):
    # The course, this week, and (the first time) weeks, meetings, slots, rubric and letters.
    with django_assert_max_num_queries(7):
        assert client.get(page_url(demo_course)).status_code == 200
    # The schedule and grading sections come from the cache now.
    with django_assert_max_num_queries(2):
        assert client.get(page_url(demo_course)).status_code == 200
    student = make_user("carol")
    enrol(student, demo_course, Role.STUDENT)
    signed_in = client_of(student)
    # Plus the session, the user, their role and their calendar key.
    with django_assert_max_num_queries(6):
        assert signed_in.get(page_url(demo_course)).status_code == 200


def test_a_new_version_of_the_course_file_shows_at_once(client, db):
    from courseapp.services import course_file_apply

    course = load_course_text(small_course_text(code="tiny", public=True))
    assert "Introduction" in client.get(page_url(course)).content.decode()

    course_file_apply(
        text=small_course_text(code="tiny", public=True).replace("Introduction", "Welcome"),
        via="command",
    )

    html = client.get(page_url(course)).content.decode()
    assert "Welcome" in html
    assert "Introduction" not in html


def test_query_count_does_not_grow_with_the_course(client, demo_course):
    small = load_course_text(small_course_text(code="tiny", public=True))

    def count(course) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(course)).status_code == 200
        return len(queries)

    # 13 weeks, 26 meetings and 33 slots cost what 2 weeks and 2 slots do.
    assert count(demo_course) == count(small)


# The calendar link of a private course ---------------------------------------------------


def test_member_of_a_private_course_creates_a_personal_calendar_link(client_of, course, student):
    client = client_of(student)
    html = client.get(page_url(course)).content.decode()
    assert "Create my calendar link" in html
    assert "schedule.ics?" not in html

    response = client.post(reverse("schedule:calendar_link", args=[course.code]), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{page_url(course)}#calendar"
    assert "Your personal calendar link is ready" in html
    key = FeedKey.objects.get(user=student).key
    assert f"/courses/{course.code}/schedule.ics?key={key}" in html
    assert "Create my calendar link" not in html
    # A key of its own, not the API token.
    assert not Token.objects.filter(user=student).exists()
    assert AuditEntry.objects.filter(action="account.feed_key_created", actor=student).count() == 1


def test_asking_again_keeps_the_same_calendar_link(client_of, course, student):
    client = client_of(student)
    url = reverse("schedule:calendar_link", args=[course.code])
    client.post(url)
    key = FeedKey.objects.get(user=student).key

    response = client.post(url, follow=True)

    assert "You already have a personal calendar link." in response.content.decode()
    assert FeedKey.objects.get(user=student).key == key


def test_each_member_sees_only_their_own_calendar_key(client_of, course, student, other_student):
    for user in (student, other_student):
        client_of(user).post(reverse("schedule:calendar_link", args=[course.code]))
    alice_key = FeedKey.objects.get(user=student).key
    bob_key = FeedKey.objects.get(user=other_student).key

    html = client_of(other_student).get(page_url(course)).content.decode()

    assert f"?key={bob_key}" in html
    assert alice_key not in html


@pytest.mark.parametrize("member", ["student", "other_student", "ta", "instructor"])
def test_a_page_showing_a_calendar_key_is_never_cached(request, client_of, course, member):
    user = request.getfixturevalue(member)
    client = client_of(user)
    client.post(reverse("schedule:calendar_link", args=[course.code]))

    response = client.get(page_url(course))

    assert "no-store" in response["Cache-Control"]
    assert f"?key={FeedKey.objects.get(user=user).key}" in response.content.decode()


def test_a_public_course_gives_visitors_the_plain_feed_and_members_their_own(
    client, client_of, demo_course, student
):
    enrol(student, demo_course, Role.STUDENT)
    member = client_of(student)
    # A member without a key is offered one: their own talks show in their personal feed.
    assert "Create my calendar link" in member.get(page_url(demo_course)).content.decode()
    member.post(reverse("schedule:calendar_link", args=[demo_course.code]))

    mine = member.get(page_url(demo_course))
    visitor = client.get(page_url(demo_course)).content.decode()

    key = FeedKey.objects.get(user=student).key
    assert f"schedule.ics?key={key}" in mine.content.decode()
    assert mine["Cache-Control"] == "private, no-store"
    assert key not in visitor
    assert f'value="http://testserver/courses/{demo_course.code}/schedule.ics"' in visitor


def test_the_calendar_section_points_to_the_account_page_for_a_reset(client_of, course, student):
    client = client_of(student)
    client.post(reverse("schedule:calendar_link", args=[course.code]))
    html = client.get(page_url(course)).content.decode()
    assert f'href="{reverse("account")}#calendar"' in html
    assert "can act as you" not in html


def test_calendar_link_is_for_members_only(client, client_of, course, outsider):
    url = reverse("schedule:calendar_link", args=[course.code])
    assert client_of(outsider).post(url).status_code == 404
    assert client.post(url).status_code == 302
    assert not FeedKey.objects.filter(user=outsider).exists()
    assert not AuditEntry.objects.filter(action__startswith="account.").exists()


def test_calendar_link_is_created_by_post_only(client_of, course, student):
    url = reverse("schedule:calendar_link", args=[course.code])
    assert client_of(student).get(url).status_code == 405
    assert not FeedKey.objects.filter(user=student).exists()
