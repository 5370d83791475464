"""Submitting: what a file must be, pages counted, every version kept, the receipt."""

import datetime as dt
import hashlib
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from courseapp.models import AuditEntry
from submissions.models import MB, Submission
from submissions.services import SubmissionError, pdf_pages, safe_file_name, submission_upload
from tests.submissions.conftest import pdf_bytes, pdf_upload

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")
BEFORE_DUE = dt.datetime(2025, 9, 20, 10, 0, tzinfo=HK)


def upload(review, student, file, when=BEFORE_DUE):
    with time_machine.travel(when, tick=False):
        return submission_upload(deliverable=review, user=student, upload=file, via="web")


def test_a_non_pdf_named_pdf_is_refused(review, student):
    fake = SimpleUploadedFile("report.pdf", b"GIF89a this is an image, not a PDF" * 10)

    with pytest.raises(ValidationError) as refused:
        upload(review, student, fake)

    assert "not a PDF" in refused.value.message_dict["file"][0]
    assert not Submission.objects.exists()


def test_a_broken_pdf_is_refused_with_a_clear_message(review, student):
    broken = SimpleUploadedFile("report.pdf", pdf_bytes(3)[:200])

    with pytest.raises(ValidationError) as refused:
        upload(review, student, broken)

    assert "could not be read" in refused.value.message_dict["file"][0]


def test_an_oversized_file_is_refused(review, student):
    review.max_bytes = MB
    review.save()
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (MB + 1))

    with pytest.raises(ValidationError) as refused:
        upload(review, student, big)

    assert "limit is 1.0 MB" in refused.value.message_dict["file"][0]
    assert not Submission.objects.exists()


@pytest.mark.parametrize("pages", [3, 6])
def test_the_page_count_is_right(pages):
    assert pdf_pages(pdf_bytes(pages)) == pages


def test_more_pages_than_the_limit_are_flagged_not_refused(review, student):
    receipt = upload(review, student, pdf_upload(6))

    assert receipt.submission.pages == 6
    assert receipt.over_page_limit
    assert not upload(review, student, pdf_upload(3)).over_page_limit


def test_every_version_is_kept_and_the_receipt_is_mailed(
    review, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = upload(review, student, pdf_upload(3))
        second = upload(review, student, pdf_upload(4), when=BEFORE_DUE + dt.timedelta(hours=1))

    versions = list(Submission.objects.filter(deliverable=review).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert [v.pages for v in versions] == [3, 4]
    assert versions[0].file.read() == pdf_bytes(3)
    assert first.submission.sha256 == hashlib.sha256(pdf_bytes(3)).hexdigest()
    assert second.submission.size == len(pdf_bytes(4))
    assert len(mail.outbox) == 2
    assert second.submission.sha256 in mail.outbox[1].body
    assert "Pages:     4" in mail.outbox[1].body
    assert AuditEntry.objects.filter(action="submission.upload").count() == 2


def test_a_hostile_file_name_is_kept_as_data_only(review, student):
    receipt = upload(review, student, pdf_upload(3, name="../../etc/passwd.pdf"))

    assert receipt.submission.original_name == "passwd.pdf"
    assert ".." not in receipt.submission.file.name
    assert safe_file_name("C:\\Users\\x\\..\\a\x00b.pdf") == "ab.pdf"
    assert safe_file_name("...") == "submission"


def test_nothing_is_accepted_before_it_opens(review, student):
    with pytest.raises(SubmissionError) as refused:
        upload(review, student, pdf_upload(3), when=dt.datetime(2025, 8, 31, 23, 0, tzinfo=HK))
    assert refused.value.code == "not_open"


def test_staff_do_not_hand_in(review, instructor):
    with pytest.raises(SubmissionError) as refused:
        upload(review, instructor, pdf_upload(3))
    assert refused.value.code == "not_a_student"


def test_the_storage_options_are_read_as_a_json_object(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from courseapp.settings import env_json_object

    monkeypatch.setenv("OPTS", '{"bucket_name": "reports"}')
    assert env_json_object("OPTS", {}) == {"bucket_name": "reports"}
    for raw, message in [("{bucket", "not valid JSON"), ("[1]", "must be a JSON object")]:
        monkeypatch.setenv("OPTS", raw)
        with pytest.raises(ImproperlyConfigured, match=message):
            env_json_object("OPTS", {})
    monkeypatch.delenv("OPTS")
    assert env_json_object("OPTS", {"location": "x"}) == {"location": "x"}


def test_files_are_stored_where_no_url_serves_them(client, review, student):
    receipt = upload(review, student, pdf_upload(3))
    name = receipt.submission.file.name

    assert client.get(f"/media/{name}").status_code == 404
    assert client.get(f"/{name}").status_code == 404
