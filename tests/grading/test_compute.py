"""The grading law (design.md section 5) on plain values, worked out by hand."""

from decimal import Decimal as D

import pytest

from grading.compute import (
    LeafSpec,
    Node,
    blend_points,
    combine_talks,
    course_total,
    feedback_given_points,
    leaf_score,
    letter_for,
    node_total,
    peer_points,
    staff_points,
)
from tests.grading.conftest import FakeCredit, talk

ORGANISATION = LeafSpec(
    key="organisation",
    points=D(20),
    source="blend",
    peer_share=D("0.7"),
    question_keys=("organisation",),
)
PEER = LeafSpec(key="clarity", points=D(10), source="peer", question_keys=("a", "b"))


def test_a_peer_leaf_is_the_points_times_the_mapped_share():
    # A 1-5 scale with the default floor: a mean rating of 4 maps to 4/5.
    assert peer_points(points=D(20), share=D("0.8")) == D(16)
    assert peer_points(points=D(20), share=None) is None


def test_a_peer_leaf_averages_its_questions_shares():
    score = leaf_score(PEER, talks=[(1, talk(1, 4, a="0.8", b="0.6"))], min_reviews=3)
    assert score.value == D("7.00")


def test_a_blend_weighs_peers_and_instructor():
    result = blend_points(
        points=D(20), peer_share=D("0.7"), peer=D(16), instructor=D(18), reviews=5, min_reviews=3
    )
    # 0.7 * 16 + 0.3 * 18 = 11.2 + 5.4
    assert result.value == D("16.6")
    assert not result.too_few_reviews


def test_with_too_few_reviews_the_instructor_score_stands_alone_and_is_flagged():
    result = blend_points(
        points=D(20), peer_share=D("0.7"), peer=D(4), instructor=D(18), reviews=2, min_reviews=3
    )
    assert result.value == D(18)
    assert result.too_few_reviews


def test_a_blend_waits_for_its_instructor_part():
    score = leaf_score(ORGANISATION, talks=[(1, talk(1, 5, organisation="0.8"))], min_reviews=3)
    assert score.value is None


def test_the_instructor_part_comes_from_the_staff_rating_unless_entered():
    talks = [(1, talk(1, 5, organisation="0.8"))]
    staff = {1: {"organisation": D("0.6")}}
    from_rating = leaf_score(ORGANISATION, talks=talks, staff=staff, min_reviews=3)
    # 0.7 * 16 + 0.3 * (20 * 0.6 = 12) = 11.2 + 3.6
    assert from_rating.value == D("14.80")
    entered = leaf_score(ORGANISATION, entered=D(19), talks=talks, staff=staff, min_reviews=3)
    # 11.2 + 0.3 * 19 = 16.9
    assert entered.value == D("16.90")
    assert staff_points(points=D(20), shares={"x": D(1)}, question_keys=["organisation"]) is None


def test_several_talks_combine_by_mean_or_best():
    talks = [(1, talk(1, 4, organisation="0.8")), (2, talk(2, 4, organisation="0.5"))]
    # Per talk: 0.7 * 16 + 0.3 * 20 = 17.2; 0.7 * 10 + 6 = 13.0.
    mean = leaf_score(ORGANISATION, entered=D(20), talks=talks, min_reviews=3, rule="mean")
    best = leaf_score(ORGANISATION, entered=D(20), talks=talks, min_reviews=3, rule="best")
    assert mean.value == D("15.10")
    assert best.value == D("17.20")
    assert combine_talks([None, None], "mean") is None
    assert combine_talks([D(1), None, D(2)], "mean") == D("1.5")


def test_feedback_given_is_the_points_times_the_credit_ratio():
    assert feedback_given_points(points=D(5), ratio=D(7) / D(9)) == D(5) * D(7) / D(9)
    spec = LeafSpec(key="fg", points=D(5), source="feedback_given")
    score = leaf_score(spec, credit=FakeCredit(1, owed=9, given_in_time=7, ratio=D(7) / D(9)))
    assert score.value == D("3.89")  # 3.888... rounded half-up at the leaf
    assert leaf_score(spec).value is None  # no credit known yet


def test_an_override_replaces_the_computed_value_and_is_shown():
    score = leaf_score(
        ORGANISATION,
        entered=D(18),
        override=D("12.50"),
        talks=[(1, talk(1, 5, organisation="0.8"))],
        min_reviews=3,
    )
    assert score.value == D("12.50")
    assert score.computed == D("16.60")
    assert score.overridden


def test_leaves_round_half_up_to_the_cent():
    spec = LeafSpec(key="p", points=D(10), source="peer", question_keys=("a",))
    # 10 * 0.2345 = 2.345 -> 2.35 (banker's rounding would give 2.34)
    assert leaf_score(spec, talks=[(1, talk(1, 3, a="0.2345"))]).value == D("2.35")


REPORT = Node(
    key="report",
    points=D(70),
    children=(Node("review", D(50)), Node("plan", D(20))),
)


def test_current_is_over_graded_leaves_and_final_counts_missing_as_zero():
    total = node_total(REPORT, {"review": D(40), "plan": None})
    assert total.current_percent == D("80.00")
    assert total.final == D(40)
    assert total.final_percent == D("57.14")
    assert total.missing == 1
    assert node_total(REPORT, {}).current_percent is None


def test_drop_lowest_drops_the_lowest_children():
    homework = Node(
        key="homework",
        points=D(40),
        drop_lowest=1,
        children=tuple(Node(f"hw{n}", D(10)) for n in range(5)),
    )
    values = {"hw0": D(9), "hw1": D(3), "hw2": D(10), "hw3": D(8), "hw4": D(7)}
    total = node_total(homework, values)
    assert total.final == D(34)
    assert total.possible == D(40)
    assert total.dropped == ("hw1",)
    # Missing homework is the first to go in the final total.
    partial = node_total(homework, {**values, "hw4": None})
    assert partial.final == D(30)
    assert partial.dropped == ("hw4",)
    # Current: of the four graded, the lowest (3 of 10) is dropped.
    assert partial.earned == D(27)
    assert partial.graded == D(30)


def test_course_total_adds_the_parts():
    presentation = Node("presentation", D(30), children=(Node("org", D(30)),))
    total = course_total([presentation, REPORT], {"org": D(21), "review": D(45), "plan": D(15)})
    assert (total.final, total.possible, total.final_percent) == (D(81), D(100), D("81.00"))


@pytest.mark.parametrize(
    ("percent", "letter"), [(D(95), "A"), (D(90), "A"), (D("89.99"), "B"), (D(10), "F")]
)
def test_letters_come_from_the_scale(percent, letter):
    scale = [("A", D(90)), ("B", D(80)), ("F", D(0))]
    assert letter_for(percent, scale) == letter
    assert letter_for(percent, []) == ""
