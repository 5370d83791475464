"""The paper-assignment solver: known answers on small classes, and optimality on random ones
checked against a brute-force search. Pure data, no database."""

import functools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presentations.assignment import (
    PaperOption,
    TalkNeed,
    build_cost_matrix,
    solve_assignment,
)


def talk(key, ranked=(), *, student=None, category=None):
    return TalkNeed(
        key=key, student=key if student is None else student, category=category, ranked=ranked
    )


def paper(key, category="systems"):
    return PaperOption(key=key, category=category)


def test_everyone_gets_their_first_choice_when_the_choices_differ():
    talks = [talk(1, (11, 12)), talk(2, (12, 11)), talk(3, (13, 11))]
    papers = [paper(11), paper(12), paper(13)]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of == {1: 11, 2: 12, 3: 13}
    assert result.rank_of == {1: 1, 2: 1, 3: 1}
    assert result.total_cost == 3
    assert result.histogram() == {1: 3}
    assert result.missed_choices == []
    assert result.without_paper == []


def test_a_conflict_is_resolved_for_the_lowest_total_rank():
    # Talk 1 is first by key; a greedy pass would give it paper 11 and talk 2 an unranked
    # paper (1 + 3 = 4). The optimum gives talk 1 its second choice instead (2 + 1 = 3).
    talks = [talk(1, (11, 12)), talk(2, (11,))]
    papers = [paper(11), paper(12), paper(13)]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of == {1: 12, 2: 11}
    assert result.rank_of == {1: 2, 2: 1}
    assert result.unranked_cost == 3
    assert result.total_cost == 3
    assert result.histogram() == {1: 1, 2: 1}


def test_a_talk_only_gets_a_paper_of_its_category():
    talks = [
        talk(1, (21, 11, 12), category="systems"),  # 21 is a vision paper: not usable
        talk(2, (21,), category="vision"),
    ]
    papers = [paper(11, "systems"), paper(12, "systems"), paper(21, "vision")]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of == {1: 11, 2: 21}
    # Ranks are positions in the list the student sent, unusable entries included.
    assert result.rank_of == {1: 2, 2: 1}


def test_a_talk_of_any_category_can_take_any_paper():
    talks = [talk(1, (21,), category=None), talk(2, (), category="systems")]
    papers = [paper(11, "systems"), paper(21, "vision")]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of == {1: 21, 2: 11}


def test_ranked_papers_no_longer_offered_are_ignored():
    talks = [talk(1, (99, 11))]

    result = solve_assignment(talks=talks, papers=[paper(11), paper(12)])

    assert result.paper_of == {1: 11}
    assert result.rank_of == {1: 2}


def test_students_without_preferences_get_the_papers_that_remain():
    talks = [talk(1, (11,)), talk(2), talk(3, (11, 12))]
    papers = [paper(11), paper(12), paper(13)]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of == {1: 11, 2: 13, 3: 12}
    assert result.rank_of == {1: 1, 2: None, 3: 2}
    assert result.histogram() == {1: 1, 2: 1, None: 1}
    # Talk 2 ranked nothing, so it missed nothing.
    assert result.missed_choices == []


def test_as_many_talks_as_possible_get_a_paper_before_ranks_count():
    # Giving talk 1 its first choice (the only vision paper) would leave talk 2 without one,
    # and would cost less: 1 against 2 unranked papers at 4 each (papers 31 and 32 are gone).
    talks = [talk(1, (21, 31, 32), category=None), talk(2, (), category="vision")]
    papers = [paper(11, "systems"), paper(21, "vision")]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of == {1: 11, 2: 21}
    assert result.rank_of == {1: None, 2: None}
    assert result.missed_choices == [1]
    assert result.unranked_cost == 4
    assert result.total_cost == 8


def test_with_more_talks_than_papers_the_talk_that_costs_least_to_drop_goes_without():
    talks = [talk(1, (11,)), talk(2, (12,)), talk(3)]
    papers = [paper(11), paper(12)]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of == {1: 11, 2: 12, 3: None}
    assert result.without_paper == [3]
    assert result.assigned_count == 2
    assert result.histogram() == {1: 2}


def test_a_talk_whose_category_has_no_paper_goes_without():
    talks = [
        talk(1, (11,), category="systems"),
        talk(2, (11, 21), category="vision"),  # ranked 11, but it is a systems paper
        talk(3, (11,), category="systems"),
    ]
    papers = [paper(11, "systems"), paper(12, "systems")]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of[2] is None
    assert {result.paper_of[1], result.paper_of[3]} == {11, 12}
    assert result.without_paper == [2]
    # Talk 2 ranked papers and got none of them; so did whichever of 1 and 3 got paper 12.
    assert 2 in result.missed_choices
    assert len(result.missed_choices) == 2


def test_a_student_with_two_talks_gets_two_different_papers():
    ranked = (11, 12, 13)
    talks = [
        talk(1, ranked, student=7),
        talk(2, ranked, student=7),
        talk(3, (13,), student=8),
    ]
    papers = [paper(11), paper(12), paper(13)]

    result = solve_assignment(talks=talks, papers=papers)

    assert {result.paper_of[1], result.paper_of[2]} == {11, 12}
    assert result.paper_of[3] == 13
    assert result.total_cost == 1 + 2 + 1


def test_the_result_does_not_depend_on_the_order_of_the_input():
    rng = random.Random(7)
    papers = [paper(100 + index, rng.choice(["a", "b", "c"])) for index in range(30)]
    paper_keys = [option.key for option in papers]
    talks = [
        talk(
            index,
            tuple(rng.sample(paper_keys[:12], 3)),  # many ties: everyone wants the same few
            category=rng.choice(["a", "b", None]),
        )
        for index in range(1, 41)
    ]
    expected = solve_assignment(talks=talks, papers=papers)

    for _ in range(5):
        rng.shuffle(talks)
        rng.shuffle(papers)
        result = solve_assignment(talks=talks, papers=papers)
        assert result.paper_of == expected.paper_of
        assert result.rank_of == expected.rank_of


def test_paper_keys_far_apart_are_matched_too():
    # Keys spread this widely take the binary-search path instead of the lookup table.
    far = 10**12
    talks = [talk(1, (far, 5)), talk(2, (far,)), talk(3, (7,))]
    papers = [paper(5), paper(far), paper(2 * far)]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of == {1: 5, 2: far, 3: 2 * far}
    assert result.rank_of == {1: 2, 2: 1, 3: None}


def test_no_talks_or_no_papers():
    assert solve_assignment(talks=[], papers=[paper(11)]).paper_of == {}
    empty = solve_assignment(talks=[talk(1, (11,))], papers=[])
    assert empty.paper_of == {1: None}
    assert empty.without_paper == [1]
    assert empty.missed_choices == [1]
    assert empty.total_cost == 0
    assert empty.histogram() == {}


def test_repeated_keys_are_refused():
    with pytest.raises(ValueError, match="talk key"):
        solve_assignment(talks=[talk(1), talk(1)], papers=[paper(11)])
    with pytest.raises(ValueError, match="paper key"):
        solve_assignment(talks=[talk(1)], papers=[paper(11), paper(11, "vision")])


def test_the_cost_matrix_has_ranks_unranked_and_forbidden_costs():
    talks = [talk(2, (12, 11), category="systems"), talk(1, (21,), category="vision")]
    papers = [paper(21, "vision"), paper(12, "systems"), paper(11, "systems")]

    matrix = build_cost_matrix(talks=talks, papers=papers)

    assert matrix.talk_keys.tolist() == [1, 2]
    assert matrix.paper_keys.tolist() == [11, 12, 21]
    assert matrix.ranked_lengths.tolist() == [1, 2]
    assert matrix.unranked_cost == 3
    # min(2 talks, 3 papers) * 3 + 1: above anything two allowed pairs can cost.
    assert matrix.forbidden_cost == 7
    assert matrix.cost.tolist() == [[7, 7, 1], [2, 1, 7]]


# Random small classes against a brute-force search.

CATEGORIES = ["a", "b", "c"]


@st.composite
def classes(draw):
    # Sizes drawn as integers, not as list lengths, so that full-sized classes are as likely
    # as tiny ones.
    # Sometimes spread the keys widely, to exercise both ways of finding a ranked paper.
    spread = draw(st.sampled_from([1, 10**9]))
    key_pool = [key * spread for key in range(1, 9)]
    offered = draw(st.permutations(key_pool))[: draw(st.integers(0, 7))]
    paper_categories = CATEGORIES[: draw(st.integers(1, 3))]
    papers = [
        PaperOption(key=key, category=draw(st.sampled_from(paper_categories))) for key in offered
    ]
    # Ranks are per student: a student's talks share one list, which may name papers that
    # are not offered and (rarely) repeat one.
    rankings = []
    for _ in range(draw(st.integers(1, 4))):
        ranked = draw(st.permutations(key_pool))[: draw(st.integers(0, 6))]
        if ranked and draw(st.integers(0, 9)) == 0:
            ranked.append(draw(st.sampled_from(ranked)))
        rankings.append(ranked)
    talks = []
    for key in draw(st.permutations(range(1, 9)))[: draw(st.integers(0, 6))]:
        student = draw(st.integers(0, len(rankings) - 1))
        category = draw(st.sampled_from([None, *paper_categories]))
        talks.append(
            TalkNeed(key=key, student=student, category=category, ranked=tuple(rankings[student]))
        )
    return talks, papers


def allowed(need, option):
    return need.category is None or need.category == option.category


def pair_cost(need, option, unranked_cost):
    if option.key in need.ranked:
        return need.ranked.index(option.key) + 1
    return unranked_cost


def brute_force_best(talks, papers):
    """(most talks with a paper, least total cost among those), trying every matching.

    Talk by talk: no paper, or each free paper it may take; memoised on (talk, papers used).
    """
    unranked_cost = max((len(need.ranked) for need in talks), default=0) + 1

    @functools.cache
    def best(index, used):
        if index == len(talks):
            return (0, 0)
        count, cost = best(index + 1, used)  # this talk gets nothing
        for option in papers:
            if option.key not in used and allowed(talks[index], option):
                rest_count, rest_cost = best(index + 1, used | {option.key})
                candidate = (
                    rest_count + 1,
                    rest_cost + pair_cost(talks[index], option, unranked_cost),
                )
                if (candidate[0], -candidate[1]) > (count, -cost):
                    count, cost = candidate
        return count, cost

    return best(0, frozenset())


@settings(max_examples=500, deadline=None)
@given(classes(), st.randoms(use_true_random=False))
def test_the_assignment_is_optimal_on_random_small_classes(instance, rng):
    talks, papers = instance
    result = solve_assignment(talks=talks, papers=papers)

    # A valid matching: every talk listed, each paper once, categories respected.
    papers_by_key = {option.key: option for option in papers}
    assert set(result.paper_of) == {need.key for need in talks}
    given_papers = [key for key in result.paper_of.values() if key is not None]
    assert len(given_papers) == len(set(given_papers))
    unranked_cost = max((len(need.ranked) for need in talks), default=0) + 1
    assert result.unranked_cost == unranked_cost
    cost = 0
    for need in talks:
        key = result.paper_of[need.key]
        if key is None:
            assert result.rank_of[need.key] is None
            continue
        option = papers_by_key[key]
        assert allowed(need, option)
        cost += pair_cost(need, option, unranked_cost)
        expected_rank = need.ranked.index(key) + 1 if key in need.ranked else None
        assert result.rank_of[need.key] == expected_rank
    assert result.total_cost == cost

    # Optimal: the most talks served, then the least total cost.
    assert (result.assigned_count, result.total_cost) == brute_force_best(talks, papers)

    # The preview figures agree with the matching.
    assert sum(result.histogram().values()) == result.assigned_count
    assert result.without_paper == sorted(k for k, p in result.paper_of.items() if p is None)
    assert result.missed_choices == sorted(
        need.key for need in talks if need.ranked and result.rank_of[need.key] is None
    )

    # The same class in another order gives the same answer.
    rng.shuffle(talks)
    rng.shuffle(papers)
    again = solve_assignment(talks=talks, papers=papers)
    assert again.paper_of == result.paper_of
    assert again.total_cost == result.total_cost


def test_a_proposal_goes_only_to_the_student_it_was_approved_for():
    talks = [
        TalkNeed(key=1, student=10, category=None, ranked=(100,)),
        TalkNeed(key=2, student=20, category=None, ranked=(200,)),
    ]
    papers = [
        PaperOption(key=100, category="a", only_for=20),  # student 10 ranked someone's proposal
        PaperOption(key=200, category="a", only_for=20),
        PaperOption(key=300, category="a"),
    ]

    result = solve_assignment(talks=talks, papers=papers)

    assert result.paper_of == {1: 300, 2: 200}
    assert result.rank_of == {1: None, 2: 1}
