"""The grading law (design.md section 5) as pure functions of plain values.

Nothing here reads the database. `grading.selectors.gradebook_rows` gathers the values (the
rubric, the scores, each student's talks, and the feedback selectors' aggregates) and calls
these; tests call them with values worked out by hand.

The feedback values are duck-typed on the contract of presentations.feedback_selectors: a
talk aggregate has `reviews` and `share(question_keys)`, a staff rating is a mapping of
question key to a share in [floor, 1], a feedback credit has `ratio`.

Rounding happens once, at the leaf (`round_points`); totals are sums of rounded leaves.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from grading.points import round_points

HUNDRED = Decimal(100)

PEER = "peer"
BLEND = "blend"
FEEDBACK_GIVEN = "feedback_given"
INSTRUCTOR = "instructor"
RESPONSES = "responses"
TALK_BASED = (PEER, BLEND)


class TalkShares(Protocol):
    reviews: int

    def share(self, question_keys: list[str]) -> Decimal | None: ...


# --- one leaf -----------------------------------------------------------------------------


def peer_points(*, points: Decimal, share: Decimal | None) -> Decimal | None:
    """A `peer` leaf on one talk: the points times the mapped share of the ratings."""
    return None if share is None else points * share


def staff_points(
    *, points: Decimal, shares: Mapping[str, Decimal] | None, question_keys: Sequence[str]
) -> Decimal | None:
    """The instructor part of a blend from the staff's own ratings of the linked questions."""
    if not shares or not question_keys or any(key not in shares for key in question_keys):
        return None
    return points * sum((shares[key] for key in question_keys), Decimal(0)) / len(question_keys)


@dataclass(frozen=True)
class TalkValue:
    """A talk-based leaf on one talk: its value (None while incomplete) and whether the
    talk had fewer peer reviews than the course's minimum."""

    value: Decimal | None
    too_few_reviews: bool = False


def blend_points(
    *,
    points: Decimal,
    peer_share: Decimal,
    peer: Decimal | None,
    instructor: Decimal | None,
    reviews: int,
    min_reviews: int,
) -> TalkValue:
    """`peer_share × peer + (1 − peer_share) × instructor`; with fewer than `min_reviews`
    reviews the instructor's score stands alone (and the talk is flagged). Incomplete (None)
    while a part it needs is missing."""
    if reviews < min_reviews:
        return TalkValue(instructor, too_few_reviews=True)
    if peer is None or instructor is None:
        return TalkValue(None)
    return TalkValue(peer_share * peer + (Decimal(1) - peer_share) * instructor)


def feedback_given_points(*, points: Decimal, ratio: Decimal | None) -> Decimal | None:
    """`points × min(1, given in time ÷ (owed − free misses))`: the selector's ratio."""
    return None if ratio is None else points * ratio


def responses_points(*, points: Decimal, on_time: int, owed: int, free_misses: int) -> Decimal:
    """`points × min(1, handed in on time ÷ (owed − free misses))`, full points when nothing
    is owed beyond the free misses: the `feedback_given` law for per-meeting responses."""
    needed = owed - free_misses
    if needed <= 0:
        return points
    return points * min(Decimal(1), Decimal(on_time) / Decimal(needed))


def penalised(raw: Decimal, share: Decimal) -> Decimal:
    """A raw score less a late penalty's share of it."""
    return raw * (Decimal(1) - share)


def combine_talks(values: Iterable[Decimal | None], rule: str) -> Decimal | None:
    """Several talks' values of one leaf as one: their `mean` or the `best`. Talks without
    a value yet are left out; None when no talk has one."""
    known = [value for value in values if value is not None]
    if not known:
        return None
    if rule == "best":
        return max(known)
    return sum(known, Decimal(0)) / len(known)


@dataclass(frozen=True)
class LeafScore:
    """One student's score on one leaf, as the gradebook shows it.

    `value` is what counts (rounded; None: not graded yet). `computed` is the value the
    sources give, before any override; `entered` is the grader's own score (an instructor
    leaf's score, a blend's instructor part).
    """

    value: Decimal | None
    computed: Decimal | None = None
    entered: Decimal | None = None
    override: Decimal | None = None
    too_few_reviews: bool = False
    # A leaf fed by a deliverable: the late penalty taken off the raw score (its share, and
    # the points), and whether an instructor waived it.
    penalty_share: Decimal | None = None
    penalty: Decimal | None = None
    waived: bool = False

    @property
    def overridden(self) -> bool:
        return self.override is not None

    @property
    def late(self) -> bool:
        return bool(self.penalty_share) or self.waived


@dataclass(frozen=True)
class LeafSpec:
    """What a leaf's computation needs of its criterion."""

    key: str
    points: Decimal
    source: str
    peer_share: Decimal | None = None
    question_keys: tuple[str, ...] = ()


def leaf_score(
    leaf: LeafSpec,
    *,
    entered: Decimal | None = None,
    override: Decimal | None = None,
    talks: Sequence[tuple[int, Any | None]] = (),
    staff: Mapping[int, Mapping[str, Decimal]] | None = None,
    credit: Any | None = None,
    min_reviews: int = 0,
    rule: str = "mean",
    penalty_share: Decimal | None = None,
    waived: bool = False,
    responses: tuple[int, int, int] | None = None,
) -> LeafScore:
    """A student's score on `leaf`.

    `talks` are the student's given talks as (presentation id, its peer aggregate or None);
    `staff` maps a presentation id to the staff's shares per question; `credit` is the
    student's feedback credit (None: not known). `penalty_share` is the late penalty of the
    deliverable that feeds the leaf (taken off the grader's raw score unless `waived`);
    `responses` is (handed in on time, owed, free misses) for a `responses` leaf.
    """
    keys = list(leaf.question_keys)
    too_few = False
    if leaf.source == INSTRUCTOR:
        computed = entered
    elif leaf.source == PEER:
        per_talk = []
        for _, aggregate in talks:
            share = aggregate.share(keys) if aggregate is not None else None
            per_talk.append(peer_points(points=leaf.points, share=share))
            too_few |= (aggregate.reviews if aggregate is not None else 0) < min_reviews
        computed = combine_talks(per_talk, rule)
    elif leaf.source == BLEND:
        assert leaf.peer_share is not None
        per_talk = []
        for talk_id, aggregate in talks or [(None, None)]:
            share = aggregate.share(keys) if aggregate is not None else None
            instructor = entered
            if instructor is None and talk_id is not None:
                instructor = staff_points(
                    points=leaf.points, shares=(staff or {}).get(talk_id), question_keys=keys
                )
            result = blend_points(
                points=leaf.points,
                peer_share=leaf.peer_share,
                peer=peer_points(points=leaf.points, share=share),
                instructor=instructor,
                reviews=aggregate.reviews if aggregate is not None else 0,
                min_reviews=min_reviews,
            )
            per_talk.append(result.value)
            # A student without a talk yet is flagged only once an instructor score stands.
            too_few |= result.too_few_reviews and (talk_id is not None or instructor is not None)
        computed = combine_talks(per_talk, rule)
    elif leaf.source == FEEDBACK_GIVEN:
        ratio = credit.ratio if credit is not None else None
        computed = feedback_given_points(points=leaf.points, ratio=ratio)
    elif leaf.source == RESPONSES:
        computed = None
        if responses is not None:
            on_time, owed, free = responses
            computed = responses_points(
                points=leaf.points, on_time=on_time, owed=owed, free_misses=free
            )
    else:
        computed = None
    penalty = None
    if penalty_share and computed is not None and leaf.source == INSTRUCTOR:
        share = Decimal(0) if waived else penalty_share
        net = round_points(penalised(computed, share))
        penalty = round_points(computed) - net
        computed = net
    computed = round_points(computed) if computed is not None else None
    value = override if override is not None else computed
    return LeafScore(
        value=value,
        computed=computed,
        entered=entered,
        override=override,
        too_few_reviews=too_few,
        penalty_share=penalty_share if penalty_share else None,
        penalty=penalty,
        waived=waived and bool(penalty_share),
    )


# --- totals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A rubric node as totals see it: a leaf (no children) or a node dropping its lowest."""

    key: str
    points: Decimal
    children: tuple["Node", ...] = ()
    drop_lowest: int = 0

    def leaves(self) -> list["Node"]:
        if not self.children:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]


@dataclass(frozen=True)
class Total:
    """A node's total for one student.

    `final` counts a missing leaf as 0, out of `possible`; `earned` out of `graded` is over
    the leaves graded so far, which the "current" percentage divides.
    """

    earned: Decimal
    graded: Decimal
    final: Decimal
    possible: Decimal
    missing: int = 0
    dropped: tuple[str, ...] = field(default=())

    @property
    def current_percent(self) -> Decimal | None:
        if not self.graded:
            return None
        return round_points(self.earned / self.graded * HUNDRED)

    @property
    def final_percent(self) -> Decimal:
        if not self.possible:
            return Decimal("0.00")
        return round_points(self.final / self.possible * HUNDRED)

    @property
    def current_points(self) -> Decimal | None:
        """The current percentage applied to the node's points: where it is heading."""
        if not self.graded:
            return None
        return round_points(self.earned / self.graded * self.possible)


def node_total(node: Node, values: Mapping[str, Decimal | None]) -> Total:
    """The total of `node` from the leaves' (rounded) values, dropping as the node says."""
    if not node.children:
        value = values.get(node.key)
        if value is None:
            return Total(Decimal(0), Decimal(0), Decimal(0), node.points, missing=1)
        return Total(value, node.points, value, node.points)
    totals = [(child.key, node_total(child, values)) for child in node.children]
    missing = sum(total.missing for _, total in totals)
    dropped: list[str] = [key for _, total in totals for key in total.dropped]
    final_kept = totals
    current_kept = [(key, total) for key, total in totals if total.graded]
    if 0 < node.drop_lowest < len(totals):
        # Final: missing children are worth 0 and are the first to go.
        ordered = sorted(totals, key=lambda item: (item[1].final, item[0]))
        final_kept = ordered[node.drop_lowest :]
        dropped += [key for key, _ in ordered[: node.drop_lowest]]
        # Current: among the children graded so far, keeping at least one.
        drop = min(node.drop_lowest, len(current_kept) - 1)
        if drop > 0:
            by_share = sorted(current_kept, key=lambda item: item[1].earned / item[1].graded)
            current_kept = by_share[drop:]
    return Total(
        earned=sum((total.earned for _, total in current_kept), Decimal(0)),
        graded=sum((total.graded for _, total in current_kept), Decimal(0)),
        final=sum((total.final for _, total in final_kept), Decimal(0)),
        possible=sum((total.possible for _, total in final_kept), Decimal(0)),
        missing=missing,
        dropped=tuple(dropped),
    )


def course_total(parts: Sequence[Node], values: Mapping[str, Decimal | None]) -> Total:
    """The course's total: its parts' totals added up."""
    return sum_totals([node_total(part, values) for part in parts])


def sum_totals(totals: Iterable[Total]) -> Total:
    """Totals added up (the parts of a course have no drop rule of their own)."""
    totals = list(totals)
    return Total(
        earned=sum((total.earned for total in totals), Decimal(0)),
        graded=sum((total.graded for total in totals), Decimal(0)),
        final=sum((total.final for total in totals), Decimal(0)),
        possible=sum((total.possible for total in totals), Decimal(0)),
        missing=sum(total.missing for total in totals),
        dropped=tuple(key for total in totals for key in total.dropped),
    )


def letter_for(percent: Decimal | None, scale: Sequence[tuple[str, Decimal]]) -> str:
    """The letter of the highest step whose minimum `percent` reaches; "" without a scale."""
    if percent is None:
        return ""
    for letter, minimum in sorted(scale, key=lambda step: step[1], reverse=True):
        if percent >= minimum:
            return letter
    return ""
