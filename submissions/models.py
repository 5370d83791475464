"""Deliverables (reports, homework, per-meeting responses), the files students submit for
them, teams, extensions and penalty waivers."""

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import storages
from django.db import models

from courseapp.dates import format_moment
from courseapp.models import Course, CourseScopedQuerySet, Enrollment
from grading.models import Criterion
from schedule.models import Meeting

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB


def submission_storage():
    """The private store of submitted files (settings.STORAGES["submissions"])."""
    return storages["submissions"]


class DeliverableQuerySet(CourseScopedQuerySet):
    def visible(self):
        return self.order_by("due", "position", "key")


class Deliverable(models.Model):
    """Something students hand in by a due date: a report, a homework, a response.

    A recurring deliverable of the course file becomes one row per matching meeting
    (`series` is the file's key, `meeting` the meeting it belongs to).
    """

    class Kind(models.TextChoices):
        FILE = "file", "File upload"
        TEXT = "text", "Text typed in"

    class Late(models.TextChoices):
        PENALTY = "penalty", "Accepted with a penalty"
        REFUSE = "refuse", "Refused"

    class Unit(models.TextChoices):
        DAY = "day", "per day"
        HOUR = "hour", "per hour"

    class AfterCap(models.TextChoices):
        REFUSE = "refuse", "Refused"
        ZERO = "zero", "Accepted, scored zero"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="deliverables")
    key = models.SlugField(max_length=64)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FILE)
    file_types = models.JSONField(default=list, blank=True, help_text='e.g. ["pdf"]')
    opens = models.DateTimeField(null=True, blank=True)
    due = models.DateTimeField()
    page_limit = models.PositiveSmallIntegerField(null=True, blank=True)
    max_bytes = models.PositiveIntegerField(default=DEFAULT_MAX_BYTES)
    late = models.CharField(max_length=8, choices=Late.choices, default=Late.PENALTY)
    penalty_rate = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.100"), help_text="Share per unit."
    )
    penalty_unit = models.CharField(max_length=8, choices=Unit.choices, default=Unit.DAY)
    penalty_cap = models.PositiveSmallIntegerField(
        default=2, help_text="Units late the penalty runs for; later is past the cap."
    )
    after_cap = models.CharField(max_length=8, choices=AfterCap.choices, default=AfterCap.REFUSE)
    team = models.BooleanField(default=False)
    criteria = models.ManyToManyField(Criterion, blank=True, related_name="deliverables")
    series = models.SlugField(max_length=64, blank=True)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="deliverables"
    )
    free_misses = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    objects = DeliverableQuerySet.as_manager()

    class Meta:
        ordering = ["course", "due", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="deliverable_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def unit(self) -> timedelta:
        return timedelta(hours=1) if self.penalty_unit == self.Unit.HOUR else timedelta(days=1)

    @property
    def accepted_types(self) -> list[str]:
        """The file types a hand-in may be (FILE_TYPES keys): PDF unless the file says."""
        return list(self.file_types or ["pdf"]) if self.kind == self.Kind.FILE else []

    @property
    def accepted_labels(self) -> str:
        """ "a PDF or a ZIP archive": what the page tells students to hand in."""
        labels = [FILE_TYPES[kind].label for kind in self.accepted_types]
        return " or ".join(labels)


@dataclass(frozen=True)
class Lateness:
    """How late a submission is against its (possibly extended) due date, and what it costs.

    `share` is the part of the score taken off (0 to 1); `refused` means the submission
    is not accepted at all.
    """

    late_by: timedelta
    units: int
    share: Decimal
    refused: bool = False

    @property
    def late(self) -> bool:
        return self.late_by > timedelta(0)


def lateness(deliverable: Deliverable, *, submitted_at, due) -> Lateness:
    """The law of late work: started units of lateness times the rate, up to the cap; past
    the cap (or any lateness when late work is refused) refused, or scored zero."""
    late_by = submitted_at - due
    if late_by <= timedelta(0):
        return Lateness(timedelta(0), 0, Decimal(0))
    units = math.ceil(late_by / deliverable.unit)
    if deliverable.late == Deliverable.Late.REFUSE:
        return Lateness(late_by, units, Decimal(1), refused=True)
    if units > deliverable.penalty_cap:
        refused = deliverable.after_cap == Deliverable.AfterCap.REFUSE
        return Lateness(late_by, units, Decimal(1), refused=refused)
    return Lateness(late_by, units, min(Decimal(1), deliverable.penalty_rate * units))


class Team(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "name"]
        constraints = [
            models.UniqueConstraint(fields=["course", "name"], name="team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """A student in a team: one team per student per course."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    student = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField()

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "student"], name="team_one_per_student"),
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.team}"


class TeamInvite(models.Model):
    """A member's invitation of another student to join their team, until answered."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    student = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "student"], name="team_invite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.student} invited to {self.team}"


@dataclass(frozen=True)
class FileType:
    label: str  # "a PDF"
    content_type: str
    extension: str
    magic: bytes  # how the file's content starts


# The file types a deliverable may accept (its course file's `file_types`); each is checked by
# its content, never by its name (submissions.services.file_type_of).
FILE_TYPES = {
    "pdf": FileType("a PDF", "application/pdf", "pdf", b"%PDF-"),
    "zip": FileType("a ZIP archive", "application/zip", "zip", b"PK\x03\x04"),
}


def _upload_to(submission: "Submission", filename: str) -> str:
    # Never the student's file name: it is kept as data (original_name), not as a path.
    owner = f"t{submission.team_id}" if submission.team_id else f"s{submission.student_id}"
    return (
        f"c{submission.course_id}/d{submission.deliverable_id}/{owner}/"
        f"v{submission.version}-{submission.sha256[:16]}.bin"
    )


class SubmissionQuerySet(CourseScopedQuerySet):
    def of_owner(self, *, student: Enrollment | None, team: Team | None):
        if team is not None:
            return self.filter(team=team)
        return self.filter(student=student, team__isnull=True)


class Submission(models.Model):
    """One version of a student's (or a team's) hand-in. Every version is kept."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="submissions")
    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.PROTECT, related_name="submissions"
    )
    student = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="submissions"
    )
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to=_upload_to, storage=submission_storage, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    submitted_at = models.DateTimeField(db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["deliverable", "student", "team", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["deliverable", "student", "version"],
                condition=models.Q(team__isnull=True),
                name="submission_version_per_student",
            ),
            models.UniqueConstraint(
                fields=["deliverable", "team", "version"],
                condition=models.Q(team__isnull=False),
                name="submission_version_per_team",
            ),
            models.CheckConstraint(
                condition=models.Q(student__isnull=False) | models.Q(team__isnull=False),
                name="submission_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deliverable.key} v{self.version}"

    def download_name(self) -> str:
        """The file's name for a download: the student's own, or the deliverable's key."""
        kind = FILE_TYPES.get(self.file_type or "")
        default = f"{self.deliverable.key}.{kind.extension if kind else 'bin'}"
        return self.original_name or default

    @property
    def content_type(self) -> str:
        kind = FILE_TYPES.get(self.file_type or "")
        return kind.content_type if kind else "application/octet-stream"

    @property
    def file_type(self) -> str | None:
        """Which of FILE_TYPES the stored file is (read from its first bytes); None for a text."""
        if not self.file:
            return None
        # Its own handle: the download's (self.file) must stay open and where it is.
        with self.file.storage.open(self.file.name, "rb") as handle:
            start = handle.read(8)
        return next(
            (key for key, kind in FILE_TYPES.items() if start.startswith(kind.magic)), "pdf"
        )

    @property
    def over_page_limit(self) -> bool:
        limit = self.deliverable.page_limit
        return limit is not None and self.pages is not None and self.pages > limit


class Extension(models.Model):
    """A new due date of one deliverable for one student or one team, with the reason."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.PROTECT, related_name="extensions"
    )
    student = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="extensions"
    )
    due = models.DateTimeField()
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField()

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deliverable", "student"],
                condition=models.Q(team__isnull=True),
                name="extension_one_per_student",
            ),
            models.UniqueConstraint(
                fields=["deliverable", "team"],
                condition=models.Q(team__isnull=False),
                name="extension_one_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deliverable.key} until {format_moment(self.due)}"


class PenaltyWaiver(models.Model):
    """An instructor's waiver of a student's late penalty on one deliverable."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    deliverable = models.ForeignKey(Deliverable, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waived_at = models.DateTimeField()

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deliverable", "student"], name="waiver_once"),
        ]

    def __str__(self) -> str:
        return f"penalty on {self.deliverable} waived for {self.student}"
