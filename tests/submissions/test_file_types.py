"""The `file_types` policy: a deliverable that takes a ZIP archive as well as a PDF, each judged
by its content; what is served back keeps its type."""

import datetime as dt
import io
import zipfile
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from submissions.models import Submission
from submissions.services import ZIP_MAX_ENTRIES, submission_upload
from tests.submissions.conftest import pdf_bytes, pdf_upload

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")
BEFORE_DUE = dt.datetime(2025, 9, 20, 10, 0, tzinfo=HK)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def code_or_report(review):
    """The review deliverable, taking a PDF or a ZIP archive (code and a report, say)."""
    review.file_types = ["pdf", "zip"]
    review.save(update_fields=["file_types"])
    return review


def upload(deliverable, student, name: str, data: bytes):
    with time_machine.travel(BEFORE_DUE, tick=False):
        return submission_upload(
            deliverable=deliverable,
            user=student,
            upload=SimpleUploadedFile(name, data),
            via="web",
        )


def test_a_zip_archive_is_accepted_where_the_file_allows_it(code_or_report, student):
    data = zip_bytes({"main.py": b"print('hello')\n", "README.md": b"# Homework 1\n"})

    receipt = upload(code_or_report, student, "homework.zip", data)

    submission = receipt.submission
    assert submission.pages is None
    assert submission.file_type == "zip"
    assert submission.content_type == "application/zip"


def test_a_pdf_is_still_accepted_and_its_pages_counted(code_or_report, student):
    receipt = upload(code_or_report, student, "report.pdf", pdf_bytes(3))

    assert receipt.submission.pages == 3
    assert receipt.submission.file_type == "pdf"


def test_a_zip_archive_is_refused_where_only_pdf_is_allowed(review, student):
    with pytest.raises(ValidationError) as refused:
        upload(review, student, "report.pdf", zip_bytes({"a.txt": b"x"}))

    assert "not a PDF" in refused.value.message_dict["file"][0]
    assert not Submission.objects.exists()


def test_neither_type_is_refused_saying_what_is_allowed(code_or_report, student):
    with pytest.raises(ValidationError) as refused:
        upload(code_or_report, student, "homework.zip", b"GIF89a an image" * 20)

    assert refused.value.message_dict["file"] == [
        "This file is not a PDF or a ZIP archive (judged by its content, whatever its name says)."
    ]


def test_a_damaged_zip_archive_is_refused(code_or_report, student):
    with pytest.raises(ValidationError) as refused:
        upload(code_or_report, student, "homework.zip", zip_bytes({"a.txt": b"x" * 100})[:40])

    assert refused.value.message_dict["file"] == [
        "This ZIP archive is damaged and cannot be opened."
    ]


def test_an_archive_of_too_many_files_is_refused(code_or_report, student):
    data = zip_bytes({f"f{n}.txt": b"" for n in range(ZIP_MAX_ENTRIES + 1)})

    with pytest.raises(ValidationError) as refused:
        upload(code_or_report, student, "homework.zip", data)

    assert f"at most {ZIP_MAX_ENTRIES}" in refused.value.message_dict["file"][0]


def test_an_archive_that_unpacks_too_large_is_refused(code_or_report, student):
    # 600 MB of zeros compress to well under the 20 MB upload limit.
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as out,
    ):
        for _ in range(600):
            out.write(bytes(1024 * 1024))

    with pytest.raises(ValidationError) as refused:
        upload(code_or_report, student, "homework.zip", buffer.getvalue())

    assert "Unpacked, this ZIP archive is larger than" in refused.value.message_dict["file"][0]


def test_the_owner_downloads_the_zip_as_a_zip(course, code_or_report, student, client_of):
    data = zip_bytes({"main.py": b"print('hello')\n"})
    submission = upload(code_or_report, student, "homework.zip", data).submission

    response = client_of(student).get(f"/courses/{course.code}/submissions/{submission.pk}/file/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="homework.zip"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == data


def test_the_graders_archive_names_each_file_by_its_type(
    course, code_or_report, student, other_student, client_of, ta
):
    upload(code_or_report, student, "homework.zip", zip_bytes({"main.py": b"1\n"}))
    upload(code_or_report, other_student, "report.pdf", pdf_upload(2).read())

    response = client_of(ta).get(f"/courses/{course.code}/deliverables/review/submissions.zip")

    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert sorted(name.rsplit(".", 1)[1] for name in names) == ["pdf", "zip"]
