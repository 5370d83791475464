"""Writes of the core app: loading a course file."""

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone

from courseapp.coursefile import CourseSpec, SessionSpec
from courseapp.models import Course
from grading.models import Criterion, LetterGrade
from presentations.models import Category, FeedbackQuestion, Paper, Slot
from schedule.models import Meeting, Week


@dataclass(frozen=True)
class Change:
    """One row a load created, updated, deleted, or kept although the file dropped it."""

    action: str  # "create" | "update" | "delete" | "keep"
    row: str  # "paper zero", "meeting W6 #1 (2025-10-07, No class)"
    detail: str = ""


_DONE = {"create": "created", "update": "updated", "delete": "deleted", "keep": "kept"}


@dataclass
class LoadReport:
    """What a load changed (or, for a dry run, would change), one line per row."""

    course_code: str
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)

    def _with(self, action: str) -> list[Change]:
        return [change for change in self.changes if change.action == action]

    @property
    def created(self) -> list[Change]:
        return self._with("create")

    @property
    def updated(self) -> list[Change]:
        return self._with("update")

    @property
    def deleted(self) -> list[Change]:
        return self._with("delete")

    @property
    def kept(self) -> list[Change]:
        return self._with("keep")

    @property
    def changed(self) -> bool:
        return any(change.action != "keep" for change in self.changes)

    def lines(self) -> list[str]:
        """`created paper zero`, or `would create paper zero` for a dry run."""
        return [
            (f"would {change.action}" if self.dry_run else _DONE[change.action])
            + f" {change.row}"
            + (f": {change.detail}" if change.detail else "")
            for change in self.changes
        ]

    def summary(self) -> str:
        counts = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.deleted)} deleted, {len(self.kept)} kept in use"
        )
        if self.dry_run:
            return f"{self.course_code} (dry run, nothing written): {counts}"
        return f"{self.course_code}: {counts}"


class _Table:
    """The rows of one model in the course, matched to the file by a natural key.

    Rows are read once up front; `upsert` creates or updates the row for a key and
    remembers it, `leftovers` are the rows the file no longer lists.
    """

    def __init__(
        self,
        report: LoadReport,
        queryset: models.QuerySet,
        natural_key: Callable[[Any], Hashable],
        label: Callable[[Any], str],
    ):
        self.report = report
        self.model = queryset.model
        self.label = label
        self.rows = {natural_key(row): row for row in queryset}
        self.listed: set[int] = set()

    def upsert(self, key: Hashable, *, lookup: dict, values: dict) -> models.Model:
        row = self.rows.get(key)
        if row is None:
            row = self.model(**lookup, **values)
            _full_clean(row, self.label)
            row.save()
            self.rows[key] = row
            self.report.changes.append(Change("create", self.label(row)))
        else:
            changed = {
                name: (getattr(row, name), value)
                for name, value in values.items()
                if _differs(row, name, value)
            }
            if changed:
                for name, (_, value) in changed.items():
                    setattr(row, name, value)
                _full_clean(row, self.label)
                row.save(update_fields=[*changed, *_auto_now_fields(self.model)])
                detail = "; ".join(
                    f"{name} {_show(old)} -> {_show(new)}" for name, (old, new) in changed.items()
                )
                self.report.changes.append(Change("update", self.label(row), detail))
        self.listed.add(row.pk)
        return row

    def leftovers(self) -> list[models.Model]:
        return [row for row in self.rows.values() if row.pk not in self.listed]


def _full_clean(row: models.Model, label: Callable[[Any], str]) -> None:
    # The file was validated already, so this only catches a gap between the file's rules and
    # the model's. Uniqueness is left to the database: checking it here costs a query a row.
    try:
        row.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(
            [f"{label(row)}: {name}: {' '.join(errors)}" for name, errors in exc]
        ) from None


def _auto_now_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def _differs(row: models.Model, name: str, value: Any) -> bool:
    field = row._meta.get_field(name)
    if field.many_to_one:
        # Compare ids: reading the related row itself would cost a query per row.
        return getattr(row, field.attname) != getattr(value, "pk", None)
    # Decimals compare by value, so the database's 20.00 equals the file's 20.
    return getattr(row, name) != value


def _show(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, models.Model):
        return str(getattr(value, "key", value))
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return str(value)


def _meeting_label(meeting) -> str:
    return f"meeting W{meeting.week.number} #{meeting.position} ({meeting.date}, {meeting.topic})"


def _slot_label(slot) -> str:
    meeting = slot.meeting
    session = f"session {meeting.session_number}" if meeting.session_number else "the session"
    return f"slot {slot.position} of {session} on {meeting.date}"


def course_load(*, spec: CourseSpec, dry_run: bool = False) -> LoadReport:
    """Create or update the course the spec describes, in place and atomically.

    Rows are matched by natural keys (a paper by its key, a week by its number, a meeting by
    its week and place in it, a slot by its session and place in it), so loading the same
    spec twice changes nothing and an edited spec updates rows in place. A row the spec no
    longer lists is deleted, unless deleting it would take anything else with it (a booking,
    a score, feedback...) or is refused by a protected reference: then it is kept and
    reported. With `dry_run` the changes are made, reported, and rolled back.

    Raises django.core.exceptions.ValidationError if a row fails the model's own checks.
    """
    meta, policies = spec.course, spec.policies
    report = LoadReport(course_code=meta.code, dry_run=dry_run)
    signup_opens = policies.signup_opens
    if signup_opens is not None and timezone.is_naive(signup_opens):
        # A time written without an offset is the course's local time.
        signup_opens = timezone.make_aware(signup_opens, zoneinfo.ZoneInfo(meta.time_zone))

    with transaction.atomic():
        # Two loads of one course at once would race to create the same rows: the second
        # waits here for the first to commit. (A course created by both at once fails one of
        # them on the unique code instead.)
        courses = _Table(
            report,
            Course.objects.select_for_update().filter(code=meta.code),
            natural_key=lambda course: course.code,
            label=lambda course: f"course {course.code}",
        )
        course = courses.upsert(
            meta.code,
            lookup={"code": meta.code},
            values={
                "title": meta.title,
                "term": meta.term,
                "lecturer": meta.lecturer,
                "description": meta.description,
                "time_zone": meta.time_zone,
                "schedule_public": meta.public,
                "total_points": meta.total_points,
                "signup_opens_at": signup_opens,
                "signup_freeze_hours": policies.signup_freeze_hours,
                "feedback_window_hours": policies.feedback_window_hours,
                "feedback_free_misses": policies.feedback_free_misses,
                "peer_aggregate": policies.peer_aggregate,
                "peer_trim_fraction": policies.peer_trim_fraction,
                "min_reviews": policies.min_reviews,
            },
        )
        in_course = {"course": course}

        categories = _Table(
            report,
            Category.objects.filter(course=course),
            natural_key=lambda category: category.key,
            label=lambda category: f"category {category.key}",
        )
        for position, item in enumerate(spec.categories):
            categories.upsert(
                item.key,
                lookup={**in_course, "key": item.key},
                values={"name": item.name, "description": item.description, "position": position},
            )

        weeks = _Table(
            report,
            Week.objects.filter(course=course),
            natural_key=lambda week: week.number,
            label=lambda week: f"week W{week.number}",
        )
        meetings = _Table(
            report,
            Meeting.objects.filter(course=course).select_related("week"),
            natural_key=lambda meeting: (meeting.week.number, meeting.position),
            label=_meeting_label,
        )
        session_of_date = {session.date: session for session in spec.sessions}
        numbers = {
            (week.number, position): session_of_date[m.date].number
            for week in spec.weeks
            for position, m in enumerate(week.meetings, start=1)
            if m.kind == "presentation" and m.date in session_of_date
        }
        # Session numbers are unique in a course. Free the ones that move before assigning
        # any, so that swapping two sessions' dates never trips the constraint; the rows in
        # memory keep their old numbers, so the report still shows "3 -> 4".
        moving = [
            meeting.pk
            for key, meeting in meetings.rows.items()
            if meeting.session_number is not None and numbers.get(key) != meeting.session_number
        ]
        Meeting.objects.filter(pk__in=moving).update(session_number=None)

        presentation_meetings = {}
        for item in spec.weeks:
            week = weeks.upsert(
                item.number,
                lookup={**in_course, "number": item.number},
                values={"starts_on": item.starts, "title": item.title},
            )
            for position, m in enumerate(item.meetings, start=1):
                # A day without class has no time or room unless the file gives them.
                default_time, default_room = (
                    (None, "") if m.kind == "holiday" else (meta.meeting_time, meta.room)
                )
                time = m.time or default_time
                meeting = meetings.upsert(
                    (item.number, position),
                    lookup={"week": week, "position": position},
                    values={
                        "course": course,
                        "date": m.date,
                        "kind": m.kind,
                        "topic": m.topic,
                        "slides_url": m.slides or "",
                        "starts_at": time.start if time else None,
                        "ends_at": time.end if time else None,
                        "room": default_room if m.room is None else m.room,
                        "session_number": numbers.get((item.number, position)),
                    },
                )
                if m.kind == "presentation":
                    presentation_meetings[m.date] = meeting

        slots = _Table(
            report,
            Slot.objects.filter(course=course).select_related("meeting"),
            natural_key=lambda slot: (slot.meeting_id, slot.position),
            label=_slot_label,
        )
        for session in spec.sessions:
            meeting = presentation_meetings[session.date]
            for position, starts_at in enumerate(_slot_times(session, meeting), start=1):
                slots.upsert(
                    (meeting.pk, position),
                    lookup={"meeting": meeting, "position": position},
                    values={
                        "course": course,
                        "category": categories.rows[session.category],
                        "starts_at": starts_at,
                        "duration_minutes": session.slot_minutes,
                        "capacity": session.capacity,
                    },
                )

        papers = _Table(
            report,
            Paper.objects.filter(course=course),
            natural_key=lambda paper: paper.key,
            label=lambda paper: f"paper {paper.key}",
        )
        for item in spec.papers:
            papers.upsert(
                item.key,
                lookup={**in_course, "key": item.key},
                values={
                    "title": item.title,
                    "authors": item.authors,
                    "venue": item.venue,
                    "year": item.year,
                    "url": item.url or "",
                    "category": categories.rows[item.category],
                },
            )

        questions = _Table(
            report,
            FeedbackQuestion.objects.filter(course=course),
            natural_key=lambda question: question.key,
            label=lambda question: f"feedback question {question.key}",
        )
        for position, item in enumerate(spec.feedback_questions):
            questions.upsert(
                item.key,
                lookup={**in_course, "key": item.key},
                values={
                    "label": item.label,
                    "help_text": item.help,
                    "scale_min": item.scale[0],
                    "scale_max": item.scale[1],
                    "floor": item.floor,
                    "comment_required": item.comment_required,
                    "position": position,
                },
            )

        criteria = _Table(
            report,
            Criterion.objects.filter(course=course).prefetch_related("feedback_questions"),
            natural_key=lambda criterion: criterion.key,
            label=lambda criterion: f"criterion {criterion.key}",
        )
        part_positions = {key: position for position, key in enumerate(spec.grading)}
        key_at: dict[tuple, str] = {}
        for loc, key, node in spec.rubric():  # parents come before their children
            key_at[loc] = key
            is_child = loc[-2] == "children"
            existed = key in criteria.rows
            criterion = criteria.upsert(
                key,
                lookup={**in_course, "key": key},
                values={
                    "parent": criteria.rows[key_at[loc[:-2]]] if is_child else None,
                    "name": node.name,
                    "description": node.description,
                    "points": node.points,
                    "source": node.source or "",
                    "peer_share": node.peer_share,
                    "position": loc[-1] if is_child else part_positions[key],
                },
            )
            _set_questions(
                report, criterion, [questions.rows[q] for q in node.questions], existed=existed
            )

        letters = _Table(
            report,
            LetterGrade.objects.filter(course=course),
            natural_key=lambda letter: letter.letter,
            label=lambda letter: f"letter grade {letter.letter}",
        )
        for item in spec.letters:
            letters.upsert(
                item.letter,
                lookup={**in_course, "letter": item.letter},
                values={"min_percent": item.min},
            )

        # Dependants before what they depend on, so that a row is only deleted once nothing
        # the file describes still hangs off it.
        depth = _depths(criteria.rows.values())
        for table, leftovers in [
            (letters, letters.leftovers()),
            (criteria, sorted(criteria.leftovers(), key=lambda c: -depth[c.pk])),
            (questions, questions.leftovers()),
            (papers, papers.leftovers()),
            (slots, slots.leftovers()),
            (meetings, meetings.leftovers()),
            (weeks, weeks.leftovers()),
            (categories, categories.leftovers()),
        ]:
            for row in leftovers:
                _prune(report, row, table.label(row))

        if dry_run:
            transaction.set_rollback(True)
    return report


def _set_questions(report: LoadReport, criterion, wanted: list, *, existed: bool) -> None:
    current = {question.pk: question for question in criterion.feedback_questions.all()}
    if set(current) == {question.pk for question in wanted}:
        return
    criterion.feedback_questions.set(wanted)
    if existed:  # on a new row the questions are part of creating it
        old = ", ".join(sorted(q.key for q in current.values())) or "(none)"
        new = ", ".join(sorted(q.key for q in wanted)) or "(none)"
        report.changes.append(
            Change("update", f"criterion {criterion.key}", f"questions {old} -> {new}")
        )


def _depths(criteria: Iterable) -> dict[int, int]:
    parent_of = {criterion.pk: criterion.parent_id for criterion in criteria}

    def depth(pk: int) -> int:
        parent = parent_of.get(pk)
        return 0 if parent is None else 1 + depth(parent)

    return {pk: depth(pk) for pk in parent_of}


# The rows a course file describes. Deleting one of them may take others of these along (a
# meeting's slots); anything else it would take along, students or graders made.
COURSE_FILE_MODELS: frozenset[type[models.Model]] = frozenset(
    {
        Week,
        Meeting,
        Category,
        Paper,
        Slot,
        FeedbackQuestion,
        Criterion,
        Criterion.feedback_questions.through,
        LetterGrade,
    }
)


def _prune(report: LoadReport, row: models.Model, label: str) -> None:
    """Delete a row the file no longer lists, unless something made outside the file uses it."""
    users = _used_by(row)
    if users:
        report.changes.append(
            Change("keep", label, f"no longer in the file, but used by {', '.join(users)}")
        )
    else:
        row.delete()
        report.changes.append(Change("delete", label))


def _used_by(row: models.Model) -> list[str]:
    """What deleting the row would take along, or be refused by, outside the course file.

    Asking the deletion collector, rather than catching ProtectedError, also guards rows
    that later models point at with CASCADE: a student's booking must never vanish because
    the instructor edited the file.
    """
    collector = Collector(using=router.db_for_write(type(row)), origin=row)
    try:
        collector.collect([row])
    except ProtectedError as exc:
        return _count_rows(exc.protected_objects)
    except RestrictedError as exc:
        return _count_rows(exc.restricted_objects)
    counts: Counter = Counter()
    for model, instances in collector.data.items():
        if model not in COURSE_FILE_MODELS and instances:
            counts[model] += len(instances)
    for queryset in collector.fast_deletes:
        if queryset.model not in COURSE_FILE_MODELS:
            counts[queryset.model] += queryset.count()
    return [_plural(model, count) for model, count in counts.items() if count]


def _count_rows(rows: Iterable[models.Model]) -> list[str]:
    counts = Counter(type(row) for row in rows)
    return [_plural(model, count) for model, count in counts.items()]


def _plural(model: type[models.Model], count: int) -> str:
    name = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
    return f"{count} {name}"


def _slot_times(session: SessionSpec, meeting) -> list[dt.time | None]:
    """Start time of each slot: as listed, or back to back from the meeting's start."""
    if session.slot_times is not None:
        return list(session.slot_times)
    if meeting.starts_at is None or session.slot_minutes is None:
        return [None] * session.slots
    start = dt.datetime.combine(meeting.date, meeting.starts_at)
    step = dt.timedelta(minutes=session.slot_minutes)
    return [(start + step * index).time() for index in range(session.slots)]
