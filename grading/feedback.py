"""What grading reads of peer feedback: the three selectors of the feedback contract.

Grading reads feedback only through `presentations.feedback_selectors` (peer aggregates per
talk, the staff's own ratings, each student's feedback credit), each a fixed number of
queries for the whole course.
"""

from dataclasses import dataclass, field
from typing import Any

from courseapp.models import Course
from presentations import feedback_selectors as _selectors


@dataclass(frozen=True)
class FeedbackData:
    """The course's feedback as grading uses it (see the contract's dataclasses)."""

    aggregates: dict[int, Any] = field(default_factory=dict)  # presentation id -> TalkAggregate
    staff: dict[int, dict[str, Any]] = field(default_factory=dict)  # presentation id -> shares
    credit: dict[int, Any] = field(default_factory=dict)  # enrollment id -> FeedbackCredit


def feedback_available() -> bool:
    """Always true now that peer feedback is part of the app (kept for its callers)."""
    return True


def feedback_data(*, course: Course) -> FeedbackData:
    """The course's peer aggregates, staff ratings and feedback credit (fixed queries)."""
    return FeedbackData(
        aggregates=_selectors.peer_aggregates(course=course),
        staff=_selectors.staff_ratings(course=course),
        credit=_selectors.feedback_credit(course=course),
    )
