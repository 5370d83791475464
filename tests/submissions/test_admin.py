"""Submissions in the admin: listed for the courses one teaches; teams set from a CSV."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from submissions.models import Team


@pytest.mark.parametrize(
    "model", ["deliverable", "submission", "extension", "penaltywaiver", "team"]
)
def test_an_instructor_lists_them(client_of, staff_instructor, model):
    response = client_of(staff_instructor).get(f"/admin/submissions/{model}/")
    assert response.status_code == 200


def test_the_deliverables_of_the_course_file_are_read_only(client_of, staff_instructor, course):
    response = client_of(staff_instructor).get("/admin/submissions/deliverable/")
    assert "Literature review" in response.content.decode()
    assert client_of(staff_instructor).get("/admin/submissions/deliverable/add/").status_code == 403


def test_an_instructor_sets_teams_from_a_csv_in_the_admin(
    client_of, staff_instructor, course, student, other_student
):
    csv = SimpleUploadedFile("t.csv", b"team,username\nAlpha,alice\nAlpha,bob\n")
    response = client_of(staff_instructor).post(
        "/admin/submissions/team/import/", {"course": course.pk, "csv_file": csv}
    )

    assert response.status_code == 302
    team = Team.objects.get(course=course)
    assert team.memberships.count() == 2


def test_a_bad_csv_shows_its_lines_next_to_the_field(client_of, staff_instructor, course):
    csv = SimpleUploadedFile("t.csv", b"Alpha,nobody\n")
    response = client_of(staff_instructor).post(
        "/admin/submissions/team/import/", {"course": course.pk, "csv_file": csv}
    )
    assert response.status_code == 400
    assert "line 1: &#x27;nobody&#x27; is not a student of this course" in response.content.decode()


def test_a_course_one_does_not_teach_is_not_offered(client_of, staff_instructor, other_course):
    csv = SimpleUploadedFile("t.csv", b"Alpha,mallory\n")
    response = client_of(staff_instructor).post(
        "/admin/submissions/team/import/", {"course": other_course.pk, "csv_file": csv}
    )
    assert response.status_code == 400
    assert not Team.objects.exists()


def test_the_students_grade_page_shows_the_hand_in_and_its_penalty(
    client_of, staff_instructor, course, student, review
):
    import datetime as dt
    from decimal import Decimal

    import time_machine

    from courseapp.models import Enrollment
    from grading.models import Criterion
    from grading.services import score_set
    from submissions.services import submission_upload
    from tests.submissions.conftest import pdf_upload

    with time_machine.travel(review.due + dt.timedelta(days=1, hours=1), tick=False):
        submission_upload(deliverable=review, user=student, upload=pdf_upload(5), via="web")
    alice = Enrollment.objects.get(user=student)
    score_set(
        student=alice,
        criterion=Criterion.objects.get(course=course, key="review"),
        points=Decimal(40),
        actor=staff_instructor,
        via="web",
    )

    page = client_of(staff_instructor).get(
        f"/admin/courseapp/course/{course.pk}/grades/student/{alice.pk}/"
    )

    text = " ".join(page.content.decode().split())
    assert "version 1</a> of 1" in text
    assert "5 pages (may exceed the page limit of 4; references are not counted)" in text
    assert "Raw 40.00 − late penalty 8.00 = <strong>32.00</strong>" in text
