"""Writes of the core app: loading a course file.

Two entry points:

- `course_file_apply(text=..., actor=..., via=...)` reads a course file's text and loads it:
  the command `loadcourse` and the admin's upload use it. `dry_run=True` reports what would
  change and writes nothing. `course_file_preview` is its dry run for a page: it never raises
  for a bad file, and returns the problems instead.
- `course_load(spec=...)` loads a parsed file (the demo loads a shifted copy this way).

Both run in one transaction, write an audit entry (`course_file.load`) when the course
changed, and refuse, changing nothing, a file whose load would break data attached to the
course (courseapp.inuse).
"""

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from courseapp.audit import audit_record
from courseapp.coursefile import CourseFileError, CourseSpec, parse_course_file
from courseapp.loader import COURSE_FILE_MODELS, CourseLoadRefused, LoadReport, run_load
from courseapp.models import AuditEntry, Course, CourseFileVersion

__all__ = [
    "COURSE_FILE_MODELS",
    "CourseFilePreview",
    "CourseLoadRefused",
    "LoadReport",
    "course_file_apply",
    "course_file_preview",
    "course_load",
]

Via = AuditEntry.Via

# The audit entry keeps the change report's first lines; the version keeps the whole text.
_AUDITED_LINES = 200


def course_load(
    *,
    spec: CourseSpec,
    dry_run: bool = False,
    actor=None,
    via: str = Via.SYSTEM,
    text: str | None = None,
) -> LoadReport:
    """Create or update the course the spec describes, in place and atomically.

    Rows are matched by identity (courseapp.loader), so loading the same spec twice changes
    nothing and an edited spec updates rows in place. With `text`, the file the spec was
    read from, the load is kept as a new CourseFileVersion when it changed the course or
    the text differs from the last version kept. With `dry_run` everything is done,
    reported, and rolled back.

    Raises CourseLoadRefused (a CourseFileError) listing, located, every change that would
    break data attached to the course.
    """
    with transaction.atomic():
        course, report = run_load(spec, dry_run=dry_run)
        if report.changed:
            course_schedule_changed(course=course)
        version = None
        if text is not None:
            version = _record_version(course=course, text=text, actor=actor, via=via, report=report)
            report.version = version.number if version is not None else None
        if report.changed or version is not None:
            audit_record(
                course=course,
                actor=actor,
                action="course_file.load",
                via=via,
                obj=version if version is not None else course,
                label=(
                    f"course file version {version.number}"
                    if version is not None
                    else f"course {course.code}"
                ),
                new={
                    "summary": report.summary(),
                    "version": report.version,
                    "changes": report.lines()[:_AUDITED_LINES],
                },
            )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _record_version(
    *, course: Course, text: str, actor, via: str, report: LoadReport
) -> CourseFileVersion | None:
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    latest = CourseFileVersion.objects.filter(course=course).order_by("-number").first()
    if latest is not None and latest.sha256 == sha256 and not report.changed:
        return None
    return CourseFileVersion.objects.create(
        course=course,
        number=latest.number + 1 if latest is not None else 1,
        text=text,
        sha256=sha256,
        loaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        loaded_at=timezone.now(),
        via=via,
        summary=report.summary(),
    )


def course_file_apply(
    *,
    text: str,
    actor=None,
    via: str,
    dry_run: bool = False,
    course: Course | None = None,
) -> LoadReport:
    """Read a course file's text and load it; see `course_load`.

    With `course`, the file must describe that course (its `course.code`): an upload on one
    course's page cannot write another course. Raises CourseFileError listing every problem
    of the file, or of loading it (CourseLoadRefused), each located; nothing is written then.
    """
    spec = parse_course_file(text)
    if course is not None and spec.course.code != course.code:
        raise CourseFileError(
            [
                f"{spec.where(('course', 'code'))}: this file describes the course "
                f"{spec.course.code!r}, not {course.code!r}"
            ]
        )
    return course_load(spec=spec, dry_run=dry_run, actor=actor, via=via, text=text)


@dataclass
class CourseFilePreview:
    """What applying a file would do: its problems (then nothing would be done), or the
    change report's lines and summary."""

    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    summary: str = ""
    changed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def course_file_preview(
    *, text: str, actor=None, via: str = Via.ADMIN, course: Course | None = None
) -> CourseFilePreview:
    """The dry run of `course_file_apply`, for a page: problems are returned, not raised."""
    try:
        report = course_file_apply(text=text, actor=actor, via=via, dry_run=True, course=course)
    except CourseFileError as exc:
        return CourseFilePreview(problems=exc.problems)
    return CourseFilePreview(
        lines=report.lines(),
        summary=report.summary(),
        changed=report.changed or report.version is not None,
    )


def course_schedule_changed(*, course: Course) -> None:
    """Note that rows the course file owns changed: cached schedules are rendered anew."""
    Course.objects.filter(pk=course.pk).update(schedule_version=F("schedule_version") + 1)
    course.refresh_from_db(fields=["schedule_version"])
