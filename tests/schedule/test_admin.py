import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from schedule.models import Meeting, Week

User = get_user_model()


def week_of(course, number: int) -> Week:
    return Week.objects.get(course=course, number=number)


def meeting_of(course, **lookup) -> Meeting:
    return Meeting.objects.get(course=course, **lookup)


@pytest.mark.parametrize("who", ["anonymous", "student", "other_student", "ta", "outsider"])
@pytest.mark.parametrize("url", ["/admin/schedule/week/", "/admin/schedule/meeting/"])
def test_schedule_admin_is_closed_to_non_instructors(who, url, client_as, course, other_course):
    response = client_as(who).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", ["/admin/schedule/week/", "/admin/schedule/meeting/"])
def test_instructor_lists_only_their_courses_rows(
    staff_instructor, course, other_course, url, client_of
):
    response = client_of(staff_instructor).get(url)

    rows = response.context["cl"].result_list
    assert len(rows) > 0
    assert {row.course_id for row in rows} == {course.pk}


@pytest.mark.parametrize("url", ["/admin/schedule/week/", "/admin/schedule/meeting/"])
def test_superuser_lists_every_courses_rows(superuser, course, other_course, url, client_of):
    response = client_of(superuser).get(url)

    assert {row.course_id for row in response.context["cl"].result_list} == {
        course.pk,
        other_course.pk,
    }


@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_instructor_gets_404_on_another_courses_week_and_meeting(
    staff_instructor, other_course, action, client_of
):
    client = client_of(staff_instructor)
    week = week_of(other_course, 1)
    meeting = meeting_of(other_course, kind=Meeting.Kind.LECTURE)

    assert client.get(f"/admin/schedule/week/{week.pk}/{action}/").status_code == 404
    assert client.get(f"/admin/schedule/meeting/{meeting.pk}/{action}/").status_code == 404


def test_instructor_cannot_delete_another_courses_week(staff_instructor, other_course, client_of):
    week = week_of(other_course, 1)

    response = client_of(staff_instructor).post(
        f"/admin/schedule/week/{week.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 404
    assert Week.objects.filter(pk=week.pk).exists()


def test_week_page_shows_its_meetings_inline(staff_instructor, course, client_of):
    response = client_of(staff_instructor).get(
        f"/admin/schedule/week/{week_of(course, 1).pk}/change/"
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Introduction" in content
    assert "No class" in content


def test_a_presentation_session_shows_its_slots_and_a_lecture_none(
    staff_instructor, course, client_of
):
    client = client_of(staff_instructor)
    session = meeting_of(course, kind=Meeting.Kind.PRESENTATION)
    lecture = meeting_of(course, kind=Meeting.Kind.LECTURE)

    session_page = client.get(f"/admin/schedule/meeting/{session.pk}/change/")
    lecture_page = client.get(f"/admin/schedule/meeting/{lecture.pk}/change/")

    assert [f.formset.prefix for f in session_page.context["inline_admin_formsets"]] == ["slots"]
    assert len(session_page.context["inline_admin_formsets"][0].formset.forms) == 2
    assert lecture_page.context["inline_admin_formsets"] == []


def test_meeting_filters_by_kind(staff_instructor, course, client_of):
    response = client_of(staff_instructor).get(
        "/admin/schedule/meeting/", {"kind__exact": "holiday"}
    )

    assert [m.topic for m in response.context["cl"].result_list] == ["No class"]


def test_a_meeting_cannot_land_in_another_courses_week(superuser, course, other_course, client_of):
    # Course-file rows are read-only for instructors; a superuser may still edit them, and
    # is offered every course's weeks.
    other_week = week_of(other_course, 1)

    response = client_of(superuser).post(
        "/admin/schedule/meeting/add/",
        {
            "course": course.pk,
            "week": other_week.pk,
            "date": "2025-09-03",
            "kind": "lecture",
            "topic": "Misplaced",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["week"] == ["W1 belongs to another course."]
    assert not Meeting.objects.filter(topic="Misplaced").exists()


def test_meetings_added_inline_take_their_weeks_course(superuser, course, client_of):
    week = week_of(course, 2)
    client = client_of(superuser)
    url = f"/admin/schedule/week/{week.pk}/change/"
    formset = client.get(url).context["inline_admin_formsets"][0].formset
    data = {
        "course": course.pk,
        "number": 2,
        "starts_on": "2025-09-08",
        "title": "",
        "meetings-TOTAL_FORMS": len(formset.forms) + 1,
        "meetings-INITIAL_FORMS": len(formset.forms),
        "meetings-MIN_NUM_FORMS": 0,
        "meetings-MAX_NUM_FORMS": 1000,
    }
    for index, form in enumerate(formset.forms):
        meeting = form.instance
        data.update(
            {
                f"meetings-{index}-id": meeting.pk,
                f"meetings-{index}-week": week.pk,
                f"meetings-{index}-key": meeting.key,
                f"meetings-{index}-date": meeting.date.isoformat(),
                f"meetings-{index}-kind": meeting.kind,
                f"meetings-{index}-topic": meeting.topic,
                f"meetings-{index}-session_number": meeting.session_number or "",
            }
        )
    new = len(formset.forms)
    data.update(
        {
            f"meetings-{new}-week": week.pk,
            f"meetings-{new}-date": "2025-09-12",
            f"meetings-{new}-kind": "lecture",
            f"meetings-{new}-topic": "Extra lecture",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302
    extra = Meeting.objects.get(topic="Extra lecture")
    assert (extra.course_id, extra.week_id, extra.date) == (
        course.pk,
        week.pk,
        dt.date(2025, 9, 12),
    )


def test_demo_week_page_runs_a_bounded_number_of_queries(
    demo_instructor, demo_course, client_of, django_assert_max_num_queries
):
    client = client_of(demo_instructor)
    week = week_of(demo_course, 10)

    with django_assert_max_num_queries(16):
        response = client.get(f"/admin/schedule/week/{week.pk}/change/")

    assert response.status_code == 200
