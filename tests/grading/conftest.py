"""Builders for grading tests on the small course of the root conftest.

The small course's rubric: presentation 30 = organisation 25 (blend, peer share 0.7, question
`organisation`) + feedback-given 5; report 70 = review 50 + plan 20 (instructor). Letters:
A from 90, F from 0. It has one presentation session (session 1, 2025-09-09) with two slots.

Peer feedback reaches grading through presentations.feedback_selectors (the feedback
contract). `fake_feedback` stands in for those selectors with values a test chooses, in
the contract's shapes, so the grading law can be tested on exact numbers.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from conftest import enrol, make_user
from courseapp.models import Enrollment, Role
from grading import selectors as grading_selectors
from grading.feedback import FeedbackData
from grading.models import Criterion
from presentations.models import Paper, Presentation, Slot


@dataclass(frozen=True)
class FakeQuestion:
    question_key: str
    n: int
    aggregate: Decimal | None
    share: Decimal | None
    spread: Decimal | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class FakeTalk:
    """The contract's TalkAggregate, with shares given per question."""

    presentation_id: int
    reviews: int
    questions: dict[str, FakeQuestion] = field(default_factory=dict)
    disagreement: bool = False
    released: bool = True

    def share(self, question_keys: list[str]) -> Decimal | None:
        shares = [self.questions[k].share if k in self.questions else None for k in question_keys]
        if not shares or any(share is None for share in shares):
            return None
        return sum(shares, Decimal(0)) / len(shares)


@dataclass(frozen=True)
class FakeCredit:
    enrollment_id: int
    owed: int
    given_in_time: int
    ratio: Decimal
    late: int = 0
    hidden: int = 0
    excused: int = 0


def talk(presentation_id: int, reviews: int, **shares: str) -> FakeTalk:
    """`talk(7, 4, organisation="0.8")`: talk 7, four reviews, its questions' shares."""
    return FakeTalk(
        presentation_id=presentation_id,
        reviews=reviews,
        questions={
            key: FakeQuestion(key, reviews, Decimal(value) * 5, Decimal(value))
            for key, value in shares.items()
        },
    )


@pytest.fixture
def fake_feedback(monkeypatch):
    """`fake_feedback(aggregates={...}, staff={...}, credit={...})` replaces the selectors."""

    def install(*, aggregates=None, staff=None, credit=None) -> FeedbackData:
        data = FeedbackData(aggregates=aggregates or {}, staff=staff or {}, credit=credit or {})
        monkeypatch.setattr(grading_selectors, "feedback_data", lambda *, course: data)
        monkeypatch.setattr(grading_selectors, "feedback_available", lambda: True)
        return data

    return install


def leaf(course, key: str) -> Criterion:
    return Criterion.objects.get(course=course, key=key)


def enrolment_of(user, course) -> Enrollment:
    return Enrollment.objects.select_related("user", "course").get(user=user, course=course)


@pytest.fixture
def make_students(course):
    def make(count: int, prefix: str = "s") -> list[Enrollment]:
        return [
            enrol(
                make_user(f"{prefix}{n:03d}", first_name=f"First{n}", last_name=f"Last{n}"),
                course,
                Role.STUDENT,
                student_id=f"{prefix.upper()}{n:04d}",
            )
            for n in range(count)
        ]

    return make


def give_talk(
    enrollment: Enrollment, *, position: int = 1, paper_key: str = "zero"
) -> Presentation:
    """The student's talk, booked in slot `position` of the course's session."""
    course = enrollment.course
    slot = Slot.objects.get(course=course, position=position)
    talk = Presentation.objects.create(
        course=course,
        student=enrollment,
        paper=Paper.objects.get(course=course, key=paper_key),
        slot=slot,
    )
    Slot.objects.filter(pk=slot.pk).update(booked=slot.booked + 1)
    return talk
