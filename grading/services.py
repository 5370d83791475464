"""Writes of grading: scores, overrides and releases.

Every score change goes through `scores_set`, `score_override` or `score_override_clear`.
Each checks its rules first (ValidationError for a bad value, with the cell it belongs to;
GradingError when a rule refuses; nothing is written either way), then writes the scores, a
ScoreChange per changed value (who, when, old, new, reason, the path it came by) and an
AuditEntry per change, all in one transaction. No other code writes Score rows
(tests/grading/test_history.py checks the source for it).

Concurrent graders: each entry may carry the version of the score its grader saw (0 when
there was none). The rows are locked and a different version refuses the whole save ("changed
by X since you opened the grid"), so a save never silently overwrites another grader's. Two
graders creating the same score at once meet the unique constraint instead, which refuses
the second the same way.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from courseapp.audit import audit_entry, audit_record, audit_record_many
from courseapp.errors import DomainError
from courseapp.models import Course, Enrollment, Role
from courseapp.notify import email_on_commit
from courseapp.permissions import role_in
from grading.models import Criterion, Release, Score, ScoreChange

Path = ScoreChange.Path


class GradingError(DomainError):
    """A rule of grading refused the action; nothing was changed."""


class ScoreConflict(GradingError):
    """Scores changed since the grader read them. `cells` maps each cell ("student id:
    criterion id") to what happened to it."""

    def __init__(self, cells: dict[str, str]):
        message = "Nothing was saved: " + "; ".join(cells.values()) + ". Reload and enter again."
        super().__init__("changed_since_opened", message)
        self.cells = cells


# --- who may do what ----------------------------------------------------------------------


def can_grade(*, user, course: Course) -> bool:
    """Instructors enter scores; TAs too when the course lets them."""
    role = role_in(user=user, course=course)
    return role == Role.INSTRUCTOR or (role == Role.TA and course.ta_can_grade)


def _check_grader(actor, course: Course) -> None:
    if actor is None:
        return  # a command or the demo: the operator is trusted
    if not can_grade(user=actor, course=course):
        raise GradingError("not_a_grader", "Only the course's graders enter scores.")


def _check_instructor(actor, course: Course, what: str) -> None:
    if actor is not None and role_in(user=actor, course=course) != Role.INSTRUCTOR:
        raise GradingError("not_an_instructor", f"Only the course's instructors {what}.")


# --- values -------------------------------------------------------------------------------


def cell_key(student_id: int, criterion_id: int) -> str:
    return f"{student_id}:{criterion_id}"


def points_problem(value: Decimal, *, points: Decimal) -> str | None:
    """Why `value` cannot be a score on a leaf worth `points`, or None."""
    if not value.is_finite():
        return "is not a number"
    if value < 0 or value > points:
        return f"must be between 0 and {points.normalize():f}"
    if value != value.quantize(Decimal("0.01")):
        return "has more than 2 decimal places"
    return None


def points_from_text(text: str, *, points: Decimal) -> Decimal | None:
    """A score typed by a grader: "", or a number from 0 to `points` with at most 2 decimal
    places ("12.5" and "12,5" both read). Raises ValidationError saying what is wrong."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ".") if text.count(",") == 1 else text)
    except InvalidOperation:
        raise ValidationError(f"{text!r} is not a number") from None
    problem = points_problem(value, points=points)
    if problem:
        raise ValidationError(f"{text} {problem}")
    return value.quantize(Decimal("0.01"))


def _text(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


# --- scores -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInput:
    """One cell to write: a student's score on a leaf (None clears it), and optionally a
    comment. `expected_version` is the score's version as the grader saw it (0: no score
    yet); None skips the check (a command, the demo)."""

    student_id: int
    criterion_id: int
    points: Decimal | None
    comment: str | None = None
    expected_version: int | None = None


@dataclass
class ScoresReport:
    changed: list[str] = field(default_factory=list)  # "alice: review 12 -> 14"
    unchanged: int = 0

    def summary(self) -> str:
        n = len(self.changed)
        return f"{n} score{'' if n == 1 else 's'} changed, {self.unchanged} unchanged"


def _label(student: Enrollment, criterion: Criterion) -> str:
    return f"{student.user.get_username()}: {criterion.key}"


def scores_set(
    *,
    course: Course,
    entries: Iterable[ScoreInput],
    actor,
    via: str,
    path: str,
    reason: str = "",
) -> ScoresReport:
    """Enter graders' scores (instructor leaves, and blends' instructor parts) at once.

    All or nothing: a bad value raises ValidationError keyed by cell ("student id:criterion
    id"), a score changed meanwhile raises ScoreConflict, and nothing is written then.
    """
    entries = _with_teammates(course, list(entries))
    _check_grader(actor, course)
    criteria = {
        c.pk: c
        for c in Criterion.objects.for_course(course).filter(
            pk__in={entry.criterion_id for entry in entries}
        )
    }
    students = {
        s.pk: s
        for s in Enrollment.objects.for_course(course)
        .students()
        .select_related("user")
        .filter(pk__in={entry.student_id for entry in entries})
    }
    leaves = set(
        Criterion.objects.for_course(course)
        .leaves()
        .filter(pk__in=criteria)
        .values_list("pk", flat=True)
    )
    errors: dict[str, str] = {}
    for entry in entries:
        key = cell_key(entry.student_id, entry.criterion_id)
        criterion = criteria.get(entry.criterion_id)
        if entry.student_id not in students:
            errors[key] = "no such student in this course"
        elif criterion is None or criterion.pk not in leaves:
            errors[key] = "no such graded criterion in this course"
        elif not criterion.takes_entry:
            errors[key] = (
                f"{criterion.name} is computed from feedback; override it with a reason instead"
            )
        elif entry.points is not None:
            problem = points_problem(entry.points, points=criterion.points)
            if problem:
                errors[key] = f"{_text(entry.points)} {problem}"
    if errors:
        raise ValidationError(errors)
    if len({cell_key(e.student_id, e.criterion_id) for e in entries}) != len(entries):
        raise GradingError("duplicate_cell", "A score is given twice in one save.")

    now = timezone.now()
    report = ScoresReport()
    try:
        with transaction.atomic():
            existing = {
                cell_key(score.student_id, score.criterion_id): score
                for score in Score.objects.select_for_update(of=("self",))
                .select_related("entered_by")
                .filter(
                    course=course,
                    student__in=students,
                    criterion__in=criteria,
                )
            }
            conflicts = {}
            for entry in entries:
                key = cell_key(entry.student_id, entry.criterion_id)
                score = existing.get(key)
                seen = entry.expected_version
                if seen is None or (score.version if score else 0) == seen:
                    continue
                who = score.entered_by.get_username() if score and score.entered_by else "someone"
                conflicts[key] = (
                    f"{_label(students[entry.student_id], criteria[entry.criterion_id])} was "
                    f"changed by {who} since you opened the grid"
                )
            if conflicts:
                raise ScoreConflict(conflicts)

            new_scores, updated, changes = [], [], []
            for entry in entries:
                key = cell_key(entry.student_id, entry.criterion_id)
                student, criterion = students[entry.student_id], criteria[entry.criterion_id]
                score = existing.get(key)
                old_points = score.points if score else None
                old_comment = score.comment if score else ""
                new_comment = old_comment if entry.comment is None else entry.comment.strip()
                diffs = []
                if old_points != entry.points:
                    diffs.append((ScoreChange.Field.POINTS, _text(old_points), _text(entry.points)))
                if new_comment != old_comment:
                    diffs.append((ScoreChange.Field.COMMENT, old_comment, new_comment))
                if not diffs:
                    report.unchanged += 1
                    continue
                if score is None:
                    score = Score(
                        course=course,
                        student=student,
                        criterion=criterion,
                        points=entry.points,
                        comment=new_comment,
                        entered_by=_user(actor),
                        entered_at=now,
                        version=1,
                    )
                    new_scores.append(score)
                else:
                    score.points = entry.points
                    score.comment = new_comment
                    score.entered_by = _user(actor)
                    score.entered_at = now
                    score.version += 1
                    updated.append(score)
                for name, old, new in diffs:
                    changes.append((score, student, criterion, name, old, new))
                    if name == ScoreChange.Field.POINTS:
                        report.changed.append(
                            f"{_label(student, criterion)} {old or '(none)'} -> {new or '(none)'}"
                        )
                    else:
                        report.changed.append(f"{_label(student, criterion)} comment")
            # Every value was checked above; full_clean() would add a query per foreign key
            # and score, which an import of a whole class cannot afford.
            Score.objects.bulk_create(new_scores, batch_size=500)
            Score.objects.bulk_update(
                updated, ["points", "comment", "entered_by", "entered_at", "version"], 500
            )
            _record(
                course=course,
                changes=changes,
                actor=actor,
                via=via,
                path=path,
                reason=reason,
                now=now,
                action="score.set",
            )
    except IntegrityError:
        # Another grader created one of these scores between our read and our write.
        raise ScoreConflict(
            {"": "a score was entered by someone else since you opened the grid"}
        ) from None
    return report


def _with_teammates(course: Course, entries: list[ScoreInput]) -> list[ScoreInput]:
    """A score on a team leaf (fed by a team deliverable) is the team's: it is entered for
    every member too, unless the same save gives that member's own."""
    from submissions.selectors import team_leaf_ids, teammates

    team_leaves = team_leaf_ids(course=course)
    team_entries = [entry for entry in entries if entry.criterion_id in team_leaves]
    if not team_entries:
        return entries
    given = {(entry.student_id, entry.criterion_id) for entry in entries}
    mates = teammates(course=course, students={entry.student_id for entry in team_entries})
    added = []
    for entry in team_entries:
        for mate in mates.get(entry.student_id, []):
            if (mate, entry.criterion_id) not in given:
                given.add((mate, entry.criterion_id))
                added.append(
                    ScoreInput(
                        student_id=mate,
                        criterion_id=entry.criterion_id,
                        points=entry.points,
                        comment=entry.comment,
                    )
                )
    return entries + added


def score_set(
    *,
    student: Enrollment,
    criterion: Criterion,
    points: Decimal | None,
    actor,
    via: str,
    path: str = Path.FORM,
    comment: str | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> ScoresReport:
    """One score (see `scores_set`)."""
    return scores_set(
        course=criterion.course,
        entries=[
            ScoreInput(
                student_id=student.pk,
                criterion_id=criterion.pk,
                points=points,
                comment=comment,
                expected_version=expected_version,
            )
        ],
        actor=actor,
        via=via,
        path=path,
        reason=reason,
    )


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _record(*, course, changes, actor, via, path, reason, now, action) -> None:
    """The history and the audit log of `changes`: (score, student, criterion, field, old,
    new) tuples, in the caller's transaction."""
    user = _user(actor)
    ScoreChange.objects.bulk_create(
        [
            ScoreChange(
                course=course,
                score=score,
                student=student,
                criterion=criterion,
                field=name,
                old=old,
                new=new,
                reason=reason,
                path=path,
                changed_by=user,
                changed_by_label=user.get_username() if user else "",
                changed_at=now,
            )
            for score, student, criterion, name, old, new in changes
        ],
        batch_size=500,
    )
    audit_record_many(
        audit_entry(
            course=course,
            actor=actor,
            action=action if name != ScoreChange.Field.COMMENT else "score.comment",
            via=via,
            obj=score,
            label=_label(student, criterion),
            old={name: old, "path": path},
            new={name: new, "path": path},
            reason=reason,
            at=now,
        )
        for score, student, criterion, name, old, new in changes
    )


def _one_score_locked(student: Enrollment, criterion: Criterion) -> Score | None:
    return Score.objects.select_for_update().filter(student=student, criterion=criterion).first()


def _check_computed_leaf(student: Enrollment, criterion: Criterion) -> None:
    if student.course_id != criterion.course_id or student.role != Role.STUDENT:
        raise GradingError("not_a_student", "That person is not a student of this course.")
    if criterion.children.exists():
        raise GradingError("not_a_leaf", f"{criterion.name} is not a leaf of the rubric.")
    if not criterion.is_computed and not criterion.deliverables.filter(team=True).exists():
        raise GradingError(
            "not_computed", f"{criterion.name} is entered by graders; enter its score instead."
        )


def score_override(
    *,
    student: Enrollment,
    criterion: Criterion,
    points: Decimal,
    reason: str,
    actor,
    via: str,
) -> Score:
    """Replace a computed leaf's value for one student; the reason is required."""
    course = criterion.course
    _check_instructor(actor, course, "override computed scores")
    _check_computed_leaf(student, criterion)
    reason = (reason or "").strip()
    if not reason:
        raise GradingError("reason_required", "Say why the computed score is overridden.")
    problem = points_problem(points, points=criterion.points)
    if problem:
        raise ValidationError({"points": f"{_text(points)} {problem}"})
    now = timezone.now()
    with transaction.atomic():
        score = _one_score_locked(student, criterion)
        old = score.override if score else None
        if score is None:
            score = Score(
                course=course,
                student=student,
                criterion=criterion,
                entered_by=_user(actor),
                entered_at=now,
            )
        elif old == points and score.override_reason == reason:
            return score
        else:
            score.version += 1
        score.override = points
        score.override_reason = reason
        score.entered_by = _user(actor)
        score.entered_at = now
        score.full_clean(validate_unique=False, validate_constraints=False)
        score.save()
        _record(
            course=course,
            changes=[
                (score, student, criterion, ScoreChange.Field.OVERRIDE, _text(old), _text(points))
            ],
            actor=actor,
            via=via,
            path=Path.OVERRIDE,
            reason=reason,
            now=now,
            action="score.override",
        )
    return score


def score_override_clear(
    *, student: Enrollment, criterion: Criterion, actor, via: str, reason: str = ""
) -> Score:
    """Remove an override: the leaf is computed from its sources again."""
    course = criterion.course
    _check_instructor(actor, course, "remove overrides")
    _check_computed_leaf(student, criterion)
    now = timezone.now()
    with transaction.atomic():
        score = _one_score_locked(student, criterion)
        if score is None or score.override is None:
            raise GradingError("not_overridden", f"{criterion.name} is not overridden.")
        old = score.override
        score.override = None
        score.override_reason = ""
        score.entered_by = _user(actor)
        score.entered_at = now
        score.version += 1
        score.save(
            update_fields=["override", "override_reason", "entered_by", "entered_at", "version"]
        )
        _record(
            course=course,
            changes=[(score, student, criterion, ScoreChange.Field.OVERRIDE, _text(old), "")],
            actor=actor,
            via=via,
            path=Path.RECOMPUTE,
            reason=(reason or "").strip() or "override removed; computed again",
            now=now,
            action="score.override_clear",
        )
    return score


# --- releases -----------------------------------------------------------------------------


def _check_part(part: Criterion) -> None:
    if part.parent_id is not None:
        raise GradingError("not_a_part", f"{part.name} is not a top-level part of the rubric.")


def part_release(*, part: Criterion, actor, via: str, notify: bool = True) -> Release:
    """Show a part's scores to the students, and e-mail them that it is out (unless
    `notify` is off: the demo's made-up students have nobody to read it)."""
    course = part.course
    _check_instructor(actor, course, "release grades")
    _check_part(part)
    with transaction.atomic():
        if Release.objects.select_for_update().filter(part=part).exists():
            raise GradingError("already_released", f"{part.name} is already released.")
        release = Release.objects.create(
            course=course, part=part, released_at=timezone.now(), released_by=_user(actor)
        )
        audit_record(
            course=course,
            actor=actor,
            action="grades.release",
            via=via,
            obj=release,
            label=f"{part.name} released",
            old=False,
            new=True,
        )
        students = [
            enrollment.user
            for enrollment in Enrollment.objects.for_course(course)
            .students()
            .active()
            .select_related("user")
        ]
        if notify:
            email_on_commit(
                users=students,
                subject=f"[{course.code}] Grades released: {part.name}",
                template="grading/email/released.txt",
                context={"course": course, "part": part},
            )
    return release


def part_unrelease(*, part: Criterion, actor, via: str, reason: str = "") -> None:
    """Hide a released part from the students again."""
    course = part.course
    _check_instructor(actor, course, "withdraw a release")
    _check_part(part)
    with transaction.atomic():
        release = Release.objects.select_for_update().filter(part=part).first()
        if release is None:
            raise GradingError("not_released", f"{part.name} is not released.")
        audit_record(
            course=course,
            actor=actor,
            action="grades.unrelease",
            via=via,
            obj=release,
            label=f"{part.name} hidden again",
            old=True,
            new=False,
            reason=reason,
        )
        release.delete()
