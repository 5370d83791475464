"""The solver behind "preferences" paper assignment: pure data in, an optimal matching out.

No models and no database here; the service that reads preferences and writes papers calls
`solve_assignment` with plain rows and applies (or previews) what it returns.

The matching is optimal in two steps, in this order:

1. as many talks as possible get a paper (a paper of the talk's category when it has one);
2. among those matchings, the total rank cost is the smallest, where a paper at position r of
   the talk's ranked list costs r and a paper the talk did not rank costs `unranked_cost`
   (the longest ranked list + 1).

Ranks are positions in the list the student submitted, counting papers the talk cannot take
(another category, no longer offered): a student whose first choice was withdrawn and who
gets their second is told "2nd choice", and that is also what it costs.
"""

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class TalkNeed:
    key: int  # the talk (a Presentation row id); unique
    student: int  # the student (an Enrollment id); a student may have several talks
    category: str | None  # the category its paper must be in, or None for any
    ranked: tuple[int, ...]  # paper keys the student ranked, best first (may be empty)


@dataclass(frozen=True)
class PaperOption:
    key: int  # a Paper id; unique
    category: str


@dataclass
class Assignment:
    paper_of: dict[int, int | None]  # talk key -> paper key, None when none was left
    rank_of: dict[int, int | None]  # talk key -> 1-based rank of its paper; None if unranked/none
    total_cost: int
    # Talks that ranked at least one paper and got none of them (another paper, or none).
    missed_choices: list[int] = field(default_factory=list)
    # Talks left without a paper.
    without_paper: list[int] = field(default_factory=list)
    # What a paper the talk did not rank costs in `total_cost`.
    unranked_cost: int = 1

    @property
    def assigned_count(self) -> int:
        return sum(paper is not None for paper in self.paper_of.values())

    def histogram(self) -> dict[int | None, int]:
        """Rank -> number of talks that got their paper of that rank, best rank first.

        None counts talks that got a paper they did not rank; talks without a paper are not
        counted (see `without_paper`).
        """
        counts = Counter(
            self.rank_of[talk] for talk, paper in self.paper_of.items() if paper is not None
        )
        ranks = sorted(rank for rank in counts if rank is not None)
        histogram = {rank: counts[rank] for rank in ranks}
        if None in counts:
            histogram[None] = counts[None]
        return histogram


@dataclass(frozen=True)
class CostMatrix:
    """The problem as `linear_sum_assignment` sees it: talks are rows, papers columns."""

    talks: tuple[TalkNeed, ...]  # rows, sorted by key
    papers: tuple[PaperOption, ...]  # columns, sorted by key
    talk_keys: np.ndarray  # int64, the row labels
    paper_keys: np.ndarray  # int64, the column labels
    cost: np.ndarray  # float64, shape (len(talks), len(papers))
    unranked_cost: int
    forbidden_cost: int  # a pair the rules forbid; dropped from the result


def build_cost_matrix(*, talks: list[TalkNeed], papers: list[PaperOption]) -> CostMatrix:
    """The cost of giving each paper to each talk, rows and columns sorted by key.

    An allowed pair costs the paper's rank in the talk's list, or `unranked_cost`; a
    forbidden pair (wrong category) costs `forbidden_cost`. Why that constant keeps
    "as many talks as possible" ahead of "lowest total rank":

    Let k = min(rows, columns), the number of pairs every solution of the rectangular problem
    has, F = forbidden_cost and U = unranked_cost. An allowed pair costs 1 to U, so a
    solution with f forbidden pairs gives k - f talks a paper and costs between f*F + (k - f)
    and f*F + (k - f)*U. Every matching of allowed pairs extends to a full solution by
    pairing the leftover rows and columns arbitrarily (all of those pairs are forbidden, or
    the matching was not maximum), so a maximum matching of m pairs gives a solution with
    f* = k - m forbidden pairs and cost at most f*F + k*U; no solution has fewer, as its
    allowed pairs are a matching. Any solution with f > f* costs at least (f* + 1)*F. With
    F = k*U + 1 that is more, so the minimum has exactly f* forbidden pairs: it is a maximum
    matching. Its cost is f*F plus its rank cost, with f*F the same for all of them, so among
    maximum matchings the solver picks the lowest rank cost. All values are integers far
    below 2**53, exact in float64.
    """
    talks_sorted = tuple(sorted(talks, key=attrgetter("key")))
    papers_sorted = tuple(sorted(papers, key=attrgetter("key")))
    n_talks, n_papers = len(talks_sorted), len(papers_sorted)
    talk_keys = np.fromiter(map(attrgetter("key"), talks_sorted), dtype=np.int64, count=n_talks)
    paper_keys = np.fromiter(map(attrgetter("key"), papers_sorted), dtype=np.int64, count=n_papers)
    _require_unique_keys("talk", talk_keys)
    _require_unique_keys("paper", paper_keys)

    list_lengths = np.fromiter(
        (len(talk.ranked) for talk in talks_sorted), dtype=np.intp, count=n_talks
    )
    unranked_cost = int(list_lengths.max(initial=0)) + 1
    forbidden_cost = min(n_talks, n_papers) * unranked_cost + 1

    # Categories as small integers; a talk of a category no paper has matches nothing.
    category_code: dict[str, int] = {}
    paper_category = np.fromiter(
        (category_code.setdefault(paper.category, len(category_code)) for paper in papers_sorted),
        dtype=np.intp,
        count=n_papers,
    )
    n_categories = len(category_code)
    any_category, no_paper_category = n_categories, n_categories + 1
    talk_category = np.fromiter(
        (
            any_category
            if talk.category is None
            else category_code.get(talk.category, no_paper_category)
            for talk in talks_sorted
        ),
        dtype=np.intp,
        count=n_talks,
    )
    # The cost of an unranked paper by talk category (rows) and paper category (columns):
    # spreading this small table over the papers, then gathering its rows for the talks,
    # fills the matrix in two vectorised steps. Gathering rows last also writes it in C order,
    # which the flat view below needs; ascontiguousarray only makes sure (it copies nothing
    # here, where gathering columns last would cost a transposing copy).
    by_category = np.full((n_categories + 2, n_categories), float(forbidden_cost))
    np.fill_diagonal(by_category[:n_categories], float(unranked_cost))
    by_category[any_category] = float(unranked_cost)
    cost = np.ascontiguousarray(by_category[:, paper_category][talk_category])

    # Every ranked entry as (row, position in its list, paper key), flattened: one pass over
    # talks x list length, never over talks x papers.
    n_entries = int(list_lengths.sum())
    if n_entries and n_papers:
        ranked_keys = np.fromiter(
            chain.from_iterable(talk.ranked for talk in talks_sorted),
            dtype=np.int64,
            count=n_entries,
        )
        rows = np.repeat(np.arange(n_talks), list_lengths)
        list_starts = np.cumsum(list_lengths) - list_lengths
        ranks = np.arange(1, n_entries + 1) - np.repeat(list_starts, list_lengths)
        columns = _columns_of(paper_keys, ranked_keys)
        # A paper no longer offered has no column; one of another category stays forbidden.
        offered = columns >= 0
        rows, columns, ranks = rows[offered], columns[offered], ranks[offered]
        cells = rows * n_papers + columns
        flat_cost = cost.reshape(-1)  # a view, as cost is C-contiguous: writes go through
        usable = flat_cost[cells] < forbidden_cost
        # minimum, not assignment: a paper listed twice keeps its better rank.
        np.minimum.at(flat_cost, cells[usable], ranks[usable].astype(np.float64))

    return CostMatrix(
        talks=talks_sorted,
        papers=papers_sorted,
        talk_keys=talk_keys,
        paper_keys=paper_keys,
        cost=cost,
        unranked_cost=unranked_cost,
        forbidden_cost=forbidden_cost,
    )


def solve_assignment(*, talks: list[TalkNeed], papers: list[PaperOption]) -> Assignment:
    """Give each talk at most one paper and each paper at most one talk, optimally.

    Deterministic: the same talks and papers, in any order, give the same assignment.
    """
    matrix = build_cost_matrix(talks=talks, papers=papers)
    n_talks = len(matrix.talks)
    has_paper = np.zeros(n_talks, dtype=bool)
    paper_key = np.zeros(n_talks, dtype=np.int64)
    pair_cost = np.zeros(n_talks, dtype=np.float64)
    if matrix.cost.size:
        rows, columns = linear_sum_assignment(matrix.cost)
        costs = matrix.cost[rows, columns]
        kept = costs < matrix.forbidden_cost
        rows, columns = rows[kept], columns[kept]
        has_paper[rows] = True
        paper_key[rows] = matrix.paper_keys[columns]
        pair_cost[rows] = costs[kept]
    # A ranked pair costs its rank, which is always below the unranked cost.
    has_rank = has_paper & (pair_cost < matrix.unranked_cost)

    talk_keys = matrix.talk_keys.tolist()
    papers_got: list[int | None] = paper_key.tolist()
    for row in np.flatnonzero(~has_paper).tolist():
        papers_got[row] = None
    ranks_got: list[int | None] = pair_cost.astype(np.int64).tolist()
    for row in np.flatnonzero(~has_rank).tolist():
        ranks_got[row] = None
    return Assignment(
        paper_of=dict(zip(talk_keys, papers_got, strict=True)),
        rank_of=dict(zip(talk_keys, ranks_got, strict=True)),
        total_cost=int(pair_cost.sum()),
        missed_choices=[
            talk.key
            for talk, rank in zip(matrix.talks, ranks_got, strict=True)
            if talk.ranked and rank is None
        ],
        without_paper=matrix.talk_keys[~has_paper].tolist(),
        unranked_cost=matrix.unranked_cost,
    )


def _columns_of(paper_keys: np.ndarray, ranked_keys: np.ndarray) -> np.ndarray:
    """The column of each ranked paper key in the sorted `paper_keys`, or -1 if not there."""
    n_papers = len(paper_keys)
    lowest = int(paper_keys[0])
    span = int(paper_keys[-1]) - lowest + 1
    # The papers of one course usually have ids close together: then a lookup table indexed
    # by id is several times faster than a binary search for every ranked entry.
    if span <= 16 * n_papers + 1024:
        column_at = np.full(span + 1, -1, dtype=np.intp)  # the last cell: "not a paper"
        column_at[paper_keys - lowest] = np.arange(n_papers)
        offsets = ranked_keys - lowest
        offsets[(offsets < 0) | (offsets >= span)] = span
        return column_at[offsets]
    columns = np.searchsorted(paper_keys, ranked_keys).clip(max=n_papers - 1)
    return np.where(paper_keys[columns] == ranked_keys, columns, -1)


def _require_unique_keys(kind: str, sorted_keys: np.ndarray) -> None:
    repeated = sorted_keys[1:][sorted_keys[1:] == sorted_keys[:-1]]
    if repeated.size:
        raise ValueError(
            f"Each {kind} key must be unique; repeated: {np.unique(repeated).tolist()}"
        )
