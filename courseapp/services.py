"""Writes of the core app: loading a course file, enrolling users."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from courseapp.coursefile import CourseSpec
from courseapp.models import Course


@dataclass
class LoadReport:
    """What a load changed (or, for a dry run, would change), one line per row."""

    course_code: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def lines(self) -> list[str]:
        return (
            [f"create {line}" for line in self.created]
            + [f"update {line}" for line in self.updated]
            + [f"delete {line}" for line in self.deleted]
            + [f"keep {line}" for line in self.kept]
        )

    def summary(self) -> str:
        return (
            f"{self.course_code}: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.deleted)} deleted, {len(self.kept)} kept in use"
        )


class _Sync:
    """Creates or updates rows by natural key, recording each change in the report."""

    def __init__(self, report: LoadReport):
        self.report = report

    def upsert(self, model: type[models.Model], label: str, lookup: dict, values: dict):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean(validate_constraints=False)
            obj.save()
            obj._created_by_load = True
            self.report.created.append(f"{model._meta.verbose_name} {label}")
            return obj
        changes, changed_fields = [], []
        for name, value in values.items():
            current = getattr(obj, name)
            if _differs(current, value):
                changes.append(f"{name}: {_show(current)} -> {_show(value)}")
                changed_fields.append(name)
                setattr(obj, name, value)
        if changes:
            obj.full_clean(validate_constraints=False)
            obj.save(update_fields=changed_fields)
            self.report.updated.append(f"{model._meta.verbose_name} {label} ({'; '.join(changes)})")
        return obj

    def set_m2m(self, obj, attr: str, label: str, targets: list) -> None:
        manager = getattr(obj, attr)
        current = set(manager.values_list("pk", flat=True))
        wanted = {target.pk for target in targets}
        if current != wanted:
            manager.set(targets)
            if getattr(obj, "_created_by_load", False):
                return  # part of creating the row, already reported
            self.report.updated.append(f"{obj._meta.verbose_name} {label} ({attr} changed)")

    def prune(self, queryset: models.QuerySet, keep_ids: set[int]) -> None:
        """Delete rows the file no longer lists, unless something refers to them."""
        for obj in queryset.exclude(pk__in=keep_ids):
            label = f"{obj._meta.verbose_name} {obj}"
            try:
                with transaction.atomic():
                    obj.delete()
            except ProtectedError:
                self.report.kept.append(f"{label} (no longer in the file, but in use)")
            else:
                self.report.deleted.append(label)


def _differs(current, value) -> bool:
    if isinstance(current, Decimal) or isinstance(value, Decimal):
        if current is None or value is None:
            return current is not value
        return Decimal(current) != Decimal(value)
    if isinstance(current, models.Model) or isinstance(value, models.Model):
        return getattr(current, "pk", None) != getattr(value, "pk", None)
    return current != value


def _show(value) -> str:
    if isinstance(value, models.Model):
        return str(value)
    return repr(value) if isinstance(value, str) else str(value)


def course_load(*, spec: CourseSpec, dry_run: bool = False) -> LoadReport:
    """Create or update the course the spec describes, in place and atomically.

    Loading the same spec twice changes nothing. Rows the spec no longer lists are deleted
    unless students or graders have touched them (a protected reference), in which case
    they are kept and reported. With `dry_run` the changes are computed and rolled back.
    """
    from grading.models import Criterion, LetterGrade
    from presentations.models import Category, FeedbackQuestion, Paper, Slot
    from schedule.models import Meeting, Week

    meta, policies = spec.course, spec.policies
    report = LoadReport(course_code=meta.code)
    sync = _Sync(report)
    zone = zoneinfo.ZoneInfo(meta.time_zone)

    with transaction.atomic():
        signup_opens = policies.signup_opens
        if signup_opens is not None and timezone.is_naive(signup_opens):
            signup_opens = signup_opens.replace(tzinfo=zone)
        course = sync.upsert(
            Course,
            meta.code,
            {"code": meta.code},
            {
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

        categories = {}
        for position, item in enumerate(spec.categories):
            categories[item.key] = sync.upsert(
                Category,
                item.key,
                {**in_course, "key": item.key},
                {"name": item.name, "description": item.description, "position": position},
            )

        # A session's number lives on its meeting and is unique per course. Clear the numbers
        # that move first, so that swapping two sessions' dates never trips the constraint.
        session_by_date = {session.date: session.number for session in spec.sessions}
        wanted_numbers = {
            (week.number, position): session_by_date.get(m.date)
            if m.kind == "presentation"
            else None
            for week in spec.weeks
            for position, m in enumerate(week.meetings, start=1)
        }
        for meeting in Meeting.objects.filter(
            course=course, session_number__isnull=False
        ).select_related("week"):
            if (
                wanted_numbers.get((meeting.week.number, meeting.position))
                != meeting.session_number
            ):
                report.updated.append(
                    f"meeting {meeting} (session_number: {meeting.session_number} -> moved)"
                )
                meeting.session_number = None
                meeting.save(update_fields=["session_number"])

        meetings_by_date = {}
        week_ids, meeting_ids = set(), set()
        for item in spec.weeks:
            week = sync.upsert(
                Week,
                f"W{item.number}",
                {**in_course, "number": item.number},
                {"starts_on": item.starts, "title": item.title},
            )
            week_ids.add(week.pk)
            for position, m in enumerate(item.meetings, start=1):
                time = m.time or meta.meeting_time
                meeting = sync.upsert(
                    Meeting,
                    f"W{item.number}#{position}",
                    {"week": week, "position": position},
                    {
                        "course": course,
                        "date": m.date,
                        "kind": m.kind,
                        "topic": m.topic,
                        "slides_url": m.slides or "",
                        "starts_at": time.start if time else None,
                        "ends_at": time.end if time else None,
                        "room": m.room if m.room is not None else meta.room,
                        "session_number": wanted_numbers[(item.number, position)],
                    },
                )
                meeting_ids.add(meeting.pk)
                if m.kind == "presentation":
                    meetings_by_date[m.date] = meeting

        slot_ids = set()
        for session in spec.sessions:
            meeting = meetings_by_date[session.date]
            times = _slot_times(session, meeting)
            for position in range(1, session.slots + 1):
                slot = sync.upsert(
                    Slot,
                    f"session {session.number} #{position}",
                    {"meeting": meeting, "position": position},
                    {
                        "course": course,
                        "category": categories[session.category],
                        "starts_at": times[position - 1],
                        "duration_minutes": session.slot_minutes,
                        "capacity": session.capacity,
                    },
                )
                slot_ids.add(slot.pk)

        paper_ids = set()
        for item in spec.papers:
            paper = sync.upsert(
                Paper,
                item.key,
                {**in_course, "key": item.key},
                {
                    "title": item.title,
                    "authors": item.authors,
                    "venue": item.venue,
                    "year": item.year,
                    "url": item.url or "",
                    "category": categories[item.category],
                },
            )
            paper_ids.add(paper.pk)

        questions = {}
        for position, item in enumerate(spec.feedback_questions):
            questions[item.key] = sync.upsert(
                FeedbackQuestion,
                item.key,
                {**in_course, "key": item.key},
                {
                    "label": item.label,
                    "help_text": item.help,
                    "scale_min": item.scale[0],
                    "scale_max": item.scale[1],
                    "floor": item.floor,
                    "comment_required": item.comment_required,
                    "position": position,
                },
            )

        criteria: dict[str, Criterion] = {}
        parents: dict[tuple, Criterion] = {}
        for loc, key, node in spec.rubric():
            parent_loc = loc[:-2] if loc[-2] == "children" else None
            parent = parents.get(parent_loc) if parent_loc else None
            position = loc[-1] if parent_loc else list(spec.grading).index(key)
            criterion = sync.upsert(
                Criterion,
                key,
                {**in_course, "key": key},
                {
                    "parent": parent,
                    "name": node.name,
                    "description": node.description,
                    "points": node.points,
                    "source": node.source or "",
                    "peer_share": node.peer_share,
                    "position": position,
                },
            )
            sync.set_m2m(
                criterion, "feedback_questions", key, [questions[q] for q in node.questions]
            )
            parents[loc] = criteria[key] = criterion

        letter_ids = set()
        for item in spec.letters:
            letter = sync.upsert(
                LetterGrade,
                item.letter,
                {**in_course, "letter": item.letter},
                {"min_percent": item.min},
            )
            letter_ids.add(letter.pk)

        # Children before parents, so that deleting a node never cascades into a kept one.
        sync.prune(
            Criterion.objects.filter(course=course).order_by("-parent_id"),
            {c.pk for c in criteria.values()},
        )
        sync.prune(LetterGrade.objects.filter(course=course), letter_ids)
        sync.prune(Slot.objects.filter(course=course), slot_ids)
        sync.prune(Paper.objects.filter(course=course), paper_ids)
        sync.prune(
            FeedbackQuestion.objects.filter(course=course), {q.pk for q in questions.values()}
        )
        sync.prune(Meeting.objects.filter(course=course), meeting_ids)
        sync.prune(Week.objects.filter(course=course), week_ids)
        sync.prune(Category.objects.filter(course=course), {c.pk for c in categories.values()})

        if dry_run:
            transaction.set_rollback(True)
    return report


def _slot_times(session, meeting) -> list[dt.time | None]:
    """Start time of each slot: as listed, or back to back from the meeting's start."""
    if session.slot_times is not None:
        return list(session.slot_times)
    if meeting.starts_at is None or session.slot_minutes is None:
        return [None] * session.slots
    start = dt.datetime.combine(meeting.date, meeting.starts_at)
    step = dt.timedelta(minutes=session.slot_minutes)
    return [(start + step * index).time() for index in range(session.slots)]
