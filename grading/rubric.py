"""The rules of a rubric, in one place.

A rubric is a tree of criteria. An inner node's points are the sum of its children's; the
leaves add up to the course total; a leaf has a source (inner nodes none); a `blend` leaf has
a peer share in [0, 1] (no other node has one); `peer` and `blend` leaves read at least one
feedback question, other nodes none. An inner node may drop its `drop_lowest` lowest children:
they must then have equal points, more of them than it drops, and its own points are those of
the children it keeps (five homeworks of 10, the lowest dropped: 40 points).

`rubric_problems` checks these rules on plain `RubricNode`s. The course file checks its
rubric with it before anything is written (locating each problem in the file), and
`rubric_check` checks a course's Criterion rows with it: the loader runs it after writing and
before committing, and tests run it on whatever they built.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from grading.models import Criterion

SOURCES: tuple[str, ...] = tuple(Criterion.Source.values)
TAKES_QUESTIONS = (Criterion.Source.PEER, Criterion.Source.BLEND)


@dataclass
class RubricNode:
    """One criterion as the rules see it. `ref` is the caller's handle (a location, a row)."""

    key: str
    points: Decimal
    source: str = ""
    peer_share: Decimal | None = None
    questions: list[str] = field(default_factory=list)
    children: list["RubricNode"] = field(default_factory=list)
    drop_lowest: int = 0
    ref: Any = None

    def counted_points(self) -> Decimal:
        """The points its leaves count for: its children's, less those it drops."""
        if not self.children:
            return self.points
        kept = sum((child.counted_points() for child in self.children), Decimal(0))
        if 0 < self.drop_lowest < len(self.children):
            kept -= self.drop_lowest * self.children[0].counted_points()
        return kept

    def walk(self) -> Iterator["RubricNode"]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class RubricProblem:
    """A broken rule: on `node`'s `field` (`("questions", 2)` for one question), or, with no
    node, on the rubric as a whole."""

    node: RubricNode | None
    field: str | tuple | None
    message: str


def rubric_problems(
    parts: list[RubricNode], *, total_points: Decimal | None, questions: set[str] | None
) -> list[RubricProblem]:
    """Every broken rule of the rubric whose top-level nodes are `parts`.

    `total_points` None skips the total; `questions` None skips checking question names.
    """
    problems: list[RubricProblem] = []
    leaf_total = Decimal(0)
    for part in parts:
        for node in part.walk():
            problems.extend(_node_problems(node, questions))
        leaf_total += part.counted_points()
    if parts and total_points is not None and leaf_total != total_points:
        problems.append(
            RubricProblem(
                None,
                None,
                f"the leaves add up to {_n(leaf_total)} points, "
                f"but course.total_points is {_n(total_points)}",
            )
        )
    return problems


def _n(number: Decimal) -> str:
    """20, 0.7, 12.5: a number as the course file writes it (the database keeps 20.00)."""
    return f"{number.normalize():f}"


def _node_problems(node: RubricNode, questions: set[str] | None) -> Iterator[RubricProblem]:
    def problem(field: str | tuple, message: str) -> RubricProblem:
        return RubricProblem(node, field, message)

    if node.peer_share is not None and not 0 <= node.peer_share <= 1:
        yield problem("peer_share", f"{_n(node.peer_share)} is outside [0, 1] (0.7 means 70%)")

    if node.drop_lowest and not node.children:
        yield problem("drop_lowest", "only a node with children drops any")
    if node.children:
        children_sum = sum((child.points for child in node.children), Decimal(0))
        dropped = ""
        if node.drop_lowest:
            sizes = {child.points for child in node.children}
            if len(sizes) > 1:
                yield problem(
                    "drop_lowest",
                    "the children of a node that drops some must have equal points "
                    f"(they have {', '.join(_n(size) for size in sorted(sizes))})",
                )
            elif node.drop_lowest >= len(node.children):
                yield problem(
                    "drop_lowest",
                    f"it drops {node.drop_lowest} of its {len(node.children)} children; "
                    "at least one must count",
                )
            else:
                children_sum -= node.drop_lowest * node.children[0].points
                dropped = f" once the lowest {node.drop_lowest} are dropped"
        if children_sum != node.points:
            yield problem(
                "points",
                f"{_n(node.points)} points, but its children add up to {_n(children_sum)}"
                + dropped,
            )
        if node.source:
            yield problem("source", "only a leaf (a node without children) has one")
        if node.peer_share is not None:
            yield problem("peer_share", "only a leaf (a node without children) has one")
        if node.questions:
            yield problem("questions", "only a leaf (a node without children) has any")
        return

    if not node.source:
        yield problem("source", f"a leaf needs a source: {', '.join(SOURCES)}")
        return
    if node.source == Criterion.Source.BLEND and node.peer_share is None:
        yield problem("peer_share", "a blend leaf needs a peer_share in [0, 1]")
    if node.source != Criterion.Source.BLEND and node.peer_share is not None:
        yield problem("peer_share", "only a blend leaf has a peer_share")
    if node.source in TAKES_QUESTIONS:
        if not node.questions:
            yield problem("questions", f"a {node.source} leaf needs at least one feedback question")
    elif node.questions:
        yield problem("questions", f"a {node.source} leaf takes no feedback questions")
    if questions is None:
        return
    for index, question in enumerate(node.questions):
        if question not in questions:
            known = ", ".join(sorted(questions)) or "none defined"
            yield problem(
                ("questions", index),
                f"unknown feedback question {question!r} (known: {known})",
            )


def criterion_tree(criteria: Iterable[Criterion]) -> list[RubricNode]:
    """The rubric of Criterion rows (their feedback questions prefetched), parts first."""
    rows = sorted(criteria, key=lambda criterion: (criterion.position, criterion.pk))
    nodes = {
        row.pk: RubricNode(
            key=row.key,
            points=row.points,
            source=row.source,
            peer_share=row.peer_share,
            questions=sorted(question.key for question in row.feedback_questions.all()),
            drop_lowest=row.drop_lowest,
            ref=row,
        )
        for row in rows
    }
    parts = []
    for row in rows:
        parent = nodes.get(row.parent_id)
        (parent.children if parent is not None else parts).append(nodes[row.pk])
    return parts


def rubric_check(*, course, criteria: Iterable[Criterion] | None = None) -> list[RubricProblem]:
    """The broken rules of the course's rubric as stored; `node.ref` is the Criterion.

    `criteria` are the course's rows when the caller has them already (with their feedback
    questions prefetched); otherwise they are read, in two queries.
    """
    if criteria is None:
        criteria = Criterion.objects.for_course(course).prefetch_related("feedback_questions")
    return rubric_problems(
        criterion_tree(criteria), total_points=course.total_points, questions=None
    )
