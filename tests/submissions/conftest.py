"""A small course with deliverables, private storage in a temporary folder, and PDFs made
on the spot.

The course (time zone Asia/Hong_Kong, UTC+8 all year): lectures on 2025-09-02, 09-03 and
09-16; rubric presentation 30 (organisation 25 blend, feedback-given 5) + report 70 (review
45 instructor, plan 20 instructor, responses 5). Deliverables:

- `review`: a PDF, opens 2025-09-01 00:00, due 2025-10-01 23:59 local, page limit 4, 10% a
  day late for at most 2 days, then refused; feeds `review`.
- `plan`: team work, due 2025-10-15 23:59, 10% a day for 2 days, then scored zero; feeds
  `plan`.
- `response`: a text for every lecture, due 09:00 on the meeting's day (before its 10:30
  start), one free miss, no late work; feeds `responses`.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import load_course_text, small_course_text
from submissions.models import Deliverable

DELIVERABLES = """
deliverables:
  - key: review
    title: Literature review
    opens: 2025-09-01T00:00
    due: 2025-10-01T23:59
    page_limit: 4
    feeds: [review]
  - key: plan
    title: Research plan
    due: 2025-10-15T23:59
    team: true
    late: {penalty: 0.1, per: day, cap: 2, after_cap: zero}
    feeds: [plan]
  - key: response
    title: Response
    kind: text
    every: {kind: lecture, due_time: "09:00"}
    free_misses: 1
    late: refuse
    feeds: [responses]
"""


def deliverables_course_text(code: str = "seminar") -> str:
    text = small_course_text(code=code)
    text = text.replace(
        "      - {date: 2025-09-04, kind: holiday, topic: No class}",
        "      - {date: 2025-09-03, topic: Second lecture}\n"
        "      - {date: 2025-09-04, kind: holiday, topic: No class}",
    )
    text = text.replace(
        "      - {date: 2025-09-11, kind: review, topic: Final Review}",
        "      - {date: 2025-09-11, kind: review, topic: Final Review}\n"
        "  - number: 3\n"
        "    starts: 2025-09-15\n"
        "    meetings:\n"
        "      - {date: 2025-09-16, topic: Third lecture}",
    )
    text = text.replace(
        "      - {key: review, name: Literature review, points: 50, source: instructor}",
        "      - {key: review, name: Literature review, points: 45, source: instructor}\n"
        "      - {key: responses, name: Responses, points: 5, source: responses}",
    )
    return text + DELIVERABLES


@pytest.fixture
def course(db):
    return load_course_text(deliverables_course_text())


def pdf_bytes(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(pages: int = 3, name: str = "review.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages), content_type="application/pdf")


@pytest.fixture
def review(course) -> Deliverable:
    return Deliverable.objects.get(course=course, key="review")


@pytest.fixture
def plan(course) -> Deliverable:
    return Deliverable.objects.get(course=course, key="plan")
