"""The demo's hand-ins, written through the submissions services like any student's.

`courseapp.demo` calls `demo_submissions(archive=..., live=..., now=...)` after the grades:

- the archive course (a finished term): every student handed in both reports, one of them
  the literature review a few hours late (its penalty shows in the grade grid), one in a
  second version;
- the live course (week 10): the literature review, due in week 7, handed in by most (one
  late, one with an extension granted), the research plan by a few early birds.

Idempotent: an owner who has a version of a deliverable gets no new one.
"""

import datetime as dt
import io

from courseapp.audit import Via
from courseapp.models import Course, Enrollment
from submissions.models import Deliverable, Submission
from submissions.services import extension_grant, submission_upload

EXTENSION_REASON = "Hospitalised in week 7 (medical certificate seen)."


class _Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name
        self.size = len(data)


def _pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _students(course: Course) -> list[Enrollment]:
    return list(
        Enrollment.objects.for_course(course)
        .students()
        .active()
        .select_related("user")
        .order_by("user__username")
    )


def _hand_in(deliverable: Deliverable, student: Enrollment, *, at: dt.datetime, pages: int):
    submission_upload(
        deliverable=deliverable,
        user=student.user,
        upload=_Upload(_pdf(pages), f"{deliverable.key}-{student.user.get_username()}.pdf"),
        via=Via.COMMAND,
        now=at,
    )


def _has_version(deliverable: Deliverable, student: Enrollment) -> bool:
    return Submission.objects.filter(deliverable=deliverable, student=student).exists()


def demo_submissions(*, archive: Course, live: Course, now: dt.datetime) -> None:
    for course, is_live in ((archive, False), (live, True)):
        deliverables = {d.key: d for d in Deliverable.objects.for_course(course)}
        review = deliverables.get("literature-review")
        plan = deliverables.get("research-plan")
        students = _students(course)
        if review is None or plan is None or not students:
            continue
        late_one = students[2] if len(students) > 2 else None
        extended = students[4] if len(students) > 4 else None
        if is_live and extended is not None and review.due < now:
            extension_grant(
                deliverable=review,
                student=extended,
                due=review.due + dt.timedelta(days=3),
                reason=EXTENSION_REASON,
                actor=None,
                via=Via.COMMAND,
            )
        for number, student in enumerate(students):
            pages = 3 + number % 2 + (1 if number % 7 == 6 else 0)  # a few over the limit
            if review.due < now and not _has_version(review, student):
                if is_live and number % 8 == 7:
                    continue  # a few never handed it in
                at = review.due - dt.timedelta(hours=2 + number)
                if student == late_one:
                    at = review.due + dt.timedelta(hours=5)
                elif student == extended and is_live:
                    at = review.due + dt.timedelta(days=2)
                if number == 1:  # a first draft, then the final version
                    _hand_in(review, student, at=at - dt.timedelta(days=2), pages=pages + 2)
                _hand_in(review, student, at=at, pages=pages)
            plan_at = plan.due - dt.timedelta(hours=3 + number)
            early = is_live and number % 6 == 0 and plan.opens is not None and plan.opens < now
            if (plan.due < now or early) and not _has_version(plan, student):
                _hand_in(plan, student, at=min(plan_at, now - dt.timedelta(hours=1)), pages=4)
