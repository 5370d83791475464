"""What grading reads of peer feedback: the three selectors of the feedback contract.

Grading reads feedback only through `presentations.feedback_selectors` (peer aggregates per
talk, the staff's own ratings, each student's feedback credit), each a fixed number of
queries for the whole course. Until that module is part of the code base the feedback is
empty: computed leaves then have no value, except a blend whose instructor part is entered
here (which stands alone, as with too few reviews).
"""

from dataclasses import dataclass, field
from typing import Any

from courseapp.models import Course

try:  # the feedback issue's selectors
    from presentations import feedback_selectors as _selectors
except ImportError:  # pragma: no cover - before the feedback work is merged
    _selectors = None


@dataclass(frozen=True)
class FeedbackData:
    """The course's feedback as grading uses it (see the contract's dataclasses)."""

    aggregates: dict[int, Any] = field(default_factory=dict)  # presentation id -> TalkAggregate
    staff: dict[int, dict[str, Any]] = field(default_factory=dict)  # presentation id -> shares
    credit: dict[int, Any] = field(default_factory=dict)  # enrollment id -> FeedbackCredit


def feedback_available() -> bool:
    return _selectors is not None


def feedback_data(*, course: Course) -> FeedbackData:
    """The course's peer aggregates, staff ratings and feedback credit (fixed queries)."""
    if _selectors is None:
        return FeedbackData()
    return FeedbackData(
        aggregates=_selectors.peer_aggregates(course=course),
        staff=_selectors.staff_ratings(course=course),
        credit=_selectors.feedback_credit(course=course),
    )
