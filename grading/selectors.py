"""Reads of the grading scheme: the rubric tree and the letter scale."""

from dataclasses import dataclass
from decimal import Decimal

from courseapp.models import Course
from grading.models import Criterion, LetterGrade


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}"


@dataclass
class RubricNode:
    criterion: Criterion
    children: list["RubricNode"]

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def source_label(self) -> str:
        """Where a leaf's score comes from, in words a student understands."""
        criterion = self.criterion
        match criterion.source:
            case Criterion.Source.INSTRUCTOR:
                return "Instructor"
            case Criterion.Source.PEER:
                return "Peer feedback"
            case Criterion.Source.BLEND:
                share = criterion.peer_share or Decimal(0)
                return (
                    f"{_percent(share)}% peer feedback, {_percent(Decimal(1) - share)}% instructor"
                )
            case Criterion.Source.FEEDBACK_GIVEN:
                return "Feedback given"
        return ""


def rubric_tree(*, course: Course) -> list[RubricNode]:
    """The grading scheme as a tree of parts and their children (one query)."""
    criteria = list(Criterion.objects.for_course(course).order_by("position", "pk"))
    nodes = {criterion.pk: RubricNode(criterion=criterion, children=[]) for criterion in criteria}
    roots = []
    for criterion in criteria:
        node = nodes[criterion.pk]
        if criterion.parent_id is None:
            roots.append(node)
        else:
            nodes[criterion.parent_id].children.append(node)
    return roots


def letter_scale(*, course: Course) -> list[LetterGrade]:
    return list(LetterGrade.objects.filter(course=course).order_by("-min_percent"))
