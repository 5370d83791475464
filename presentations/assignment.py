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
from itertools import chain, repeat
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
    only_for: int | None = None  # a student's approved proposal: nobody else may take it


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

    talk_keys: np.ndarray  # int64, the row labels, ascending
    paper_keys: np.ndarray  # int64, the column labels, ascending
    ranked_lengths: np.ndarray  # per row: how many papers the talk ranked, usable or not
    cost: np.ndarray  # float64, shape (len(talk_keys), len(paper_keys))
    unranked_cost: int
    forbidden_cost: int  # a pair the rules forbid; dropped from the result


_key = attrgetter("key")
_student = attrgetter("student")
_category = attrgetter("category")
_ranked = attrgetter("ranked")


def build_cost_matrix(*, talks: list[TalkNeed], papers: list[PaperOption]) -> CostMatrix:
    """The cost of giving each paper to each talk, rows and columns in key order.

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
    # The input is read in a few flat passes straight into arrays, and rows and columns are
    # put in key order by permuting those arrays, not by sorting the objects: at 500 x 500
    # the solver itself takes a few milliseconds, so every pass in Python shows.
    n_talks, n_papers = len(talks), len(papers)
    talk_keys = np.fromiter(map(_key, talks), dtype=np.int64, count=n_talks)
    paper_keys = np.fromiter(map(_key, papers), dtype=np.int64, count=n_papers)
    # Rows and columns in key order whatever the order of the input: the same input gives the
    # same matrix, hence the same assignment.
    talk_order = np.argsort(talk_keys, kind="stable")
    paper_order = np.argsort(paper_keys, kind="stable")
    talk_keys, paper_keys = talk_keys[talk_order], paper_keys[paper_order]
    _require_unique_keys("talk", talk_keys)
    _require_unique_keys("paper", paper_keys)

    input_lengths = np.fromiter(map(len, map(_ranked, talks)), dtype=np.intp, count=n_talks)
    unranked_cost = int(input_lengths.max(initial=0)) + 1
    forbidden_cost = min(n_talks, n_papers) * unranked_cost + 1

    # Categories as small integers, papers' first; a talk of a category no paper has matches
    # nothing, and a talk without a category (None) may take any paper.
    paper_category_names = list(map(_category, papers))
    category_code = {name: code for code, name in enumerate(dict.fromkeys(paper_category_names))}
    n_categories = len(category_code)
    any_category, no_paper_category = n_categories, n_categories + 1
    paper_category = np.fromiter(
        map(category_code.__getitem__, paper_category_names), dtype=np.intp, count=n_papers
    )[paper_order]
    category_code[None] = any_category
    talk_category = np.fromiter(
        map(category_code.get, map(_category, talks), repeat(no_paper_category, n_talks)),
        dtype=np.intp,
        count=n_talks,
    )[talk_order]

    # The cost of an unranked paper by talk category (rows) and paper category (columns):
    # spreading this small table over the papers, then gathering its rows for the talks,
    # fills the matrix in two vectorised steps. Taking rows last writes it in C order, which
    # the flat view below needs (taking columns last would cost a transposing copy).
    by_category = np.full((n_categories + 2, n_categories), float(forbidden_cost))
    np.fill_diagonal(by_category[:n_categories], float(unranked_cost))
    by_category[any_category] = float(unranked_cost)
    cost = np.take(by_category[:, paper_category], talk_category, axis=0)

    # A proposal approved for one student is forbidden to everyone else (a few columns).
    restricted = [(index, p.only_for) for index, p in enumerate(papers) if p.only_for is not None]
    if restricted:
        students = np.fromiter(map(_student, talks), dtype=np.int64, count=n_talks)[talk_order]
        column_of_input = np.empty(n_papers, dtype=np.intp)
        column_of_input[paper_order] = np.arange(n_papers)
        for index, owner in restricted:
            cost[students != owner, column_of_input[index]] = float(forbidden_cost)

    # Every ranked entry as (row, position in its list, paper key), flattened in input order:
    # one pass over talks x list length, never over talks x papers.
    n_entries = int(input_lengths.sum())
    if n_entries and n_papers:
        ranked_keys = np.fromiter(
            chain.from_iterable(talk.ranked for talk in talks), dtype=np.int64, count=n_entries
        )
        row_of_input = np.empty(n_talks, dtype=np.intp)
        row_of_input[talk_order] = np.arange(n_talks)
        rows = np.repeat(row_of_input, input_lengths)
        list_starts = np.cumsum(input_lengths) - input_lengths
        ranks = np.arange(1, n_entries + 1) - np.repeat(list_starts, input_lengths)
        columns = _columns_of(paper_keys, ranked_keys)
        # A paper no longer offered has no column; one of another category stays forbidden.
        offered = columns >= 0
        rows, columns, ranks = rows[offered], columns[offered], ranks[offered]
        cells = rows * n_papers + columns
        flat_cost = cost.reshape(-1)
        assert flat_cost.base is cost  # a view, as cost is C-contiguous: writes go through
        usable = flat_cost[cells] < forbidden_cost
        # minimum, not assignment: a paper listed twice keeps its better rank.
        np.minimum.at(flat_cost, cells[usable], ranks[usable].astype(np.float64))

    return CostMatrix(
        talk_keys=talk_keys,
        paper_keys=paper_keys,
        ranked_lengths=input_lengths[talk_order],
        cost=cost,
        unranked_cost=unranked_cost,
        forbidden_cost=forbidden_cost,
    )


def solve_assignment(*, talks: list[TalkNeed], papers: list[PaperOption]) -> Assignment:
    """Give each talk at most one paper and each paper at most one talk, optimally.

    Deterministic: the same talks and papers, in any order, give the same assignment.
    """
    matrix = build_cost_matrix(talks=talks, papers=papers)
    n_talks = len(matrix.talk_keys)
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
        missed_choices=matrix.talk_keys[(matrix.ranked_lengths > 0) & ~has_rank].tolist(),
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
