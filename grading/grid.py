"""The grade grid: students as rows, graded leaves as columns, totals beside them.

Shared by the admin's grid (instructors) and the staff gradebook page (TAs: read-only unless
the course lets them grade). `grid_save` reads a posted grid, checks every changed cell and
saves them all in one transaction through `scores_set`, or none: a bad cell gets its message
next to it, and a cell another grader changed since the grid was opened refuses the save.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from courseapp.models import Course
from grading.models import Criterion, ScoreChange
from grading.selectors import Column, Gradebook, GradebookRow, gradebook_rows
from grading.services import (
    ScoreConflict,
    ScoreInput,
    ScoresReport,
    cell_key,
    points_from_text,
    scores_set,
)
from presentations.models import Category
from schedule.models import Meeting


def _text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


@dataclass
class GridFilters:
    section: str = ""
    session: int | None = None
    category: str = ""

    @classmethod
    def from_query(cls, data: QueryDict) -> "GridFilters":
        session = data.get("session", "")
        return cls(
            section=data.get("section", "")[:64],
            session=int(session) if session.isdigit() else None,
            category=data.get("category", "")[:64],
        )

    @property
    def active(self) -> bool:
        return bool(self.section or self.session or self.category)


@dataclass
class GridCell:
    column: Column
    name: str  # the input's name: cell-<student>-<criterion>
    text: str  # what the input shows
    original: str  # the value when the grid was opened
    version: int
    value: Decimal | None  # what counts (computed, overridden or entered)
    editable: bool
    error: str = ""
    overridden: bool = False
    too_few_reviews: bool = False
    # A leaf fed by a deliverable: the score before and after the late penalty, and the
    # hand-in behind it (version, pages, late, extension, link).
    leaf: Any = None
    handin: Any = None

    @property
    def key(self) -> str:
        """ "<student>-<criterion>", naming the cell's hidden fields (orig-..., ver-...)."""
        return self.name.removeprefix("cell-")


@dataclass
class GridRow:
    row: GradebookRow
    cells: list[GridCell]


@dataclass
class Grid:
    gradebook: Gradebook
    rows: list[GridRow]
    editable: bool
    filters: GridFilters
    sections: list[str]
    sessions: list[Meeting]
    categories: list[Category]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[Column]:
        return self.gradebook.columns

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


def _name(row: GradebookRow, column: Column) -> str:
    return f"cell-{row.enrollment.pk}-{column.criterion.pk}"


def build_grid(
    *,
    course: Course,
    editable: bool,
    filters: GridFilters,
    posted: QueryDict | None = None,
    errors: dict[str, str] | None = None,
) -> Grid:
    """The grid's rows; with `posted`, the cells show what was typed (after a refused save)."""
    errors = errors or {}
    gradebook = gradebook_rows(
        course=course,
        include_withdrawn=False,
        section=filters.section,
        session=filters.session,
        category=filters.category,
    )
    rows = []
    for row in gradebook.rows:
        cells = []
        for column in gradebook.columns:
            leaf = row.leaves[column.key]
            score = row.scores.get(column.key)
            name = _name(row, column)
            original = _text(leaf.entered) if column.takes_entry else ""
            text = original
            if posted is not None and name in posted:
                text = posted.get(name, "")
                original = posted.get(f"orig-{name[5:]}", original)
            cells.append(
                GridCell(
                    column=column,
                    name=name,
                    text=text,
                    original=original,
                    version=score.version if score is not None else 0,
                    value=leaf.value,
                    editable=editable and column.takes_entry,
                    error=errors.get(cell_key(row.enrollment.pk, column.criterion.pk), ""),
                    overridden=leaf.overridden,
                    too_few_reviews=leaf.too_few_reviews,
                    leaf=leaf,
                    handin=row.handins.get(column.key),
                )
            )
        rows.append(GridRow(row=row, cells=cells))
    sections = sorted(
        set(
            course.enrollments.students()
            .exclude(section="")
            .values_list("section", flat=True)
            .order_by()
        )
    )
    sessions = list(Meeting.objects.for_course(course).presentation_sessions().order_by("date"))
    categories = list(Category.objects.for_course(course).order_by("position", "key"))
    return Grid(
        gradebook=gradebook,
        rows=rows,
        editable=editable,
        filters=filters,
        sections=sections,
        sessions=sessions,
        categories=categories,
        errors=errors,
    )


@dataclass
class GridSave:
    report: ScoresReport | None = None
    errors: dict[str, str] = field(default_factory=dict)
    conflict: str = ""


def grid_save(*, course: Course, data: QueryDict, actor, via: str) -> GridSave:
    """Save the cells of a posted grid that differ from what the grid showed when opened."""
    leaves = {
        criterion.pk: criterion
        for criterion in Criterion.objects.for_course(course).leaves()
        if criterion.takes_entry
    }
    entries, errors = [], {}
    for name, text in data.items():
        if not name.startswith("cell-"):
            continue
        try:
            student_id, criterion_id = (int(part) for part in name[5:].split("-"))
        except ValueError:
            continue
        key = f"{student_id}-{criterion_id}"
        if text.strip() == data.get(f"orig-{key}", "").strip():
            continue
        criterion = leaves.get(criterion_id)
        if criterion is None:
            errors[cell_key(student_id, criterion_id)] = "this criterion is not entered by hand"
            continue
        try:
            points = points_from_text(text, points=criterion.points)
        except ValidationError as error:
            errors[cell_key(student_id, criterion_id)] = " ".join(error.messages)
            continue
        version = data.get(f"ver-{key}", "")
        entries.append(
            ScoreInput(
                student_id=student_id,
                criterion_id=criterion_id,
                points=points,
                expected_version=int(version) if version.isdigit() else 0,
            )
        )
    if errors:
        return GridSave(errors=errors)
    if not entries:
        return GridSave(report=ScoresReport())
    try:
        report = scores_set(
            course=course, entries=entries, actor=actor, via=via, path=ScoreChange.Path.GRID
        )
    except ValidationError as error:
        return GridSave(errors={key: " ".join(messages) for key, messages in error})
    except ScoreConflict as conflict:
        cells = {key: message for key, message in conflict.cells.items() if key}
        return GridSave(errors=cells, conflict=conflict.message)
    return GridSave(report=report)
