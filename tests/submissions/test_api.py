"""The submissions API for each role of the cast: my deliverables, upload, download, the
staff's list."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from submissions.models import Submission
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
def api_as(request, client, api_client_of):
    def make(role):
        if role == "anonymous":
            return client
        return api_client_of(request.getfixturevalue(role))

    return make


@pytest.fixture
def handed_in(review, student):
    return submission_upload(
        deliverable=review, user=student, upload=pdf_upload(3), via="api"
    ).submission


def _status(role, allowed):
    if role == "anonymous":
        return 401
    if role == "outsider":
        return 404
    return 200 if role in allowed else 403


@pytest.mark.parametrize("role", ROLES)
def test_my_deliverables(course, api_as, role, handed_in):
    response = api_as(role).get(f"/api/courses/{course.code}/deliverables/")

    assert response.status_code == _status(role, {"student", "other_student"})
    if role == "student":
        review = next(item for item in response.json() if item["deliverable"]["key"] == "review")
        assert review["counted"]["version"] == 1
        assert review["counted"]["pages"] == 3
        assert review["deliverable"]["late"]["penalty"] == "0.100"
    if role == "other_student":
        review = next(item for item in response.json() if item["deliverable"]["key"] == "review")
        assert review["versions"] == []


@pytest.mark.parametrize("role", ROLES)
def test_upload(course, api_as, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(role).post(
            f"/api/courses/{course.code}/deliverables/review/submissions/",
            {"file": pdf_upload(3)},
        )

    expected = {"student": 201, "other_student": 201}.get(role, _status(role, set()))
    assert response.status_code == expected
    if expected == 201:
        receipt = response.json()
        assert receipt["submission"]["pages"] == 3
        assert receipt["late"] is False
        assert len(receipt["submission"]["sha256"]) == 64


def test_a_non_pdf_upload_is_a_400_in_the_error_shape(course, api_client_of, student):
    response = api_client_of(student).post(
        f"/api/courses/{course.code}/deliverables/review/submissions/",
        {"file": SimpleUploadedFile("r.pdf", b"<html>not a pdf</html>")},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "not a PDF" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_a_late_refused_upload_is_a_409(course, api_client_of, student, review):
    with time_machine.travel(review.due + dt.timedelta(days=3), tick=False):
        response = api_client_of(student).post(
            f"/api/courses/{course.code}/deliverables/review/submissions/",
            {"file": pdf_upload(3)},
        )
    assert response.status_code == 409
    assert response.json()["code"] == "late_refused"


def test_an_unknown_deliverable_is_a_404(course, api_client_of, student):
    response = api_client_of(student).get(
        f"/api/courses/{course.code}/deliverables/nope/submissions/"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_download(course, api_as, role, handed_in):
    response = api_as(role).get(f"/api/courses/{course.code}/submissions/{handed_in.pk}/file/")

    expected = {"anonymous": 401, "student": 200, "ta": 200, "instructor": 200}.get(role, 404)
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == pdf_bytes(3)


@pytest.mark.parametrize("role", ROLES)
def test_staff_list_per_deliverable(course, api_as, role, handed_in):
    response = api_as(role).get(f"/api/courses/{course.code}/deliverables/review/handins/")

    assert response.status_code == _status(role, {"ta", "instructor"})
    if response.status_code == 200:
        alice = next(r for r in response.json() if r["members"][0]["username"] == "alice")
        assert alice["handin"]["counted"]["version"] == 1
