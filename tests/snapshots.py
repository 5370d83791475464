"""Snapshots of loaded courses, for fast test fixtures.

The first time a test loads a course file, the real load runs inside a savepoint, the rows it
made are read back and the savepoint is rolled back; from then on the course is restored from
those rows with one bulk insert per table, their references renumbered. The rows are exactly
what the loader makes (the loader itself is tested with real loads in tests/courseapp).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction

from courseapp.models import AuditEntry, Course, CourseFileVersion
from grading.models import Criterion, LetterGrade
from presentations.models import Category, FeedbackQuestion, Paper, Slot
from schedule.models import Meeting, Week
from submissions.models import Deliverable

# Parents before the rows that refer to them.
MODELS: list[type[models.Model]] = [
    Course,
    Category,
    Week,
    Meeting,
    Slot,
    Paper,
    FeedbackQuestion,
    Criterion,
    Criterion.feedback_questions.through,
    LetterGrade,
    Deliverable,
    Deliverable.criteria.through,
    CourseFileVersion,
    AuditEntry,
]


class _Rollback(Exception):
    pass


@dataclass
class CourseSnapshot:
    code: str
    rows: dict[type[models.Model], list[dict]]

    def restore(self) -> Course:
        ids: dict[type[models.Model], dict[int, int]] = {Course: {}}
        for model in MODELS:
            rows = self.rows[model]
            # Criteria parents first: a child refers to its parent's new id.
            batches = _by_depth(rows) if model is Criterion else [rows]
            ids.setdefault(model, {})
            for batch in batches:
                objects = [model(**_renumbered(model, row, ids)) for row in batch]
                model.objects.bulk_create(objects)
                for row, obj in zip(batch, objects, strict=True):
                    ids[model][row["id"]] = obj.pk
        return Course.objects.get(code=self.code)


def _renumbered(model, row: dict, ids: dict) -> dict:
    data = {key: value for key, value in row.items() if key != "id"}
    for field in model._meta.concrete_fields:
        if field.is_relation and data.get(field.attname) is not None:
            related = field.related_model
            if related in ids:
                data[field.attname] = ids[related][data[field.attname]]
    return data


def _by_depth(rows: list[dict]) -> list[list[dict]]:
    parent = {row["id"]: row["parent_id"] for row in rows}

    def depth(pk):
        return 0 if parent[pk] is None else 1 + depth(parent[pk])

    levels: dict[int, list[dict]] = {}
    for row in rows:
        levels.setdefault(depth(row["id"]), []).append(row)
    return [levels[level] for level in sorted(levels)]


_snapshots: dict[str, CourseSnapshot] = {}


def course_snapshot(text: str, *, load: Callable[[], object]) -> CourseSnapshot:
    """The snapshot of `text`'s course, made with `load` (the real load) the first time."""
    if text not in _snapshots:
        captured: dict = {}
        try:
            with transaction.atomic():
                load()
                course = Course.objects.get(
                    pk=Course.objects.order_by("-pk").values_list("pk", flat=True)[0]
                )
                captured = {model: _rows_of(model, course) for model in MODELS}
                captured["code"] = course.code
                raise _Rollback
        except _Rollback:
            pass
        code = captured.pop("code")
        _snapshots[text] = CourseSnapshot(code=code, rows=captured)
    return _snapshots[text]


def _rows_of(model, course: Course) -> list[dict]:
    if model is Course:
        queryset = Course.objects.filter(pk=course.pk)
    elif model is Criterion.feedback_questions.through:
        queryset = model.objects.filter(criterion__course=course)
    elif model is Deliverable.criteria.through:
        queryset = model.objects.filter(deliverable__course=course)
    else:
        queryset = model.objects.filter(course=course)
    fields = [field.attname for field in model._meta.concrete_fields]
    return list(queryset.order_by("pk").values(*fields))
