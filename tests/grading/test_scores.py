"""Scores: who may enter them, what a cell accepts, all-or-nothing saves, the optimistic
check, overrides, PROTECT, and the course file's guard on scored criteria."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from conftest import load_course_text, small_course_text
from courseapp.coursefile import CourseFileError
from courseapp.models import AuditEntry
from grading.models import Score, ScoreChange
from grading.services import (
    GradingError,
    ScoreConflict,
    ScoreInput,
    points_from_text,
    score_override,
    score_override_clear,
    score_set,
    scores_set,
)
from tests.courseapp.course_files import edit
from tests.grading.conftest import enrolment_of, leaf

GRID = ScoreChange.Path.GRID


@pytest.fixture
def alice(course, student):
    return enrolment_of(student, course)


def test_an_instructor_enters_a_score_with_history_and_audit(course, alice, instructor):
    review = leaf(course, "review")

    score_set(
        student=alice, criterion=review, points=D("41.5"), actor=instructor, via="admin", path=GRID
    )

    score = Score.objects.get(student=alice, criterion=review)
    assert (score.points, score.entered_by, score.version) == (D("41.50"), instructor, 1)
    change = ScoreChange.objects.get(score=score)
    assert (change.old, change.new, change.path, change.changed_by) == (
        "",
        "41.5",
        "grid",
        instructor,
    )
    entry = AuditEntry.objects.get(action="score.set")
    assert entry.new == {"points": "41.5", "path": "grid"}
    assert entry.object_label == "alice: review"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("51", "51 must be between 0 and 50"),
        ("-1", "-1 must be between 0 and 50"),
        ("12.345", "12.345 has more than 2 decimal places"),
        ("twelve", "'twelve' is not a number"),
        ("NaN", "NaN is not a number"),
    ],
)
def test_a_cell_refuses_what_is_not_a_score(course, text, message):
    with pytest.raises(ValidationError) as caught:
        points_from_text(text, points=leaf(course, "review").points)
    assert caught.value.messages == [message]


def test_a_comma_decimal_and_blank_read(course):
    assert points_from_text("12,5", points=D(50)) == D("12.50")
    assert points_from_text("  ", points=D(50)) is None


def test_one_bad_cell_saves_nothing_and_names_its_cell(course, alice, other_student, instructor):
    bob = enrolment_of(other_student, course)
    review, plan = leaf(course, "review"), leaf(course, "plan")

    with pytest.raises(ValidationError) as caught:
        scores_set(
            course=course,
            entries=[ScoreInput(alice.pk, review.pk, D(40)), ScoreInput(bob.pk, plan.pk, D(21))],
            actor=instructor,
            via="admin",
            path=GRID,
        )

    assert caught.value.message_dict == {f"{bob.pk}:{plan.pk}": ["21 must be between 0 and 20"]}
    assert not Score.objects.exists()
    assert not ScoreChange.objects.exists()


def test_a_computed_leaf_cannot_be_typed(course, alice, instructor):
    with pytest.raises(ValidationError, match="computed from feedback"):
        score_set(
            student=alice,
            criterion=leaf(course, "feedback-given"),
            points=D(5),
            actor=instructor,
            via="admin",
        )


def test_a_save_over_a_newer_score_is_refused_with_who_changed_it(course, alice, instructor, ta):
    review = leaf(course, "review")
    course.ta_can_grade = True
    course.save()
    # Both graders opened the grid before any score existed (version 0).
    score_set(
        student=alice, criterion=review, points=D(30), actor=ta, via="page", expected_version=0
    )

    with pytest.raises(ScoreConflict) as caught:
        score_set(
            student=alice,
            criterion=review,
            points=D(45),
            actor=instructor,
            via="admin",
            expected_version=0,
        )

    assert "alice: review was changed by ta1 since you opened the grid" in caught.value.message
    assert Score.objects.get(student=alice, criterion=review).points == D(30)
    assert ScoreChange.objects.count() == 1


def test_tas_grade_only_when_the_course_lets_them(course, alice, ta):
    review = leaf(course, "review")
    with pytest.raises(GradingError, match="Only the course's graders"):
        score_set(student=alice, criterion=review, points=D(30), actor=ta, via="page")
    course.ta_can_grade = True
    course.save()
    review = leaf(course, "review")
    score_set(student=alice, criterion=review, points=D(30), actor=ta, via="page")
    assert Score.objects.get().points == D(30)


def test_an_override_needs_a_reason_and_is_kept_apart_from_the_entry(course, alice, instructor, ta):
    organisation = leaf(course, "organisation")
    score_set(student=alice, criterion=organisation, points=D(20), actor=instructor, via="admin")
    with pytest.raises(GradingError, match="Say why"):
        score_override(
            student=alice, criterion=organisation, points=D(10), reason=" ", actor=instructor,
            via="admin",
        )  # fmt: skip
    with pytest.raises(GradingError, match="instructors"):
        score_override(
            student=alice, criterion=organisation, points=D(10), reason="x", actor=ta, via="page"
        )

    score = score_override(
        student=alice,
        criterion=organisation,
        points=D("22.5"),
        reason="presented twice",
        actor=instructor,
        via="admin",
    )

    assert (score.points, score.override, score.override_reason) == (
        D(20),
        D("22.5"),
        "presented twice",
    )
    score_override_clear(student=alice, criterion=organisation, actor=instructor, via="admin")
    paths = list(ScoreChange.objects.order_by("pk").values_list("field", "path", "old", "new"))
    assert paths == [
        ("points", "form", "", "20"),
        ("override", "override", "", "22.5"),
        ("override", "recompute", "22.5", ""),
    ]


def test_an_instructor_leaf_cannot_be_overridden(course, alice, instructor):
    with pytest.raises(GradingError, match="entered by graders"):
        score_override(
            student=alice, criterion=leaf(course, "review"), points=D(1), reason="x",
            actor=instructor, via="admin",
        )  # fmt: skip


def test_scores_protect_their_criterion_and_student(course, alice, instructor):
    review = leaf(course, "review")
    score_set(student=alice, criterion=review, points=D(30), actor=instructor, via="admin")
    with pytest.raises(ProtectedError):
        review.delete()
    with pytest.raises(ProtectedError):
        alice.delete()


def test_the_course_file_cannot_change_the_points_or_source_of_a_scored_criterion(
    course, alice, instructor
):
    score_set(
        student=alice, criterion=leaf(course, "review"), points=D(30), actor=instructor, via="admin"
    )
    text = small_course_text()
    changed = edit(
        edit(text, "name: Literature review, points: 50", "name: Literature review, points: 45"),
        "name: Research plan, points: 20",
        "name: Research plan, points: 25",
    )
    with pytest.raises(CourseFileError) as caught:
        load_course_text(changed)
    assert any(
        "criterion review: its points cannot change under 1 score" in problem
        for problem in caught.value.problems
    ), caught.value.problems
    # The unscored plan may change; only the scored review holds the load back.
    assert leaf(course, "review").points == D(50)

    removed = edit(
        edit(
            text,
            "      - {key: review, name: Literature review, points: 50, source: instructor}\n",
            "",
        ),
        "name: Research plan, points: 20",
        "name: Research plan, points: 70",
    )
    with pytest.raises(CourseFileError) as caught:
        load_course_text(removed)
    assert any("no longer in the file, but it has 1 score" in p for p in caught.value.problems)
