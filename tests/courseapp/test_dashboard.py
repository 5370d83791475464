import datetime as dt
import re
from html import unescape

import pytest
from django.db.models import F
from django.urls import reverse

from conftest import enrol, make_user
from courseapp.models import Course, Enrollment, Role
from presentations.models import Paper, Slot
from presentations.services import (
    paper_claim,
    preferences_set,
    slot_sign_up,
    swap_request,
    waitlist_join,
)


def dashboard_url(course) -> str:
    return reverse("courseapp:dashboard", args=[course.code])


def text_of(html: str) -> str:
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r"\( ", "(", re.sub(r" ([.,)])", r"\1", text))


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
        (
            "student",
            ["next_meetings", "due_next", "your_presentation", "feedback_to_give", "your_grades"],
        ),
        (
            "other_student",
            ["next_meetings", "due_next", "your_presentation", "feedback_to_give", "your_grades"],
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
    assert "My paper None yet My slot None yet" in presentation
    assert "Slot sign-up opens on Mon 15 Sep 2025, 09:00." in presentation
    # The demo course assigns papers from rankings, open until 10 October.
    assert re.findall(r'role="button"[^>]*>([^<]+)</a>', html) == ["Rank papers"]
    assert "within 168 hours" in card(html, "feedback_to_give")  # a week, in the demo file
    grades = card(html, "your_grades")
    assert "No grades released yet." in grades
    assert "In-class presentation (30 points)" in grades
    assert "Course report (70 points)" in grades


def test_the_feedback_card_states_the_course_rules(client_of, course, student):
    course.feedback_window_hours = 48
    course.feedback_free_misses = 2
    course.save()

    text = card(client_of(student).get(dashboard_url(course)).content.decode(), "feedback_to_give")

    assert "within 48 hours of its session (2 may be missed without losing points)" in text


def test_student_cards_once_sign_up_has_opened(client_of, demo_course, demo_member, time_machine):
    freeze(time_machine, 2025, 9, 20, 12, 0)
    html = client_of(demo_member(Role.STUDENT)).get(dashboard_url(demo_course)).content.decode()
    presentation = card(html, "your_presentation")
    assert "My paper None yet My slot None yet" in presentation
    assert "Slot sign-up" not in presentation
    slots = reverse("presentations:slots", args=[demo_course.code])
    assert f'<a role="button" class="secondary" href="{slots}">Book a slot</a>' in html


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
    assert "Thu 30 Oct 2025, 10:30 · Room 2465" in text
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
    # The student's feedback card adds four: the talks, the papers of unbooked talks, the
    # excusals, the feedback given; the due-next card six: whether there are deliverables,
    # the enrolment, the team, the deliverables, extensions, versions.
    with django_assert_max_num_queries(20):
        assert student.get(dashboard_url(demo_course)).status_code == 200


# The presentation card ---------------------------------------------------------------------

BEFORE_FREEZE = dt.datetime(2025, 9, 5, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def open_course(course, time_machine):
    """The small course with slot sign-up open; session 1 (Tue 9 Sep 2025, 10:30) has 2 slots."""
    time_machine.move_to(BEFORE_FREEZE, tick=False)
    course.signup_opens_at = dt.datetime(2025, 9, 1, 9, 0, tzinfo=BEFORE_FREEZE.tzinfo)
    course.save()
    return course


def enrolment_of(user) -> Enrollment:
    return Enrollment.objects.select_related("course", "user").get(user=user)


def slot_at(course, position: int) -> Slot:
    return Slot.objects.get(course=course, position=position)


def talk_card(client, course) -> str:
    return card(client.get(dashboard_url(course)).content.decode(), "your_presentation")


def test_the_card_shows_my_paper_and_slot(client_of, open_course, student):
    me = enrolment_of(student)
    paper_claim(student=me, paper=Paper.objects.get(key="zero"), actor=None, via="page")
    slot_sign_up(student=me, slot=slot_at(open_course, 2), actor=None, via="page")

    html = client_of(student).get(dashboard_url(open_course)).content.decode()

    assert card(html, "your_presentation") == (
        "Your presentation My paper ZeRO (Training) My slot Session 1, slot 2 "
        "(Tue 9 Sep 2025, 11:00) Your slot and swaps The programme"
    )
    assert 'role="button"' not in html


def test_the_card_asks_for_a_slot_once_a_paper_is_claimed(client_of, open_course, student):
    paper_claim(
        student=enrolment_of(student), paper=Paper.objects.get(key="zero"), actor=None, via="page"
    )

    text = talk_card(client_of(student), open_course)

    assert text == "Your presentation My paper ZeRO (Training) My slot None yet Book a slot"


def test_the_card_shows_waitlist_positions(client_of, open_course, student, other_student):
    first, second = (make_user(name) for name in ("s1", "s2"))
    for position, user in ((1, first), (2, second)):
        enrol(user, open_course, Role.STUDENT)
        slot_sign_up(
            student=enrolment_of(user), slot=slot_at(open_course, position), actor=None, via="page"
        )
    session = slot_at(open_course, 1).meeting
    for user in (other_student, student):
        waitlist_join(student=enrolment_of(user), session=session, actor=None, via="page")

    text = talk_card(client_of(student), open_course)

    assert "You are number 2 on the waitlist of session 1 (Tue 9 Sep 2025)." in text


def test_the_card_shows_swaps_both_ways(client_of, open_course, student, other_student):
    third = make_user("carol", first_name="Carol", last_name="Shaw")
    enrol(third, open_course, Role.STUDENT)
    Slot.objects.filter(course=open_course, position=2).update(capacity=2)
    mine = slot_sign_up(
        student=enrolment_of(student), slot=slot_at(open_course, 1), actor=None, via="page"
    )
    bobs = slot_sign_up(
        student=enrolment_of(other_student), slot=slot_at(open_course, 2), actor=None, via="page"
    )
    slot_sign_up(student=enrolment_of(third), slot=slot_at(open_course, 2), actor=None, via="page")
    swap_request(student=enrolment_of(student), target=bobs, actor=None, via="page")
    swap_request(student=enrolment_of(third), target=mine, actor=None, via="page")

    text = talk_card(client_of(student), open_course)

    assert (
        "Carol Shaw asks to swap slots with you: theirs is Session 1, slot 2 "
        "(Tue 9 Sep 2025, 11:00). You asked Bob Builder to swap slots; waiting for an answer."
    ) in text
    assert text.endswith("Claim a paper Answer the swap request Your slot and swaps The programme")


def test_the_card_in_preference_mode(client_of, open_course, student):
    open_course.paper_assignment = Course.PaperAssignment.PREFERENCES
    open_course.papers_close_at = dt.datetime(2025, 9, 6, 18, 0, tzinfo=BEFORE_FREEZE.tzinfo)
    open_course.save()
    client = client_of(student)

    assert (
        "Rank up to 5 papers you would like to present; the instructor assigns them once "
        "ranking closes. Ranking closes on Sat 6 Sep 2025, 18:00. Rank papers Book a slot"
    ) in talk_card(client, open_course)

    preferences_set(
        student=enrolment_of(student),
        paper_ids=list(Paper.objects.values_list("pk", flat=True)),
        actor=None,
        via="page",
    )
    assert "You ranked 2 of up to 5 papers" in talk_card(client, open_course)
    assert "Change your ranking" in talk_card(client, open_course)

    open_course.papers_close_at = dt.datetime(2025, 9, 2, 18, 0, tzinfo=BEFORE_FREEZE.tzinfo)
    open_course.save()
    closed = talk_card(client, open_course)
    assert "Ranking closed: the instructor assigns the papers." in closed
    assert "Rank papers" not in closed


def test_the_card_lists_each_of_several_talks(client_of, open_course, student):
    open_course.talks_per_student = 2
    open_course.save()
    slot_sign_up(
        student=enrolment_of(student), slot=slot_at(open_course, 1), actor=None, via="page"
    )

    text = talk_card(client_of(student), open_course)

    assert (
        "Talk 1 My paper None yet My slot Session 1, slot 1 (Tue 9 Sep 2025, 10:30) "
        "Talk 2 My paper None yet My slot None yet"
    ) in text


def test_the_card_of_a_withdrawn_student(client_of, open_course, student):
    Enrollment.objects.filter(user=student).update(status=Enrollment.Status.WITHDRAWN)

    text = talk_card(client_of(student), open_course)

    assert "You are withdrawn from this course, so you give no talk." in text
    assert "Book a slot" not in text


@pytest.mark.parametrize("size", [5, 60])
def test_the_card_runs_a_fixed_number_of_queries(
    client_of, open_course, student, other_student, size, django_assert_max_num_queries
):
    open_course.paper_assignment = Course.PaperAssignment.PREFERENCES
    open_course.talks_per_student = 2
    open_course.save()
    Slot.objects.filter(course=open_course).update(capacity=size + 2)
    for number in range(size):
        user = make_user(f"c{number}")
        enrol(user, open_course, Role.STUDENT)
        slot_sign_up(
            student=enrolment_of(user), slot=slot_at(open_course, 1), actor=None, via="page"
        )
    # Talk 1 booked with a swap asked of it, talk 2 waiting for a full session.
    mine = slot_sign_up(
        student=enrolment_of(student), slot=slot_at(open_course, 2), actor=None, via="page"
    )
    slot_sign_up(
        student=enrolment_of(other_student), slot=slot_at(open_course, 1), actor=None, via="page"
    )
    swap_request(student=enrolment_of(other_student), target=mine, actor=None, via="page")
    Slot.objects.filter(course=open_course).update(capacity=F("booked"))
    waitlist_join(student=enrolment_of(student), session=mine.slot.meeting, actor=None, via="page")
    client = client_of(student)

    # The card's share: the enrolment, the talks, the waitlists, the swaps, the ranking; and
    # with the feedback window closed, the feedback received (talks, questions, ratings,
    # comments); and one more for the due-next card of a course without deliverables.
    with django_assert_max_num_queries(18):
        text = talk_card(client, open_course)

    assert "Bob Builder asks to swap" in text
    assert "You are number 1 on the waitlist of session 1" in text
