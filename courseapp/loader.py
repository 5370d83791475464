"""Loading a parsed course file into the database: one step per table.

Each step matches the table's rows to the file by identity (never by position in the file),
creates what is new, and updates what changed; the last step deletes what the file no longer
lists. Every update and delete is first put to the "in use" checks (courseapp.inuse): a
change that would break data attached to a row refuses the whole load, with the row's place
in the file. `courseapp.services.course_load` runs the steps in one transaction.

| table | identified by |
|---|---|
| course | its code |
| category, paper, feedback question, criterion | its key |
| week | its number |
| meeting | its date and key (empty for a date's only meeting) |
| slot | its session's date and its position in the session |
| letter grade | its letter |
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from courseapp.coursefile import CourseFileError, CourseSpec, PlannedMeeting, SessionSpec
from courseapp.inuse import RowChange, held_rows
from courseapp.models import Course
from grading.models import Criterion, LetterGrade
from grading.rubric import rubric_check
from presentations.models import Category, FeedbackQuestion, Paper, Slot
from schedule.models import Meeting, Week


class CourseLoadRefused(CourseFileError):
    """The file is valid, but loading it would break data attached to the course's rows (or
    the rows would break a rule of their own). `problems` lists each one, located."""


@dataclass(frozen=True)
class Change:
    """One row a load created, updated or deleted."""

    action: str  # "create" | "update" | "delete"
    row: str  # "paper zero", "meeting 2025-10-07 (No class)"
    detail: str = ""


_DONE = {"create": "created", "update": "updated", "delete": "deleted"}


@dataclass
class LoadReport:
    """What a load changed (or, for a dry run, would change), one line per row."""

    course_code: str
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)
    # The course file version the load recorded (or would record), if any.
    version: int | None = None

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
    def changed(self) -> bool:
        """Whether any row changed (a new version of the text alone is not a change of rows)."""
        return bool(self.changes)

    def lines(self) -> list[str]:
        """`created paper zero`, or `would create paper zero` for a dry run."""
        lines = [
            (f"would {change.action}" if self.dry_run else _DONE[change.action])
            + f" {change.row}"
            + (f": {change.detail}" if change.detail else "")
            for change in self.changes
        ]
        if self.version is not None:
            verb = "would record" if self.dry_run else "recorded"
            lines.append(f"{verb} the file as course file version {self.version}")
        return lines

    def summary(self) -> str:
        if not self.changes:
            counts = "no changes"
        else:
            counts = (
                f"{len(self.created)} created, {len(self.updated)} updated, "
                f"{len(self.deleted)} deleted"
            )
        if self.dry_run:
            return f"{self.course_code} (dry run, nothing written): {counts}"
        return f"{self.course_code}: {counts}"


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


@dataclass
class LoadState:
    """One load under way: the file, what it changed so far, and what it was refused."""

    spec: CourseSpec
    report: LoadReport
    course: Course | None = None
    refusals: list[tuple[int, str]] = field(default_factory=list)

    def refuse(self, loc: tuple, message: str) -> None:
        line = self.spec.line_of(loc) or 0
        self.refusals.append((line, f"{self.spec.where(loc)}: {message}"))

    def problems(self) -> list[str]:
        return [message for _, message in sorted(self.refusals, key=lambda item: item[0])]


class _Table:
    """The course's rows of one model, matched to the file by identity.

    Rows are read once up front. `upsert` creates the row for an identity at once (later
    steps point at it), or notes how an existing row changes; `save_changes` asks the in-use
    checks about those changes and writes them; `leftovers` are the rows the file no longer
    lists.
    """

    def __init__(
        self,
        load: LoadState,
        queryset: models.QuerySet,
        *,
        identity: Callable[[Any], Hashable],
        label: Callable[[Any], str],
        removed_loc: Callable[[Any], tuple],
        file_keys: dict[str, str] | None = None,
        rows: Iterable[models.Model] | None = None,
    ):
        self.load = load
        self.model = queryset.model
        self.label = label
        self.removed_loc = removed_loc
        self.file_keys = file_keys or {}
        # `rows` when the caller read them earlier (before other steps changed what their
        # labels show), else the queryset's.
        self.rows = {identity(row): row for row in (queryset if rows is None else rows)}
        # Labels as the rows were, for those the file drops: a slot of a session that is gone
        # is still "slot 1 of session 3".
        self.labels_before = {row.pk: label(row) for row in self.rows.values()}
        self.listed: set[int] = set()
        self.locs: dict[int, tuple] = {}
        self.pending: dict[int, tuple[models.Model, dict[str, tuple[Any, Any]]]] = {}

    def upsert(self, identity: Hashable, *, values: dict, loc: tuple) -> models.Model:
        row = self.rows.get(identity)
        if row is None:
            row = self.model(**values)
            self._full_clean(row, loc)
            row.save()
            self.rows[identity] = row
            self.load.report.changes.append(Change("create", self.label(row)))
        else:
            changed = {
                name: (getattr(row, name), value)
                for name, value in values.items()
                if _differs(row, name, value)
            }
            if changed:
                self.pending[row.pk] = (row, changed)
        self.listed.add(row.pk)
        self.locs[row.pk] = loc
        return row

    def note(self, row: models.Model, name: str, old: Any, new: Any) -> None:
        """A change that is not a field of the row (its feedback questions), for the checks."""
        self.pending.setdefault(row.pk, (row, {}))[1][name] = (old, new)

    def save_changes(self) -> None:
        """Put the noted changes to the in-use checks; write and report the ones allowed."""
        changes = [RowChange(row, changed) for row, changed in self.pending.values()]
        held = held_rows(changes, owned=COURSE_FILE_MODELS)
        for row, changed in self.pending.values():
            if row.pk in held:
                self.load.refuse(
                    self._loc_of_change(row, changed),
                    f"{self.label(row)}: {'; '.join(held[row.pk])}",
                )
                continue
            fields = [name for name in changed if _is_field(row, name)]
            for name in fields:
                setattr(row, name, changed[name][1])
            if fields:
                self._full_clean(row, self.locs[row.pk])
                row.save(update_fields=[*fields, *_auto_now_fields(self.model)])
            detail = "; ".join(
                f"{name} {_show(old)} -> {_show(new)}" for name, (old, new) in changed.items()
            )
            self.load.report.changes.append(Change("update", self.label(row), detail))
        self.pending = {}

    def _full_clean(self, row: models.Model, loc: tuple) -> None:
        # The file was validated already, so this only catches a gap between the file's rules
        # and the model's. Uniqueness is left to the database, and so are the references the
        # load itself hands over (the course, the week, the category...): checking them here
        # costs a query each, which was a third of a load.
        references = [f.name for f in row._meta.concrete_fields if f.is_relation]
        try:
            row.full_clean(exclude=references, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            where = self.load.spec.where(loc)
            raise CourseLoadRefused(
                [f"{where}: {self.label(row)}: {name}: {' '.join(errors)}" for name, errors in exc]
            ) from None

    def _loc_of_change(self, row: models.Model, changed: dict) -> tuple:
        # The key the change is written under, when all of it is under one.
        keys = {self.file_keys.get(name, name) for name in changed}
        loc = self.locs[row.pk]
        return (*loc, keys.pop()) if len(keys) == 1 else loc

    def leftovers(self) -> list[models.Model]:
        return [row for row in self.rows.values() if row.pk not in self.listed]


def _is_field(row: models.Model, name: str) -> bool:
    try:
        field = row._meta.get_field(name)
    except FieldDoesNotExist:  # a noted change such as "questions"
        return False
    return not field.many_to_many


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
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, models.Model):
        return str(getattr(value, "key", value))
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(item) for item in value)
    if isinstance(value, dict):
        return _show(value.get("title") or value.get("url") or "")
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return str(value)


def _meeting_label(meeting: Meeting) -> str:
    key = f"/{meeting.key}" if meeting.key else ""
    return f"meeting {meeting.date}{key} ({meeting.topic})"


def _slot_label(slot: Slot) -> str:
    meeting = slot.meeting
    session = f"session {meeting.session_number}" if meeting.session_number else "the session"
    return f"slot {slot.position} of {session} on {meeting.date}"


# --- The steps, one per table ---------------------------------------------------------------


def load_course(load: LoadState) -> Course:
    """The course row: its metadata and policies."""
    spec = load.spec
    meta, policies = spec.course, spec.policies
    zone = zoneinfo.ZoneInfo(meta.time_zone)

    def aware(moment: dt.datetime | None) -> dt.datetime | None:
        # A time written without an offset is the course's local time; the file's rules made
        # sure it names exactly one instant.
        if moment is not None and moment.tzinfo is None:
            return moment.replace(tzinfo=zone)
        return moment

    # Two loads of one course at once would race to create the same rows: the second waits
    # here for the first to commit. (A course created by both at once fails one of them on
    # the unique code instead.)
    courses = _Table(
        load,
        Course.objects.select_for_update().filter(code=meta.code),
        identity=lambda course: course.code,
        label=lambda course: f"course {course.code}",
        removed_loc=lambda course: ("course",),
        file_keys={
            "schedule_public": "public",
            "signup_opens_at": "signup_opens",
            "papers_close_at": "papers_close",
        },
    )
    course = courses.upsert(
        meta.code,
        loc=("course",),
        values={
            "code": meta.code,
            "title": meta.title,
            "term": meta.term,
            "lecturer": meta.lecturer,
            "description": meta.description,
            "time_zone": meta.time_zone,
            "schedule_public": meta.public,
            "total_points": meta.total_points,
            "signup_opens_at": aware(policies.signup_opens),
            "signup_freeze_hours": policies.signup_freeze_hours,
            "feedback_window_hours": policies.feedback_window_hours,
            "feedback_free_misses": policies.feedback_free_misses,
            "peer_aggregate": policies.peer_aggregate,
            "peer_trim_fraction": policies.peer_trim_fraction,
            "min_reviews": policies.min_reviews,
            "feedback_scope": policies.feedback_scope,
            "feedback_reviews_per_student": policies.feedback_reviews_per_student,
            "feedback_assignment_seed": policies.feedback_assignment_seed,
            "feedback_anonymity": policies.feedback_anonymity,
            "feedback_release": policies.feedback_release,
            "feedback_comment_required": policies.feedback_comment_required,
            "feedback_comment_min_length": policies.feedback_comment_min_length,
            "feedback_disagreement_spread": policies.feedback_disagreement_spread,
            "ta_can_rate": policies.ta_can_rate,
            "paper_assignment": policies.paper_assignment,
            "papers_close_at": aware(policies.papers_close),
            "preferences_max": policies.preferences_max,
            "proposals_allowed": policies.proposals_allowed,
            "talks_per_student": policies.talks_per_student,
            "talks_by_section": dict(policies.talks_by_section),
            "signup_category_must_match": policies.signup_category_must_match,
            "multi_talk_rule": policies.multi_talk_rule,
            "ta_can_grade": policies.ta_can_grade,
        },
    )
    courses.save_changes()
    load.course = course
    return course


def load_categories(load: LoadState) -> _Table:
    categories = _Table(
        load,
        Category.objects.filter(course=load.course),
        identity=lambda category: category.key,
        label=lambda category: f"category {category.key}",
        removed_loc=lambda category: ("categories",),
    )
    for position, item in enumerate(load.spec.categories):
        categories.upsert(
            item.key,
            loc=("categories", position),
            values={
                "course": load.course,
                "key": item.key,
                "name": item.name,
                "description": item.description,
                "position": position,
            },
        )
    categories.save_changes()
    return categories


def load_weeks_and_meetings(load: LoadState) -> tuple[_Table, _Table]:
    """The weeks, then every meeting (listed or from the weekly pattern) in its week."""
    spec, course = load.spec, load.course
    schedule_loc = ("weekly",) if spec.weekly is not None and not spec.weeks else ("weeks",)
    weeks = _Table(
        load,
        Week.objects.filter(course=course),
        identity=lambda week: week.number,
        label=lambda week: f"week W{week.number}",
        removed_loc=lambda week: schedule_loc,
        file_keys={"starts_on": "starts"},
    )
    for item in spec.planned_weeks():
        weeks.upsert(
            item.number,
            loc=item.loc,
            values={
                "course": course,
                "number": item.number,
                "starts_on": item.starts,
                "title": item.title,
            },
        )
    weeks.save_changes()

    meetings = _Table(
        load,
        Meeting.objects.filter(course=course),
        identity=lambda meeting: (meeting.date, meeting.key),
        label=_meeting_label,
        removed_loc=lambda meeting: schedule_loc,
        file_keys={
            "starts_at": "time",
            "ends_at": "time",
            "slides_url": "slides",
        },
    )
    planned = spec.planned_meetings()
    numbers = {session.date: session.number for session in spec.sessions}
    number_of = {
        meeting.identity: numbers.get(meeting.date)
        for meeting in planned
        if meeting.kind == Meeting.Kind.PRESENTATION
    }
    # Session numbers are unique in a course. Free the ones that move before assigning any,
    # so that swapping two sessions' dates never trips the constraint; the rows in memory
    # keep their old numbers, so the report still shows "3 -> 4".
    moving = [
        meeting.pk
        for identity, meeting in meetings.rows.items()
        if meeting.session_number is not None and number_of.get(identity) != meeting.session_number
    ]
    Meeting.objects.filter(pk__in=moving).update(session_number=None)

    for item in planned:
        meetings.upsert(
            item.identity,
            loc=item.loc,
            values={
                "course": course,
                "week": weeks.rows[item.week],
                "date": item.date,
                "key": item.key,
                "kind": item.kind,
                "topic": item.topic,
                "note": item.note,
                "slides_url": item.slides,
                "materials": [
                    {"title": material.title, "url": material.url or ""}
                    for material in item.materials
                ],
                "starts_at": item.time.start if item.time else None,
                "ends_at": item.time.end if item.time else None,
                "room": item.room,
                "session_number": number_of.get(item.identity),
            },
        )
    meetings.save_changes()
    return weeks, meetings


def current_slots(course: Course) -> list[Slot]:
    return list(Slot.objects.filter(course=course).select_related("meeting"))


def load_sessions_and_slots(
    load: LoadState, *, meetings: _Table, categories: _Table, rows: list[Slot] | None = None
) -> _Table:
    """Each session's slots, on its presentation meeting. `rows` are the course's slots as
    they were before the meetings changed (`current_slots`), for reporting them."""
    spec = load.spec
    sessions_at = {session.date: s for s, session in enumerate(spec.sessions)}
    slots = _Table(
        load,
        Slot.objects.filter(course=load.course).select_related("meeting"),
        rows=rows,
        identity=lambda slot: (slot.meeting.date, slot.position),
        label=_slot_label,
        removed_loc=lambda slot: (
            ("sessions", sessions_at[slot.meeting.date], "slots")
            if slot.meeting.date in sessions_at
            else ("sessions",)
        ),
        file_keys={"starts_at": "slot_times", "duration_minutes": "slot_minutes"},
    )
    presentations = {
        item.date: item
        for item in spec.planned_meetings()
        if item.kind == Meeting.Kind.PRESENTATION
    }
    for s, session in enumerate(spec.sessions):
        planned = presentations[session.date]
        meeting = meetings.rows[planned.identity]
        category = categories.rows[session.category] if session.category else None
        for position, starts_at in enumerate(_slot_times(session, planned), start=1):
            slot = slots.upsert(
                (session.date, position),
                loc=("sessions", s),
                values={
                    "course": load.course,
                    "meeting": meeting,
                    "position": position,
                    "category": category,
                    "starts_at": starts_at,
                    "duration_minutes": session.slot_minutes,
                    "capacity": session.capacity,
                },
            )
            if slot.meeting_id == meeting.pk:
                slot.meeting = meeting  # the meeting as it is now, for the report
    slots.save_changes()
    return slots


def _slot_times(session: SessionSpec, meeting: PlannedMeeting) -> list[dt.time | None]:
    """Start time of each slot: as listed, or back to back from the meeting's start."""
    if session.slot_times is not None:
        return list(session.slot_times)
    if meeting.time is None or session.slot_minutes is None:
        return [None] * session.slots
    # Wall-clock arithmetic: the file's rules keep every slot inside its meeting's day.
    start = dt.datetime.combine(meeting.date, meeting.time.start)
    step = dt.timedelta(minutes=session.slot_minutes)
    return [(start + step * index).time() for index in range(session.slots)]


def load_papers(load: LoadState, *, categories: _Table) -> _Table:
    papers = _Table(
        load,
        # Approved proposals are the students', not the file's: a load never touches them.
        Paper.objects.filter(course=load.course).from_file(),
        identity=lambda paper: paper.key,
        label=lambda paper: f"paper {paper.key}",
        removed_loc=lambda paper: ("papers",),
    )
    for p, item in enumerate(load.spec.papers):
        papers.upsert(
            item.key,
            loc=("papers", p),
            values={
                "course": load.course,
                "key": item.key,
                "title": item.title,
                "authors": item.authors,
                "venue": item.venue,
                "year": item.year,
                "url": item.url or "",
                "category": categories.rows[item.category],
            },
        )
    papers.save_changes()
    return papers


def load_questions(load: LoadState) -> _Table:
    questions = _Table(
        load,
        FeedbackQuestion.objects.filter(course=load.course),
        identity=lambda question: question.key,
        label=lambda question: f"feedback question {question.key}",
        removed_loc=lambda question: ("feedback_questions",),
        file_keys={"scale_min": "scale", "scale_max": "scale", "help_text": "help"},
    )
    for position, item in enumerate(load.spec.feedback_questions):
        questions.upsert(
            item.key,
            loc=("feedback_questions", position),
            values={
                "course": load.course,
                "key": item.key,
                "label": item.label,
                "help_text": item.help,
                "scale_min": item.scale[0],
                "scale_max": item.scale[1],
                "floor": item.floor,
                "comment_required": item.comment_required,
                "position": position,
            },
        )
    questions.save_changes()
    return questions


def load_rubric_and_letters(load: LoadState, *, questions: _Table) -> tuple[_Table, _Table]:
    """The rubric's criteria, parents before children, with their feedback questions; then
    the letter scale."""
    spec = load.spec
    criteria = _Table(
        load,
        Criterion.objects.filter(course=load.course).prefetch_related("feedback_questions"),
        identity=lambda criterion: criterion.key,
        label=lambda criterion: f"criterion {criterion.key}",
        removed_loc=lambda criterion: ("grading",),
        file_keys={"parent": "key", "position": "key"},
    )
    part_positions = {key: position for position, key in enumerate(spec.grading)}
    key_at: dict[tuple, str] = {}
    links: list[tuple[Criterion, list[FeedbackQuestion]]] = []
    for loc, key, node in spec.rubric():  # parents come before their children
        key_at[loc] = key
        is_child = loc[-2] == "children"
        existed = key in criteria.rows
        criterion = criteria.upsert(
            key,
            loc=loc,
            values={
                "course": load.course,
                "key": key,
                "parent": criteria.rows[key_at[loc[:-2]]] if is_child else None,
                "name": node.name,
                "description": node.description,
                "points": node.points,
                "source": node.source or "",
                "peer_share": node.peer_share,
                "drop_lowest": node.drop_lowest,
                "position": loc[-1] if is_child else part_positions[key],
            },
        )
        wanted = [questions.rows[q] for q in node.questions]
        current = sorted(q.key for q in criterion.feedback_questions.all()) if existed else []
        if existed and current != sorted(q.key for q in wanted):
            criteria.note(criterion, "questions", current, sorted(q.key for q in wanted))
        if not existed or current != sorted(q.key for q in wanted):
            links.append((criterion, wanted))
    criteria.save_changes()
    for criterion, wanted in links:
        criterion.feedback_questions.set(wanted)

    letters = _Table(
        load,
        LetterGrade.objects.filter(course=load.course),
        identity=lambda letter: letter.letter,
        label=lambda letter: f"letter grade {letter.letter}",
        removed_loc=lambda letter: ("letters",),
        file_keys={"min_percent": "min"},
    )
    for index, item in enumerate(spec.letters):
        letters.upsert(
            item.letter,
            loc=("letters", index),
            values={"course": load.course, "letter": item.letter, "min_percent": item.min},
        )
    letters.save_changes()
    return criteria, letters


def prune(load: LoadState, tables: Iterable[_Table], *, criteria: _Table) -> None:
    """Delete the rows the file no longer lists, dependants before what they depend on, each
    once the in-use checks agree. After a refusal nothing more is deleted (the load will be
    rolled back), but the rest is still checked, so that every refusal is listed at once."""
    depth = _depths(criteria.rows.values())
    for table in tables:
        leftovers = table.leftovers()
        if table is criteria:
            leftovers.sort(key=lambda criterion: -depth[criterion.pk])
        held = held_rows(
            [RowChange(row, deleting=True) for row in leftovers], owned=COURSE_FILE_MODELS
        )
        for row in leftovers:
            if row.pk in held:
                load.refuse(
                    table.removed_loc(row),
                    f"{table.labels_before[row.pk]} is no longer in the file, but "
                    f"{'; '.join(held[row.pk])}",
                )
        if load.refusals:
            continue
        for row in leftovers:
            label = table.labels_before[row.pk]
            row.delete()
            table.rows = {key: kept for key, kept in table.rows.items() if kept is not row}
            load.report.changes.append(Change("delete", label))


def _depths(criteria: Iterable[Criterion]) -> dict[int, int]:
    parent_of = {criterion.pk: criterion.parent_id for criterion in criteria}

    def depth(pk: int) -> int:
        parent = parent_of.get(pk)
        return 0 if parent is None else 1 + depth(parent)

    return {pk: depth(pk) for pk in parent_of}


def check_rubric(load: LoadState, *, criteria: _Table) -> None:
    """The stored rubric keeps the rubric's rules: the file's rules checked it before, so a
    problem here means the rows and the file disagree."""
    # Read back as stored, in two queries: the rows in hand would fetch their feedback
    # questions one by one.
    for problem in rubric_check(course=load.course):
        if problem.node is None:
            load.refuse(("grading",), f"the stored rubric: {problem.message}")
            continue
        row = problem.node.ref
        field = problem.field if isinstance(problem.field, str) else problem.field[0]
        load.refuse(
            (*criteria.locs.get(row.pk, ("grading",)), field),
            f"criterion {row.key}: {problem.message}",
        )


def run_load(spec: CourseSpec, *, dry_run: bool = False) -> tuple[Course, LoadReport]:
    """Every step in order; the caller holds the transaction. Raises CourseLoadRefused."""
    load = LoadState(spec=spec, report=LoadReport(course_code=spec.course.code, dry_run=dry_run))
    course = load_course(load)
    categories = load_categories(load)
    slots_before = current_slots(course)
    weeks, meetings = load_weeks_and_meetings(load)
    slots = load_sessions_and_slots(
        load, meetings=meetings, categories=categories, rows=slots_before
    )
    papers = load_papers(load, categories=categories)
    questions = load_questions(load)
    criteria, letters = load_rubric_and_letters(load, questions=questions)
    prune(
        load,
        [letters, criteria, questions, papers, slots, meetings, weeks, categories],
        criteria=criteria,
    )
    if not load.refusals:
        check_rubric(load, criteria=criteria)
    if load.refusals:
        raise CourseLoadRefused(load.problems())
    return course, load.report
