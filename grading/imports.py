"""Importing scores from a CSV in the gradebook's export format, edited in a spreadsheet.

`gradebook_import(course=..., csv_text=..., dry_run=True)` is the preview: every cell that
would change (old -> new) and every problem, each with its row and column. Applying runs the
same reading again and refuses, changing nothing, while any problem remains or when the
scores changed since the preview (the preview's digest no longer matches). The scores are
then written by `grading.services.scores_set` in one transaction, with history (path
"import").

Students are found by `username`, or by `student_id` when the file has no username column.
Only the columns of instructor-graded leaves are read; an empty cell leaves the score as it
is (clearing a score is done in the grid). The other columns of the export (names, totals,
computed leaves) are ignored; a column the export does not have is a problem, so that a
mistyped criterion key is not silently skipped.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from courseapp.models import Course, Enrollment
from grading.exporters import EXPORTERS, spreadsheet_safe
from grading.models import Criterion, Score, ScoreChange
from grading.selectors import gradebook_rows
from grading.services import GradingError, ScoreInput, _text, points_from_text, scores_set

MAX_IMPORT_BYTES = 5_000_000


class ImportProblems(GradingError):
    """The file cannot be imported; `problems` lists each one with its row and column."""

    status = 400

    def __init__(self, problems: list[str]):
        super().__init__("import_problems", f"{len(problems)} problems; nothing was imported")
        self.problems = problems


class ImportChanged(GradingError):
    """The scores changed since the preview was made."""


@dataclass(frozen=True)
class CellChange:
    row: int
    column: str
    student: Enrollment
    criterion: Criterion
    old: Decimal | None
    new: Decimal

    def line(self) -> str:
        old = _text(self.old) or "(none)"
        who = self.student.user.get_username()
        return f"row {self.row}: {who}, {self.criterion.key}: {old} → {_text(self.new)}"


@dataclass
class ImportPlan:
    changes: list[CellChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    unchanged: int = 0

    def digest(self) -> str:
        text = "\n".join(
            f"{c.student.pk}:{c.criterion.pk}:{_text(c.old)}:{_text(c.new)}" for c in self.changes
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def summary(self) -> str:
        n = len(self.changes)
        return f"{n} score{'' if n == 1 else 's'} would change, {self.unchanged} unchanged"


def _column_name(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column as a spreadsheet labels it."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _where(row: int, index: int, header: str) -> str:
    return f"row {row}, column {_column_name(index)} ({header})"


def import_plan(*, course: Course, csv_text: str) -> ImportPlan:
    """What importing `csv_text` would change, and what stands in its way."""
    plan = ImportPlan()
    if len(csv_text.encode("utf-8", "replace")) > MAX_IMPORT_BYTES:
        plan.problems.append(f"the file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB")
        return plan
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    if not rows or not any(cell.strip() for cell in rows[0]):
        plan.problems.append("row 1: the file is empty; expected the gradebook's header row")
        return plan
    header = [cell.strip() for cell in rows[0]]
    gradebook = gradebook_rows(course=course)
    known = set(EXPORTERS["csv"](gradebook).header())
    leaves = {
        column.key: column.criterion
        for column in gradebook.columns
        if column.source == Criterion.Source.INSTRUCTOR
    }
    if "username" in header:
        id_column = header.index("username")
    elif "student_id" in header:
        id_column = header.index("student_id")
    else:
        plan.problems.append("row 1: no username or student_id column to find the students by")
        return plan
    leaf_columns: list[tuple[int, Criterion]] = []
    for index, name in enumerate(header):
        if name in leaves:
            leaf_columns.append((index, leaves[name]))
        elif name in known:
            if name in {column.key for column in gradebook.columns}:
                plan.ignored.append(f"{name} (computed from feedback; override it instead)")
        elif name:
            plan.problems.append(f"{_where(1, index, name)}: not a column of the gradebook export")
    if not leaf_columns:
        plan.problems.append(
            "row 1: no column of an instructor-graded criterion (" + ", ".join(leaves) + ")"
        )
    by_id = {}
    for row in gradebook.rows:
        enrollment = row.enrollment
        key = enrollment.user.get_username() if header[id_column] == "username" else None
        by_id[key or enrollment.student_id] = row
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        ident = cells[id_column].strip()
        row = by_id.get(ident)
        if row is None:
            plan.problems.append(
                f"{_where(number, id_column, header[id_column])}: unknown student "
                f"{spreadsheet_safe(ident)!r}"
            )
            continue
        if ident in seen:
            plan.problems.append(
                f"{_where(number, id_column, header[id_column])}: {ident} is also on row "
                f"{seen[ident]}"
            )
            continue
        seen[ident] = number
        for index, criterion in leaf_columns:
            text = cells[index].strip()
            if not text:
                continue
            where = _where(number, index, header[index])
            if text.lstrip("'").startswith(("=", "@")) or (
                text.startswith(("+", "-")) and not _is_number(text)
            ):
                plan.problems.append(f"{where}: {text!r} is a formula; type the number instead")
                continue
            try:
                value = points_from_text(text, points=criterion.points)
            except ValidationError as error:
                plan.problems.append(f"{where}: {' '.join(error.messages)}")
                continue
            score = row.scores.get(criterion.key)
            old = score.points if score is not None else None
            if old == value:
                plan.unchanged += 1
                continue
            plan.changes.append(
                CellChange(
                    row=number,
                    column=header[index],
                    student=row.enrollment,
                    criterion=criterion,
                    old=old,
                    new=value,
                )
            )
    return plan


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def gradebook_import(
    *,
    course: Course,
    csv_text: str,
    actor,
    via: str,
    expected_digest: str | None = None,
    dry_run: bool = False,
) -> ImportPlan:
    """Preview (dry_run) or apply an import; see the module's docstring.

    Raises ImportProblems while the file has problems, ImportChanged when `expected_digest`
    (the preview's) no longer matches; nothing is written then.
    """
    plan = import_plan(course=course, csv_text=csv_text)
    if plan.problems:
        raise ImportProblems(plan.problems)
    if dry_run:
        return plan
    if expected_digest is not None and plan.digest() != expected_digest:
        raise ImportChanged(
            "changed_since_preview",
            "Scores changed since the preview was made; check this new preview, then apply.",
        )
    versions = {
        (score.student_id, score.criterion_id): score.version
        for score in Score.objects.for_course(course).filter(
            criterion__in=[change.criterion.pk for change in plan.changes]
        )
    }
    scores_set(
        course=course,
        entries=[
            ScoreInput(
                student_id=change.student.pk,
                criterion_id=change.criterion.pk,
                points=change.new,
                expected_version=versions.get((change.student.pk, change.criterion.pk), 0),
            )
            for change in plan.changes
        ],
        actor=actor,
        via=via,
        path=ScoreChange.Path.IMPORT,
        reason="CSV import",
    )
    return plan
