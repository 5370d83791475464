"""Gradebook exports: one data source (`gradebook_rows`), a small class per format.

As pretix's exporters: each class names its format and file type and turns the gradebook
into bytes, as a stream of chunks so that a large class is never held as one string. The
admin, the staff gradebook page, the API and `exportgradebook` all use `EXPORTERS`.

Every text cell that a spreadsheet would read as a formula (it begins with `=`, `+`, `-`,
`@`, a tab or a carriage return) is written with a leading apostrophe, in every format;
plain numbers, such as `-3.5`, are left alone.
"""

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, ClassVar

from django.utils import timezone

from grading.selectors import Gradebook, GradebookRow

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet will not run: `=HYPERLINK(...)` becomes `'=HYPERLINK(...)`."""
    formula = isinstance(value, str) and value.startswith(_FORMULA_START)
    if formula and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _flag(value: bool) -> str:
    return "yes" if value else ""


class GradebookExporter:
    """Base of the export formats."""

    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    content_type: ClassVar[str]
    extension: ClassVar[str]

    def __init__(self, gradebook: Gradebook, **options: Any):
        self.gradebook = gradebook
        self.options = options

    def filename(self) -> str:
        stamp = timezone.localtime(timezone.now()).strftime("%Y%m%d-%H%M")
        return f"{self.gradebook.course.code}-gradebook-{stamp}.{self.extension}"

    def chunks(self) -> Iterator[bytes]:
        raise NotImplementedError

    def render(self) -> bytes:
        return b"".join(self.chunks())

    # The columns the CSV, JSON and XLSX formats share.

    def header(self) -> list[str]:
        gradebook = self.gradebook
        columns = ["student_id", "username", "name", "email", "section", "papers", "slots"]
        columns += [column.key for column in gradebook.columns]
        for part in gradebook.parts:
            columns += [f"{part.key} current %", f"{part.key} final"]
        columns += ["course current %", "course final", "letter"]
        columns += ["too few reviews", "override", "withdrawn", "late penalty"]
        return columns

    def values(self, row: GradebookRow) -> list[Any]:
        """The row's cells: text as str, points and percentages as Decimal (or None)."""
        enrollment, user = row.enrollment, row.user
        cells: list[Any] = [
            enrollment.student_id,
            user.get_username(),
            row.name,
            user.email,
            enrollment.section,
            row.papers,
            row.slots,
        ]
        cells += [row.leaves[column.key].value for column in self.gradebook.columns]
        for part in self.gradebook.parts:
            total = row.parts[part.key]
            cells += [total.current_percent, total.final]
        cells += [row.total.current_percent, row.total.final, row.letter]
        cells += [row.too_few_reviews, row.overridden, row.withdrawn, row.late_penalty]
        return cells


class _Echo:
    """A file whose write returns what it was given: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[list[Any]]) -> Iterator[bytes]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    # A byte-order mark, so that spreadsheets read the names as UTF-8.
    yield codecs.BOM_UTF8
    for row in rows:
        yield writer.writerow([_csv_cell(cell) for cell in row]).encode("utf-8")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _flag(value)
    if isinstance(value, Decimal):
        return _number(value)
    return spreadsheet_safe(str(value))


class CSVExporter(GradebookExporter):
    identifier = "csv"
    verbose_name = "CSV (one row per student)"
    content_type = "text/csv; charset=utf-8"
    extension = "csv"

    def chunks(self) -> Iterator[bytes]:
        def rows():
            yield self.header()
            for row in self.gradebook.rows:
                yield self.values(row)

        return _csv_lines(rows())


class JSONExporter(GradebookExporter):
    identifier = "json"
    verbose_name = "JSON"
    content_type = "application/json"
    extension = "json"

    def document(self) -> dict:
        gradebook = self.gradebook
        course = gradebook.course
        return {
            "course": course.code,
            "total_points": _number(course.total_points),
            "leaves": [
                {
                    "key": column.key,
                    "name": spreadsheet_safe(column.criterion.name),
                    "part": column.part.key,
                    "points": _number(column.points),
                    "source": column.source,
                }
                for column in gradebook.columns
            ],
            "parts": [
                {
                    "key": part.key,
                    "name": spreadsheet_safe(part.name),
                    "points": _number(part.points),
                    "released": part.key in gradebook.released,
                }
                for part in gradebook.parts
            ],
            "students": [self.student(row) for row in gradebook.rows],
        }

    def student(self, row: GradebookRow) -> dict:
        user = row.user
        return {
            "student_id": spreadsheet_safe(row.enrollment.student_id),
            "username": spreadsheet_safe(user.get_username()),
            "name": spreadsheet_safe(row.name),
            "email": spreadsheet_safe(user.email),
            "section": spreadsheet_safe(row.enrollment.section),
            "papers": [spreadsheet_safe(talk.paper) for talk in row.talks if talk.paper],
            "slots": [talk.slot for talk in row.talks if talk.slot],
            "leaves": {key: _json_number(leaf.value) for key, leaf in row.leaves.items()},
            "parts": {
                key: {
                    "current_percent": _json_number(total.current_percent),
                    "final": _json_number(total.final),
                }
                for key, total in row.parts.items()
            },
            "total": {
                "current_percent": _json_number(row.total.current_percent),
                "final": _json_number(row.total.final),
            },
            "letter": row.letter,
            "flags": {
                "too_few_reviews": row.too_few_reviews,
                "override": row.overridden,
                "withdrawn": row.withdrawn,
                "late_penalty": row.late_penalty,
            },
        }

    def chunks(self) -> Iterator[bytes]:
        yield json.dumps(self.document(), indent=1, ensure_ascii=False).encode("utf-8")


def _json_number(value: Decimal | None) -> str | None:
    # Strings, so that 12.50 stays exactly 12.50 whatever reads it.
    return None if value is None else _number(value)


class XLSXExporter(GradebookExporter):
    identifier = "xlsx"
    verbose_name = "Excel workbook (.xlsx)"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def chunks(self) -> Iterator[bytes]:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        # Write-only mode streams rows to a temporary file instead of keeping every cell as
        # an object: a class of thousands stays within a few megabytes.
        book = Workbook(write_only=True)
        bold = Font(bold=True)

        def header_row(sheet, names):
            cells = []
            for name in names:
                cell = WriteOnlyCell(sheet, value=spreadsheet_safe(name))
                cell.font = bold
                cells.append(cell)
            return cells

        grades = book.create_sheet("Grades")
        grades.freeze_panes = "A2"
        header = self.header()
        grades.append(header_row(grades, header))
        for row in self.gradebook.rows:
            cells = []
            for name, value in zip(header, self.values(row), strict=True):
                if isinstance(value, Decimal):
                    cell = WriteOnlyCell(grades, value=value)
                    cell.number_format = "0.00"
                elif isinstance(value, bool):
                    cell = WriteOnlyCell(grades, value=_flag(value) or None)
                elif value is None:
                    cell = WriteOnlyCell(grades, value=None)
                else:
                    cell = WriteOnlyCell(grades, value=spreadsheet_safe(str(value)))
                    if name == "student_id":
                        cell.number_format = "@"  # text: leading zeros stay
                cells.append(cell)
            grades.append(cells)

        rubric = book.create_sheet("Rubric")
        rubric.freeze_panes = "A2"
        rubric.append(
            header_row(
                rubric,
                ["key", "name", "part", "points", "source", "peer share", "questions"],
            )
        )
        for column in self.gradebook.columns:
            criterion = column.criterion
            points = WriteOnlyCell(rubric, value=criterion.points)
            points.number_format = "0.00"
            rubric.append(
                [
                    spreadsheet_safe(criterion.key),
                    spreadsheet_safe(criterion.name),
                    spreadsheet_safe(column.part.key),
                    points,
                    criterion.source,
                    criterion.peer_share,
                    ", ".join(column.spec.question_keys),
                ]
            )
        for part in self.gradebook.parts:
            points = WriteOnlyCell(rubric, value=part.points)
            points.number_format = "0.00"
            rubric.append(
                [spreadsheet_safe(part.key), spreadsheet_safe(part.name), "", points, "part"]
            )
        out = io.BytesIO()
        book.save(out)
        yield out.getvalue()


class CanvasExporter(GradebookExporter):
    """A CSV that Canvas's gradebook import accepts.

    Its importer reads the header as student columns (`Student`, `ID`, then `SIS User ID`
    and `SIS Login ID`, with `Section` last), every later column as an assignment, and a row
    whose first cell contains `Points Possible` as the assignments' points. Students are
    matched by `ID` (Canvas's own user id, which we do not know, so it is left empty), then
    by SIS user id (our student id), then SIS login id (our username), then by name.
    Items are named `Name [key]`: a name ending in `(digits)` would be read as the id of an
    existing Canvas assignment.

    `items` chooses what is sent: "leaves" (every leaf), "parts" (each part's final points)
    or "total" (the course's final points). Withdrawn students are left out.
    """

    identifier = "canvas"
    verbose_name = "Canvas gradebook import (CSV)"
    content_type = "text/csv; charset=utf-8"
    extension = "csv"
    ITEMS = ("leaves", "parts", "total")
    STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    POINTS_POSSIBLE = "    Points Possible"

    def filename(self) -> str:
        return super().filename().replace("-gradebook-", f"-canvas-{self.items}-")

    @property
    def items(self) -> str:
        items = self.options.get("items") or "leaves"
        if items not in self.ITEMS:
            raise ValueError(f"items must be one of {', '.join(self.ITEMS)}")
        return items

    def item_columns(self) -> list[tuple[str, Decimal, Any]]:
        """(header, points possible, the row's value) of each item."""
        gradebook = self.gradebook
        if self.items == "leaves":
            return [
                (
                    f"{column.criterion.name} [{column.key}]",
                    column.points,
                    lambda row, key=column.key: row.leaves[key].value,
                )
                for column in gradebook.columns
            ]
        if self.items == "parts":
            return [
                (
                    f"{part.name} [{part.key}]",
                    part.points,
                    lambda row, key=part.key: row.parts[key].final,
                )
                for part in gradebook.parts
            ]
        total = gradebook.course.total_points
        return [("Course total [total]", total, lambda row: row.total.final)]

    def chunks(self) -> Iterator[bytes]:
        items = self.item_columns()
        blanks = [""] * (len(self.STUDENT_COLUMNS) - 1)

        def rows():
            yield self.STUDENT_COLUMNS + [header for header, _, _ in items]
            yield [self.POINTS_POSSIBLE, *blanks] + [points for _, points, _ in items]
            for row in self.gradebook.rows:
                if row.withdrawn:
                    continue
                yield [
                    row.last_first,
                    "",
                    row.enrollment.student_id,
                    row.user.get_username(),
                    row.enrollment.section,
                ] + [value(row) for _, _, value in items]

        return _csv_lines(rows())


EXPORTERS: dict[str, type[GradebookExporter]] = {
    exporter.identifier: exporter
    for exporter in (CSVExporter, JSONExporter, XLSXExporter, CanvasExporter)
}
