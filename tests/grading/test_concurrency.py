"""Two graders saving the same cell at once: one save wins, the other is refused with who
changed it, and nothing is overwritten silently. Real threads with their own connections on
PostgreSQL (row locks and the unique constraint decide); SQLite's writers are serialised
by its write lock and take the same path one after the other (tests/grading/test_scores.py).
"""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from conftest import enrol, load_course_text, make_user, small_course_text
from courseapp.models import Role
from grading.models import Score, ScoreChange
from grading.services import ScoreConflict, ScoreInput, scores_set
from tests.grading.conftest import leaf

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
    ),
]


def run_together(*jobs):
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # the refusal is the result
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def setup():
    course = load_course_text(small_course_text())
    first, second = make_user("grader1"), make_user("grader2")
    enrol(first, course, Role.INSTRUCTOR)
    enrol(second, course, Role.INSTRUCTOR)
    alice = enrol(make_user("alice"), course, Role.STUDENT)
    return course, first, second, alice


def save(course, actor, alice, points, version):
    review = leaf(course, "review")
    return lambda: scores_set(
        course=course,
        entries=[ScoreInput(alice.pk, review.pk, D(points), expected_version=version)],
        actor=actor,
        via="admin",
        path=ScoreChange.Path.GRID,
    )


@pytest.mark.parametrize("round_", range(3))
def test_two_graders_creating_one_score_at_once(setup, round_):
    course, first, second, alice = setup
    results = run_together(save(course, first, alice, 30, 0), save(course, second, alice, 40, 0))
    refused = [r for r in results if isinstance(r, ScoreConflict)]
    assert len(refused) == 1, results
    score = Score.objects.get(student=alice)
    assert score.version == 1
    assert ScoreChange.objects.count() == 1
    assert score.points in (D(30), D(40))


def test_two_graders_changing_one_score_at_once(setup):
    course, first, second, alice = setup
    save(course, first, alice, 10, 0)()
    results = run_together(save(course, first, alice, 30, 1), save(course, second, alice, 40, 1))
    (refused,) = [r for r in results if isinstance(r, ScoreConflict)]
    assert "since you opened the grid" in refused.message
    score = Score.objects.get(student=alice)
    assert score.version == 2
    assert ScoreChange.objects.count() == 2
