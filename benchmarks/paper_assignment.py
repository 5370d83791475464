"""Time the paper-assignment solver against the bare scipy call on the same cost matrix.

    .venv/bin/python benchmarks/paper_assignment.py [--students 500] [--papers 500]
        [--ranks 10] [--categories 5] [--runs 100] [--seed 2025]

Builds one synthetic class with a fixed seed: each student gives one talk in a random
category and ranks `--ranks` distinct papers of that category, drawn with a popularity skew
so that favourite papers are contested; papers get random categories too, so some
categories have more talks than papers. In the same run it times, `--runs` times each:

- bare: `linear_sum_assignment` on the cost matrix `build_cost_matrix` gives (the floor);
- solve: `solve_assignment(...)`, sorting, building the matrix, solving, reading the result.

and prints the best wall-clock and CPU times and the median wall-clock time of each, and the
ratios of solve to bare. The goal is solve <= 1.5x bare.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from presentations.assignment import (  # noqa: E402
    PaperOption,
    TalkNeed,
    build_cost_matrix,
    solve_assignment,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--papers", type=int, default=500)
    parser.add_argument("--ranks", type=int, default=10)
    parser.add_argument("--categories", type=int, default=5)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    talks, papers = build_class(
        students=args.students,
        papers=args.papers,
        ranks=args.ranks,
        categories=args.categories,
        seed=args.seed,
    )
    cost = build_cost_matrix(talks=talks, papers=papers).cost

    times: dict[str, list[tuple[float, float]]] = {"bare": [], "solve": []}
    result = solve_assignment(talks=talks, papers=papers)  # warm-up, not timed
    # Alternate the two so that a busy moment of the machine hits both alike. CPU time is
    # printed too: on a shared machine it is the steadier figure.
    for _ in range(args.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        linear_sum_assignment(cost)
        times["bare"].append((time.perf_counter() - wall, time.process_time() - cpu))

        wall, cpu = time.perf_counter(), time.process_time()
        result = solve_assignment(talks=talks, papers=papers)
        times["solve"].append((time.perf_counter() - wall, time.process_time() - cpu))

    print(
        f"{args.students} students, {args.papers} papers, {args.ranks} ranks each, "
        f"{args.categories} categories, seed {args.seed}, {args.runs} runs each"
    )
    print(f"assigned {result.assigned_count} of {len(talks)} talks, histogram {result.histogram()}")
    figures = {
        name: (
            min(wall for wall, _ in runs),
            min(cpu for _, cpu in runs),
            statistics.median(wall for wall, _ in runs),
        )
        for name, runs in times.items()
    }
    print(f"{'':28s} {'best wall':>10s} {'best cpu':>10s} {'median wall':>12s}")
    for name, label in [("bare", "bare linear_sum_assignment"), ("solve", "solve_assignment")]:
        best_wall, best_cpu, median_wall = figures[name]
        print(
            f"{label:28s} {best_wall * 1000:7.2f} ms {best_cpu * 1000:7.2f} ms "
            f"{median_wall * 1000:9.2f} ms"
        )
    ratios = [solve / bare for solve, bare in zip(figures["solve"], figures["bare"], strict=True)]
    print(f"{'ratio (goal <= 1.5x)':28s} {ratios[0]:9.2f}x {ratios[1]:9.2f}x {ratios[2]:11.2f}x")


def build_class(
    *, students: int, papers: int, ranks: int, categories: int, seed: int
) -> tuple[list[TalkNeed], list[PaperOption]]:
    rng = np.random.default_rng(seed)
    names = [f"category-{index + 1}" for index in range(categories)]
    paper_keys = rng.permutation(np.arange(1, papers + 1)) + 10_000
    paper_category = rng.integers(0, categories, size=papers)
    options = [
        PaperOption(key=int(key), category=names[code])
        for key, code in zip(paper_keys, paper_category, strict=True)
    ]
    # A Zipf-like popularity: a few papers are everybody's favourites.
    popularity = 1.0 / np.arange(1, papers + 1) ** 0.8
    talks = []
    for student in range(students):
        code = int(rng.integers(0, categories))
        pool = np.flatnonzero(paper_category == code)
        weights = popularity[pool] / popularity[pool].sum()
        chosen = rng.choice(pool, size=min(ranks, len(pool)), replace=False, p=weights)
        talks.append(
            TalkNeed(
                key=student + 1,
                student=student + 1,
                category=names[code],
                ranked=tuple(int(paper_keys[index]) for index in chosen),
            )
        )
    return talks, options


if __name__ == "__main__":
    main()
