"""The feedback pages for every role of the cast, their actions, and the anonymity walk."""

import re

import pytest

from courseapp.models import AuditEntry, Course
from presentations.feedback_services import feedback_submit
from presentations.models import Feedback, FeedbackExcusal
from tests.presentations.feedback.conftest import (
    AFTER_ALL,
    DURING_S1,
    SCORES,
    enrolment,
    session_of,
)

BASE = "/courses/fb-seminar/feedback"


@pytest.fixture(autouse=True)
def _during_session_1(time_machine):
    time_machine.move_to(DURING_S1, tick=False)


def staff_pages(course, student):
    return [
        f"{BASE}/",
        f"{BASE}/sessions/{session_of(course, 1).pk}/",
        f"{BASE}/students/",
        f"{BASE}/students/{enrolment(student, course).pk}/",
    ]


def student_pages(talks):
    return [f"{BASE}/", f"{BASE}/received/", f"{BASE}/talks/{talks['alice'].pk}/"]


def text_of(response) -> str:
    return response.content.decode()


# --- roles --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["student", "other_student"])
def test_students_open_their_pages(request, client_of, talks, who):
    client = client_of(request.getfixturevalue(who))
    for path in student_pages(talks):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("who", ["student", "other_student"])
def test_students_get_403_on_staff_pages(request, client_of, course, student, talks, who):
    client = client_of(request.getfixturevalue(who))
    for path in staff_pages(course, student)[1:]:
        assert client.get(path).status_code == 403, path
    feedback_id = 1
    assert client.post(f"{BASE}/{feedback_id}/hide/", {"reason": "x"}).status_code == 403


@pytest.mark.parametrize("who", ["ta", "instructor"])
def test_staff_open_their_pages(request, client_of, course, student, talks, who):
    client = client_of(request.getfixturevalue(who))
    for path in staff_pages(course, student):
        assert client.get(path).status_code == 200, path
    assert client.get(f"{BASE}/received/").status_code == 403


def test_the_form_is_the_instructors_and_a_tas_only_when_allowed(
    client_of, course, ta, instructor, talks
):
    path = f"{BASE}/talks/{talks['alice'].pk}/"
    assert client_of(instructor).get(path).status_code == 200
    assert client_of(ta).get(path).status_code == 404
    course.ta_can_rate = True
    course.save()
    assert client_of(ta).get(path).status_code == 200


def test_outsider_gets_404_and_anonymous_is_sent_to_log_in(
    client, client_of, course, student, outsider, talks
):
    for path in staff_pages(course, student) + student_pages(talks):
        assert client_of(outsider).get(path).status_code == 404, path
        response = client.get(path)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


# --- the student's flow -------------------------------------------------------------------


def test_a_student_gives_feedback_from_the_form(client_of, course, other_student, talks):
    client = client_of(other_student)
    home = text_of(client.get(f"{BASE}/"))
    assert "Training paper one" in home
    assert "Give feedback" in home
    response = client.post(
        f"{BASE}/talks/{talks['alice'].pk}/",
        {"q_organisation": "4", "q_answering": "5", "comment": "Clear slides."},
        follow=True,
    )
    assert "Feedback given: Training paper one (session 1)." in text_of(response)
    assert Feedback.objects.get().comment == "Clear slides."
    edit = client.get(f"{BASE}/talks/{talks['alice'].pk}/")
    assert "Save changes" in text_of(edit)
    assert "Clear slides." in text_of(edit)


def test_form_errors_show_next_to_the_fields(client_of, other_student, talks):
    response = client_of(other_student).post(
        f"{BASE}/talks/{talks['alice'].pk}/", {"q_organisation": "9", "comment": "ok"}
    )
    text = text_of(response)
    assert response.status_code == 200
    assert 'id="id_q_answering-errors"' in text
    assert "Choose a rating." in text
    assert "Write at least 5 characters" in text
    assert not Feedback.objects.exists()


def test_a_refused_submit_says_why(client_of, student, talks, time_machine):
    response = client_of(student).post(
        f"{BASE}/talks/{talks['carol'].pk}/",
        {"q_organisation": "4", "q_answering": "5", "comment": "Clear slides."},
    )
    assert "You do not give feedback on this talk" in text_of(response)


def test_the_dashboard_counts_the_feedback_to_give(client_of, course, other_student, talks):
    html = text_of(client_of(other_student).get("/courses/fb-seminar/dashboard/"))
    assert "<strong>2</strong> talks to give feedback on" in html


# --- staff actions ------------------------------------------------------------------------


def test_staff_hide_and_restore_with_a_reason(client_of, course, ta, other_student, talks):
    feedback, _ = feedback_submit(
        reviewer=enrolment(other_student, course),
        presentation=talks["alice"],
        scores=SCORES,
        comment="Rubbish talk",
        actor=None,
        via="page",
    )
    session_page = f"{BASE}/sessions/{session_of(course, 1).pk}/"
    client = client_of(ta)
    assert "Rubbish talk" in text_of(client.get(session_page))
    refused = client.post(
        f"{BASE}/{feedback.pk}/hide/", {"reason": "", "next": session_page}, follow=True
    )
    assert "Give a reason." in text_of(refused)
    done = client.post(
        f"{BASE}/{feedback.pk}/hide/", {"reason": "Abusive", "next": session_page}, follow=True
    )
    assert "Hidden: the feedback by bob." in text_of(done)
    assert Feedback.objects.get().hidden
    author = text_of(client_of(other_student).get(f"{BASE}/"))
    assert "Hidden by the staff</strong>: Abusive" in author
    restored = client.post(
        f"{BASE}/{feedback.pk}/restore/", {"next": "//evil.example/"}, follow=True
    )
    assert "Restored: the feedback by bob." in text_of(restored)
    assert not Feedback.objects.get().hidden


def test_instructor_excuses_a_student_from_a_session(
    client_of, course, instructor, ta, other_student, talks
):
    bob = enrolment(other_student, course)
    path = f"{BASE}/students/{bob.pk}/excuse/"
    body = {"session": session_of(course, 1).pk, "reason": "Conference trip"}
    assert client_of(ta).post(path, body).status_code == 403
    response = client_of(instructor).post(path, body, follow=True)
    assert "Excused: bob from session 1." in text_of(response)
    assert FeedbackExcusal.objects.get().reason == "Conference trip"
    again = client_of(instructor).post(path, body, follow=True)
    assert "already excused" in text_of(again)
    bad = client_of(instructor).post(path, {"session": "x", "reason": "r"}, follow=True)
    assert "Choose a session." in text_of(bad)
    excusal = FeedbackExcusal.objects.get()
    withdrawn = client_of(instructor).post(f"{BASE}/excusals/{excusal.pk}/withdraw/", follow=True)
    assert "Excusal withdrawn" in text_of(withdrawn)
    assert AuditEntry.objects.filter(action__startswith="feedback.").count() == 2


def test_instructor_releases_a_session(client_of, course, instructor, ta, talks):
    course.feedback_release = Course.FeedbackRelease.INSTRUCTOR
    course.save()
    path = f"{BASE}/sessions/{session_of(course, 1).pk}/release/"
    assert client_of(ta).post(path).status_code == 403
    response = client_of(instructor).post(path, follow=True)
    assert "Released: the feedback of session 1." in text_of(response)


def test_instructor_allocates_reviewers(client_of, course, instructor, talks):
    course.feedback_scope = Course.FeedbackScope.ASSIGNED
    course.save()
    response = client_of(instructor).post(f"{BASE}/allocate/", follow=True)
    assert "Reviewers allocated" in text_of(response)


# --- anonymity ----------------------------------------------------------------------------


def test_a_presenter_finds_no_trace_of_the_reviewers(
    client_of, api_client_of, course, student, make_students, talks, time_machine
):
    """alice's talk is reviewed by known reviewers; every page and API payload alice can
    reach carries none of their usernames, names, e-mails, ids or submission times."""
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.save()
    reviewers = make_students(3, prefix="zq")
    for number, reviewer in enumerate(reviewers):
        reviewer.user.first_name, reviewer.user.last_name = f"Quentin{number}", f"Zebulon{number}"
        reviewer.user.save()
        feedback_submit(
            reviewer=reviewer,
            presentation=talks["alice"],
            scores={"organisation": 2 + number, "answering": 3},
            comment=f"Comment text {number}",
            actor=reviewer.user,
            via="page",
        )
    feedbacks = list(Feedback.objects.filter(presentation=talks["alice"]))
    time_machine.move_to(AFTER_ALL, tick=False)

    forbidden = []
    for reviewer in reviewers:
        user = reviewer.user
        forbidden += [
            user.username,
            user.first_name,
            user.last_name,
            user.email,
            reviewer.student_id,
        ]
    for feedback in feedbacks:
        moment = feedback.submitted_at
        forbidden += [moment.isoformat(), moment.strftime("%H:%M"), f'"id": {feedback.pk}']
    pages = [
        "/courses/fb-seminar/dashboard/",
        f"{BASE}/",
        f"{BASE}/received/",
        "/courses/fb-seminar/programme/",
        "/courses/fb-seminar/grades/",
    ]
    apis = [
        "/api/courses/fb-seminar/feedback/received/",
        "/api/courses/fb-seminar/feedback/todo/",
        "/api/courses/fb-seminar/feedback/given/",
        "/api/courses/fb-seminar/grades/me/",
        "/api/courses/fb-seminar/papers/",
        "/api/courses/fb-seminar/slots/",
    ]
    seen = []
    for path in pages:
        response = client_of(student).get(path)
        assert response.status_code == 200, path
        seen.append((path, text_of(response)))
    for path in apis:
        response = api_client_of(student).get(path)
        assert response.status_code == 200, path
        seen.append((path, text_of(response)))
    received = dict(seen)[f"{BASE}/received/"]
    assert "Comment text 0" in received
    assert "Comment text 2" in received
    for path, body in seen:
        for needle in forbidden:
            assert needle not in body, (path, needle)
        # no feedback ids in any link or payload
        for feedback in feedbacks:
            assert not re.search(rf"feedback/{feedback.pk}/", body), path
    # The comments come in alphabetical order, not in the order (or time) they were given.
    api = api_client_of(student).get("/api/courses/fb-seminar/feedback/received/").json()
    assert [c["text"] for c in api[0]["comments"]] == sorted(c["text"] for c in api[0]["comments"])
    assert all(set(c) == {"text", "reviewer"} and c["reviewer"] == "" for c in api[0]["comments"])


# --- admin --------------------------------------------------------------------------------


def test_the_admin_shows_feedback_read_only(
    client_of, course, staff_instructor, other_student, talks
):
    feedback, _ = feedback_submit(
        reviewer=enrolment(other_student, course),
        presentation=talks["alice"],
        scores=SCORES,
        comment="Clear and well paced.",
        actor=None,
        via="page",
    )
    client = client_of(staff_instructor)
    listing = client.get("/admin/presentations/feedback/")
    assert listing.status_code == 200
    assert "bob" in text_of(listing)
    page = client.get(f"/admin/presentations/feedback/{feedback.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in text_of(page)
    assert client.post(f"/admin/presentations/feedback/{feedback.pk}/delete/").status_code == 403
    assert client.get("/admin/presentations/feedbackexcusal/").status_code == 200
    assert client.get("/admin/presentations/reviewassignment/").status_code == 200


def test_a_superuser_without_an_enrolment_reads_staff_pages(
    client_of, course, superuser, student, talks
):
    client = client_of(superuser)
    for path in staff_pages(course, student):
        assert client.get(path).status_code == 200, path
    assert client.get(f"{BASE}/talks/{talks['alice'].pk}/").status_code == 404
    api = client.get("/api/courses/fb-seminar/feedback/given/")
    assert api.status_code == 404


@pytest.mark.parametrize("size", [4, 24])
def test_the_pages_run_a_fixed_number_of_queries(
    client_of,
    course,
    instructor,
    student,
    make_students,
    talks,
    size,
    django_assert_max_num_queries,
):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.save()
    for reviewer in make_students(size, prefix="q"):
        feedback_submit(
            reviewer=reviewer,
            presentation=talks["alice"],
            scores=SCORES,
            comment="Clear and well paced.",
            actor=None,
            via="page",
        )
    staff, me = client_of(instructor), client_of(student)
    for client, path, budget in [
        (staff, f"{BASE}/", 12),
        (staff, f"{BASE}/sessions/{session_of(course, 1).pk}/", 18),
        (staff, f"{BASE}/students/", 14),
        (staff, f"{BASE}/students/{enrolment(student, course).pk}/", 18),
        (me, f"{BASE}/", 14),
        (me, f"{BASE}/received/", 14),
    ]:
        with django_assert_max_num_queries(budget):
            assert client.get(path).status_code == 200, path
