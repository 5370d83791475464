"""Every submissions page and endpoint, for each role of the cast; hostile uploads."""

import datetime as dt
import io
import zipfile
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import enrol
from courseapp.models import Enrollment, Role
from grading.models import Criterion
from grading.services import score_set
from submissions.models import Extension, PenaltyWaiver, Submission, Team
from submissions.services import submission_upload
from tests.submissions.conftest import pdf_bytes, pdf_upload

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")
NOW = dt.datetime(2025, 9, 20, 10, 0, tzinfo=HK)
ROLES = ["anonymous", "student", "other_student", "ta", "instructor", "outsider"]


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def handed_in(review, student):
    return submission_upload(
        deliverable=review, user=student, upload=pdf_upload(3), via="web"
    ).submission


def _url(course, tail):
    return f"/courses/{course.code}/{tail}"


def _expected(role, allowed):
    if role == "anonymous":
        return 302
    if role == "outsider":
        return 404
    return 200 if role in allowed else 403


MEMBERS = {"student", "other_student", "ta", "instructor"}
STAFF = {"ta", "instructor"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("tail", "allowed"),
    [
        ("deliverables/", MEMBERS),
        ("deliverables/review/", MEMBERS),
        ("deliverables/review/submissions.zip", STAFF),
        ("teams/", MEMBERS),
    ],
)
def test_pages_for_each_role(course, client_as, role, tail, allowed, handed_in):
    response = client_as(role).get(_url(course, tail))

    assert response.status_code == _expected(role, allowed)


@pytest.mark.parametrize("role", ROLES)
def test_the_file_only_to_its_owner_and_staff(course, client_as, role, handed_in):
    response = client_as(role).get(_url(course, f"submissions/{handed_in.pk}/file/"))

    expected = {"anonymous": 302, "student": 200, "ta": 200, "instructor": 200}.get(role, 404)
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == pdf_bytes(3)
        assert response["Cache-Control"] == "private, no-store"


def test_a_file_of_another_course_is_not_found(
    course, other_course, client_of, instructor, handed_in
):
    # Staff of both courses, asking for this course's file under the other course.
    enrol(instructor, other_course, Role.INSTRUCTOR)
    response = client_of(instructor).get(f"/courses/other-seminar/submissions/{handed_in.pk}/file/")
    assert response.status_code == 404


def test_a_student_uploads_and_sees_the_receipt(course, client_of, student):
    client = client_of(student)
    response = client.post(_url(course, "deliverables/review/"), {"file": pdf_upload(6)})

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    submission = Submission.objects.get()
    assert "Your receipt" in page
    assert submission.sha256 in page
    assert "may exceed the page limit of 4 (references are not counted)" in page
    assert "Version 1 handed in" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.pdf", b"MZ\x90\x00 an executable", "not a PDF"),
        ("x.pdf", pdf_bytes(2)[:300], "could not be read"),
        ("x.pdf", b"", "The submitted file is empty."),
        ("../../../../etc/passwd", pdf_bytes(1), None),
        ("a" * 500 + ".pdf", pdf_bytes(1), None),
        ("x.pdf", b"%PDF-1.4\n" + b"\x00" * 2_000 + b"%%EOF", "could not be read"),
    ],
)
def test_hostile_uploads_get_a_clear_answer_never_a_500(
    course, client_of, student, name, content, message
):
    response = client_of(student).post(
        _url(course, "deliverables/review/"), {"file": SimpleUploadedFile(name, content)}
    )

    if message is None:
        assert response.status_code == 302
        submission = Submission.objects.get()
        assert ".." not in submission.file.name
        assert "/" not in submission.original_name
        assert len(submission.original_name) <= 200
    else:
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not Submission.objects.exists()


def test_a_huge_upload_is_refused_with_a_message(course, client_of, student, review):
    review.max_bytes = 1024 * 1024
    review.save()
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))

    response = client_of(student).post(_url(course, "deliverables/review/"), {"file": big})

    assert response.status_code == 400
    assert "the limit is 1.0 MB" in response.content.decode()


def test_staff_see_every_hand_in_and_download_a_zip_named_by_student_id(
    course, client_of, ta, handed_in, other_student
):
    page = client_of(ta).get(_url(course, "deliverables/review/")).content.decode()
    assert f"submissions/{handed_in.pk}/file/" in page
    assert "1 of 2 handed in" in page

    response = client_of(ta).get(_url(course, "deliverables/review/submissions.zip"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == ["S001_v1.pdf"]
    assert archive.read("S001_v1.pdf") == pdf_bytes(3)


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("student", 403), ("outsider", 404), ("ta", 302), ("instructor", 302)],
)
def test_staff_grant_an_extension(course, client_as, student, role, status):
    enrollment = Enrollment.objects.get(user=student)
    response = client_as(role).post(
        _url(course, "deliverables/review/extensions/"),
        {"owner": f"s{enrollment.pk}", "due": "2025-10-05T23:59", "reason": "Illness"},
    )

    assert response.status_code == status
    assert Extension.objects.exists() is (status == 302 and role != "anonymous")
    if Extension.objects.exists():
        assert Extension.objects.get().due == dt.datetime(2025, 10, 5, 23, 59, tzinfo=HK)


def test_an_extension_without_a_reason_is_shown_next_to_the_field(course, client_of, ta, student):
    enrollment = Enrollment.objects.get(user=student)
    response = client_of(ta).post(
        _url(course, "deliverables/review/extensions/"),
        {"owner": f"s{enrollment.pk}", "due": "2025-10-05T23:59", "reason": ""},
    )
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()


def test_the_student_sees_the_extension(course, client_of, ta, student, review):
    from submissions.services import extension_grant

    extension_grant(
        deliverable=review,
        student=Enrollment.objects.get(user=student),
        due=dt.datetime(2025, 10, 5, 23, 59, tzinfo=HK),
        reason="Illness",
        actor=ta,
        via="web",
    )
    page = client_of(student).get(_url(course, "deliverables/review/")).content.decode()
    assert "extended" in page
    assert "Illness" in page
    assert "Sun 5 Oct 2025, 23:59" in page


@pytest.mark.parametrize(
    ("role", "waived"),
    [("student", False), ("ta", False), ("instructor", True), ("outsider", False)],
)
def test_only_an_instructor_waives(course, client_as, student, role, waived):
    enrollment = Enrollment.objects.get(user=student)
    client_as(role).post(
        _url(course, "deliverables/review/waive/"),
        {"student": enrollment.pk, "reason": "Outage", "next": "https://evil.example/"},
    )
    assert PenaltyWaiver.objects.exists() is waived


def test_the_grid_shows_the_hand_in_raw_penalty_and_net(
    course, client_of, instructor, student, review
):
    with time_machine.travel(review.due + dt.timedelta(hours=1), tick=False):
        late = submission_upload(deliverable=review, user=student, upload=pdf_upload(3), via="web")
    score_set(
        student=Enrollment.objects.get(user=student),
        criterion=Criterion.objects.get(course=course, key="review"),
        points=Decimal(40),
        actor=instructor,
        via="web",
    )

    page = client_of(instructor).get(_url(course, "gradebook/")).content.decode()

    assert "raw 40.00 − 4.00 late = 36.00" in page
    assert f"submissions/{late.submission.pk}/file/" in page
    export = client_of(instructor).get(_url(course, "gradebook/export/?format=csv"))
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    alice = dict(
        zip(header, next(line for line in lines if "alice" in line).split(","), strict=False)
    )
    assert alice["review"] == "36.00"
    assert alice["late penalty"] == "yes"


def test_teams_page_for_students_and_instructors(course, client_of, student, instructor):
    client = client_of(student)
    response = client.post(_url(course, "teams/"), {"action": "create", "name": "Owls"})
    assert response.status_code == 302
    assert "Team Owls formed" in client.get(_url(course, "teams/")).content.decode()

    csv = SimpleUploadedFile("teams.csv", b"team,username\nOwls,bob\n")
    response = client_of(instructor).post(_url(course, "teams/"), {"csv_file": csv})
    assert response.status_code == 400  # bob is not enrolled in this test
    assert "not a student of this course" in response.content.decode()


def test_a_ta_cannot_set_teams(course, client_of, ta):
    csv = SimpleUploadedFile("teams.csv", b"team,username\n")
    response = client_of(ta).post(_url(course, "teams/"), {"csv_file": csv})
    assert response.status_code == 302
    assert not Team.objects.exists()


def test_a_student_sees_the_late_penalty_in_released_grades(
    course, client_of, instructor, student, review
):
    from grading.models import Criterion as Leaf
    from grading.services import part_release

    with time_machine.travel(review.due + dt.timedelta(hours=1), tick=False):
        submission_upload(deliverable=review, user=student, upload=pdf_upload(3), via="web")
    score_set(
        student=Enrollment.objects.get(user=student),
        criterion=Criterion.objects.get(course=course, key="review"),
        points=Decimal(40),
        actor=instructor,
        via="web",
    )
    part_release(part=Leaf.objects.get(course=course, key="report"), actor=instructor, via="web")

    page = client_of(student).get(_url(course, "grades/")).content.decode()
    assert "(late: 4.00 off)" in page
    api = client_of(student).get(f"/api/courses/{course.code}/grades/me/").json()
    line = next(c for part in api["parts"] for c in part["criteria"] if c["key"] == "review")
    assert (line["earned"], line["late_penalty"]) == ("36.00", "4.00")


def test_a_text_response_is_handed_in_on_its_page(course, client_of, student):
    url = _url(course, "deliverables/response-20250916/")
    client = client_of(student)

    with time_machine.travel(dt.datetime(2025, 9, 16, 8, 0, tzinfo=HK), tick=False):
        empty = client.post(url, {"text": "  "})
        saved = client.post(url, {"text": "The paper's key idea is ..."})
    late = client.post(url, {"text": "Too late"})

    assert empty.status_code == 400
    assert "Write your text before handing it in." in empty.content.decode()
    assert saved.status_code == 302
    assert Submission.objects.get().text == "The paper's key idea is ..."
    assert late.status_code == 400
    assert "late work is no longer accepted" in late.content.decode()


def test_students_invite_and_accept_on_the_teams_page(course, client_of, student, other_student):
    alice, bob = client_of(student), client_of(other_student)
    alice.post(_url(course, "teams/"), {"action": "create", "name": "Owls"})

    invited = alice.post(_url(course, "teams/"), {"action": "invite", "username": "bob"})
    unknown = alice.post(_url(course, "teams/"), {"action": "invite", "username": "nobody"})
    page = bob.get(_url(course, "teams/")).content.decode()
    invite = Team.objects.get().invites.get()
    accepted = bob.post(_url(course, "teams/"), {"action": "accept", "invite": invite.pk})
    hostile = bob.post(_url(course, "teams/"), {"action": "accept", "invite": "1 OR 1=1"})

    assert invited.status_code == unknown.status_code == accepted.status_code == 302
    assert "Owls invites you" in page
    assert Team.objects.get().memberships.count() == 2
    assert hostile.status_code == 302
    messages = bob.get(_url(course, "teams/")).content.decode()
    assert "That invitation is no longer open." in messages
    left = bob.post(_url(course, "teams/"), {"action": "leave"})
    assert left.status_code == 302
    assert Team.objects.get().memberships.count() == 1


def test_a_body_over_the_request_limit_is_refused_unread(course, client_of, student, settings):
    settings.REQUEST_MAX_BYTES = 64 * 1024

    def big():
        return SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (128 * 1024))

    page = client_of(student).post(_url(course, "deliverables/review/"), {"file": big()})
    api = client_of(student).post(
        f"/api/courses/{course.code}/deliverables/review/submissions/", {"file": big()}
    )

    assert page.status_code == api.status_code == 413
    assert api.json()["code"] == "request_too_large"
    assert not Submission.objects.exists()
