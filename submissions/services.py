"""Every write of submissions: uploads (checked, counted, every version kept), extensions,
penalty waivers, and teams. Each writes its audit entry in the same transaction."""

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from courseapp.audit import audit_record
from courseapp.dates import format_moment
from courseapp.errors import DomainError
from courseapp.models import Course, Enrollment, Role
from courseapp.notify import email_on_commit
from courseapp.permissions import role_in
from submissions.models import (
    FILE_TYPES,
    Deliverable,
    Extension,
    PenaltyWaiver,
    Submission,
    Team,
    TeamInvite,
    TeamMembership,
    lateness,
)
from submissions.selectors import team_of

PDF_MAGIC = b"%PDF-"
# A submission's text: a page or two of writing, not a book.
MAX_TEXT_CHARS = 50_000


class SubmissionError(DomainError):
    """A rule of submitting refused the action; nothing was stored."""


class TeamError(DomainError):
    """A rule of teams refused the action; nothing changed."""


# --- checking a file ----------------------------------------------------------------------


def safe_file_name(name: str) -> str:
    """The last part of a file name as shown back to people: no directories (`../../x`,
    `C:\\x`), no control characters, at most 200 characters. It is never used as a path."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip()
    name = name.lstrip(".") or "submission"
    return name[:200]


# A ZIP may hold at most this much once unpacked, in at most this many entries: more is
# refused rather than unpacked by a grader's machine.
ZIP_MAX_UNPACKED = 500 * 1024 * 1024
ZIP_MAX_ENTRIES = 10_000


def file_type_of(data: bytes, *, accepted: list[str]) -> str:
    """Which of the `accepted` FILE_TYPES `data` is, judged by its content (a `.pdf` name on
    something else does not count); ValidationError when it is none of them."""
    if "zip" in accepted and data.startswith(FILE_TYPES["zip"].magic):
        zip_check(data)
        return "zip"
    if "pdf" in accepted and (accepted == ["pdf"] or PDF_MAGIC in data[:1024]):
        return "pdf"  # pdf_pages says whether it really is one
    labels = " or ".join(FILE_TYPES[kind].label for kind in accepted)
    raise ValidationError(
        f"This file is not {labels} (judged by its content, whatever its name says).",
        code="wrong_type",
    )


def zip_check(data: bytes) -> None:
    """A ZIP archive that opens, within the entry and unpacked-size limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ValidationError(
            "This ZIP archive is damaged and cannot be opened.", code="zip_broken"
        ) from None
    if len(entries) > ZIP_MAX_ENTRIES:
        raise ValidationError(
            f"This ZIP archive holds {len(entries)} files; at most {ZIP_MAX_ENTRIES}.",
            code="zip_too_many",
        )
    if sum(entry.file_size for entry in entries) > ZIP_MAX_UNPACKED:
        raise ValidationError(
            f"Unpacked, this ZIP archive is larger than {_size_text(ZIP_MAX_UNPACKED)}.",
            code="zip_too_large",
        )


def pdf_pages(data: bytes) -> int:
    """The number of pages of a real PDF; ValidationError when `data` is not one."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:1024].startswith(PDF_MAGIC) and PDF_MAGIC not in data[:1024]:
        raise ValidationError(
            "This file is not a PDF (its content is not PDF, whatever its name says).",
            code="not_pdf",
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError(
                "This PDF is encrypted: upload one without a password.", code="pdf_encrypted"
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
        AssertionError,
        ZeroDivisionError,
    ):
        # A broken PDF can fail anywhere in the parser: every one of these is "unreadable".
        raise ValidationError(
            "This PDF could not be read (it is damaged or incomplete): export it again.",
            code="pdf_broken",
        ) from None
    if pages < 1:
        raise ValidationError("This PDF has no pages.", code="pdf_empty")
    return pages


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def _read_upload(upload, *, limit: int) -> bytes:
    """The uploaded file's bytes, refusing more than `limit` before reading it all."""
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            f"The file is {_size_text(size)}; the limit is {_size_text(limit)}.",
            code="too_large",
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            f"The file is larger than the limit of {_size_text(limit)}.", code="too_large"
        )
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    return data


# --- who may submit -----------------------------------------------------------------------


def _student(*, course: Course, user) -> Enrollment:
    enrollment = Enrollment.objects.for_course(course).students().active().filter(user=user).first()
    if enrollment is None:
        raise SubmissionError("not_a_student", "Only the course's students hand work in.")
    return enrollment


def due_for(*, deliverable: Deliverable, student: Enrollment | None, team: Team | None) -> datetime:
    """The due date that applies: an extension's, else the deliverable's."""
    extension = (
        Extension.objects.filter(deliverable=deliverable, team=team).first()
        if team is not None
        else Extension.objects.filter(
            deliverable=deliverable, student=student, team__isnull=True
        ).first()
    )
    return extension.due if extension else deliverable.due


@dataclass(frozen=True)
class Receipt:
    submission: Submission
    late: bool
    penalty_share: Decimal
    over_page_limit: bool


def submission_upload(
    *,
    deliverable: Deliverable,
    user,
    upload=None,
    text: str | None = None,
    via: str,
    now: datetime | None = None,
) -> Receipt:
    """Hand in a new version of `deliverable` for the student `user` (their team's, for team
    work): a file (checked to be a real PDF when PDFs are asked for, within the size limit,
    its pages counted) or a text. Every version is kept; a receipt is e-mailed."""
    course = deliverable.course
    now = now or timezone.now()
    student = _student(course=course, user=user)
    team = None
    if deliverable.team:
        team = team_of(course=course, student=student)
        if team is None:
            raise SubmissionError(
                "no_team", f"{deliverable.title} is team work: join or form a team first."
            )
        if _team_members(team) < course.team_min_size:
            raise SubmissionError(
                "team_too_small",
                f"A team hands work in with at least {course.team_min_size} members.",
            )
    if deliverable.opens is not None and now < deliverable.opens:
        raise SubmissionError(
            "not_open", f"{deliverable.title} opens on {format_moment(deliverable.opens, course)}."
        )
    due = due_for(deliverable=deliverable, student=student, team=team)
    late = lateness(deliverable, submitted_at=now, due=due)
    if late.refused:
        raise SubmissionError(
            "late_refused",
            f"The deadline ({format_moment(due, course)}) has passed and late work is no longer "
            "accepted.",
        )

    name, pages, data = "", None, b""
    if deliverable.kind == Deliverable.Kind.TEXT:
        text = (text or "").strip()
        if not text:
            raise ValidationError({"text": "Write your text before handing it in."})
        if len(text) > MAX_TEXT_CHARS:
            raise ValidationError({"text": f"At most {MAX_TEXT_CHARS} characters."})
        digest = hashlib.sha256(text.encode()).hexdigest()
        size = len(text.encode())
    else:
        if upload is None:
            raise ValidationError({"file": "Choose a file to upload."})
        try:
            data = _read_upload(upload, limit=deliverable.max_bytes)
            if file_type_of(data, accepted=deliverable.accepted_types) == "pdf":
                pages = pdf_pages(data)
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from None
        name = safe_file_name(getattr(upload, "name", ""))
        digest = hashlib.sha256(data).hexdigest()
        size = len(data)
        text = ""

    with transaction.atomic():
        # The owner's row, locked: two uploads at once get versions n and n + 1.
        if team is not None:
            Team.objects.select_for_update().get(pk=team.pk)
        else:
            Enrollment.objects.select_for_update().get(pk=student.pk)
        versions = Submission.objects.filter(deliverable=deliverable).of_owner(
            student=student, team=team
        )
        version = (versions.aggregate(n=Max("version"))["n"] or 0) + 1
        submission = Submission(
            course=course,
            deliverable=deliverable,
            student=student,
            team=team,
            version=version,
            original_name=name,
            text=text,
            size=size,
            pages=pages,
            sha256=digest,
            submitted_at=now,
            submitted_by=user,
        )
        if data:
            submission.file.save(name or "submission", ContentFile(data), save=False)
        submission.save()
        receipt = Receipt(
            submission=submission,
            late=late.late,
            penalty_share=late.share,
            over_page_limit=submission.over_page_limit,
        )
        audit_record(
            course=course,
            actor=user,
            action="submission.upload",
            via=via,
            obj=submission,
            label=f"{deliverable.key} v{version} of {team.name if team else user.get_username()}",
            new={
                "version": version,
                "size": size,
                "pages": pages,
                "sha256": digest,
                "late": late.late,
            },
            at=now,
        )
        recipients = (
            [m.student.user for m in team.memberships.select_related("student__user")]
            if team is not None
            else [user]
        )
        email_on_commit(
            users=recipients,
            subject=f"[{course.code}] Receipt: {deliverable.title}, version {version}",
            template="submissions/email/receipt.txt",
            context={"course": course, "receipt": receipt, "submission": submission},
        )
    return receipt


# --- extensions and waivers ---------------------------------------------------------------


def _check_staff(actor, course: Course, *, instructor_only: bool = False) -> None:
    if actor is None:
        return  # a command or the demo
    role = role_in(user=actor, course=course)
    allowed = (Role.INSTRUCTOR,) if instructor_only else (Role.INSTRUCTOR, Role.TA)
    if role not in allowed:
        raise SubmissionError("not_allowed", "Only the course's staff may do this.")


def extension_grant(
    *,
    deliverable: Deliverable,
    due: datetime,
    reason: str,
    actor,
    via: str,
    student: Enrollment | None = None,
    team: Team | None = None,
) -> Extension:
    """A new due date of `deliverable` for one student or team (replacing an earlier
    extension), with the reason; audited."""
    course = deliverable.course
    _check_staff(actor, course)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the extension is granted."})
    if (student is None) == (team is None):
        raise ValidationError("An extension is for one student or one team.")
    if deliverable.team and team is None:
        raise ValidationError({"team": f"{deliverable.title} is team work: extend the team's."})
    if not deliverable.team and student is None:
        raise ValidationError({"student": f"{deliverable.title} is individual work."})
    owner = team if team is not None else student
    if owner.course_id != course.pk or (student is not None and student.role != Role.STUDENT):
        raise ValidationError("That student or team is not of this course.")
    if due <= deliverable.due:
        raise ValidationError({"due": "An extension ends after the deliverable's due date."})
    now = timezone.now()
    with transaction.atomic():
        lookup = {"team": team} if team is not None else {"student": student, "team": None}
        extension = (
            Extension.objects.select_for_update().filter(deliverable=deliverable, **lookup).first()
        )
        old = extension.due if extension else None
        if extension is None:
            extension = Extension(course=course, deliverable=deliverable, **lookup)
        extension.due = due
        extension.reason = reason
        extension.granted_by = actor if getattr(actor, "is_authenticated", False) else None
        extension.granted_at = now
        extension.full_clean(validate_unique=False, validate_constraints=False)
        extension.save()
        audit_record(
            course=course,
            actor=actor,
            action="extension.grant",
            via=via,
            obj=extension,
            label=f"{deliverable.key} for {owner}",
            old={"due": old},
            new={"due": due},
            reason=reason,
            at=now,
        )
    return extension


def penalty_waive(
    *, deliverable: Deliverable, student: Enrollment, reason: str, actor, via: str
) -> PenaltyWaiver:
    """An instructor waives a student's late penalty on a deliverable, with the reason."""
    course = deliverable.course
    _check_staff(actor, course, instructor_only=True)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the penalty is waived."})
    if student.course_id != course.pk or student.role != Role.STUDENT:
        raise ValidationError("That person is not a student of this course.")
    now = timezone.now()
    with transaction.atomic():
        waiver, created = PenaltyWaiver.objects.get_or_create(
            deliverable=deliverable,
            student=student,
            defaults={
                "course": course,
                "reason": reason,
                "waived_by": actor if getattr(actor, "is_authenticated", False) else None,
                "waived_at": now,
            },
        )
        if not created:
            raise SubmissionError("already_waived", "This penalty is already waived.")
        audit_record(
            course=course,
            actor=actor,
            action="penalty.waive",
            via=via,
            obj=waiver,
            label=f"{deliverable.key} of {student.user.get_username()}",
            reason=reason,
            at=now,
        )
    return waiver


# --- teams --------------------------------------------------------------------------------


def _check_teams_open(course: Course) -> None:
    if course.teams_close_at is not None and timezone.now() >= course.teams_close_at:
        raise TeamError("teams_closed", "Teams can no longer be changed by students.")


def _team_members(team: Team) -> int:
    return TeamMembership.objects.filter(team=team).count()


def team_create(*, course: Course, user, name: str, via: str) -> Team:
    """A student forms a team, becoming its first member."""
    student = _student(course=course, user=user)
    _check_teams_open(course)
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    now = timezone.now()
    try:
        with transaction.atomic():
            if TeamMembership.objects.filter(course=course, student=student).exists():
                raise TeamError("already_in_team", "You are in a team already: leave it first.")
            team = Team.objects.create(course=course, name=name)
            TeamMembership.objects.create(course=course, team=team, student=student, joined_at=now)
            audit_record(course=course, actor=user, action="team.create", via=via, obj=team)
    except IntegrityError:
        raise TeamError("name_taken", f"A team called {name!r} exists already.") from None
    return team


def team_invite(*, team: Team, user, username: str, via: str) -> TeamInvite:
    course = team.course
    inviter = _student(course=course, user=user)
    _check_teams_open(course)
    if not TeamMembership.objects.filter(team=team, student=inviter).exists():
        raise TeamError("not_a_member", "Only a member invites to a team.")
    invitee = (
        Enrollment.objects.for_course(course)
        .students()
        .active()
        .filter(user__username=(username or "").strip())
        .first()
    )
    if invitee is None:
        raise ValidationError({"username": "No student of this course has that username."})
    if TeamMembership.objects.filter(course=course, student=invitee).exists():
        raise TeamError("already_in_team", "That student is in a team already.")
    if _team_members(team) >= course.team_max_size:
        raise TeamError("team_full", f"A team has at most {course.team_max_size} members.")
    with transaction.atomic():
        invite, created = TeamInvite.objects.get_or_create(
            team=team,
            student=invitee,
            defaults={"course": course, "invited_by": inviter, "created_at": timezone.now()},
        )
        if created:
            audit_record(
                course=course,
                actor=user,
                action="team.invite",
                via=via,
                obj=team,
                new={"invited": invitee.user.get_username()},
            )
    return invite


def team_accept(*, invite: TeamInvite, user, via: str) -> TeamMembership:
    course = invite.course
    student = _student(course=course, user=user)
    if invite.student_id != student.pk:
        raise TeamError("not_yours", "This invitation is for someone else.")
    _check_teams_open(course)
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=invite.team_id)
        if TeamMembership.objects.filter(course=course, student=student).exists():
            raise TeamError("already_in_team", "You are in a team already: leave it first.")
        if _team_members(team) >= course.team_max_size:
            raise TeamError("team_full", f"A team has at most {course.team_max_size} members.")
        membership = TeamMembership.objects.create(
            course=course, team=team, student=student, joined_at=timezone.now()
        )
        TeamInvite.objects.filter(course=course, student=student).delete()
        audit_record(course=course, actor=user, action="team.join", via=via, obj=team)
    return membership


def team_leave(*, course: Course, user, via: str) -> None:
    """A student leaves their team; an empty team without submissions goes away."""
    student = _student(course=course, user=user)
    _check_teams_open(course)
    with transaction.atomic():
        membership = (
            TeamMembership.objects.select_for_update()
            .filter(course=course, student=student)
            .select_related("team")
            .first()
        )
        if membership is None:
            raise TeamError("not_in_team", "You are not in a team.")
        team = membership.team
        membership.delete()
        audit_record(course=course, actor=user, action="team.leave", via=via, obj=team)
        if not team.memberships.exists() and not team.submissions.exists():
            team.delete()


@dataclass
class TeamImport:
    teams: int
    members: int


def teams_import(*, course: Course, csv_text: str, actor, via: str) -> TeamImport:
    """Set teams from a CSV `team,username` (an instructor's): each listed student is put in
    that team (moved from another). Atomic: any bad line and nothing changes."""
    _check_staff(actor, course, instructor_only=True)
    reader = csv.reader(io.StringIO(csv_text))
    try:
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise ValidationError(f"line {reader.line_num}: not CSV ({error})") from None
    if rows and [cell.strip().lower() for cell in rows[0][1]] == ["team", "username"]:
        rows = rows[1:]
    students = {
        enrollment.user.get_username(): enrollment
        for enrollment in Enrollment.objects.for_course(course).students().select_related("user")
    }
    errors = []
    wanted: dict[str, str] = {}
    for number, row in rows:
        if len(row) != 2:
            errors.append(f"line {number}: expected two columns, team,username")
            continue
        team_name, username = (" ".join(cell.split()) for cell in row)
        if not team_name or len(team_name) > 100:
            errors.append(f"line {number}: a team name of 1 to 100 characters")
        elif username not in students:
            errors.append(f"line {number}: {username!r} is not a student of this course")
        elif username in wanted:
            errors.append(f"line {number}: {username!r} is listed twice")
        else:
            wanted[username] = team_name
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        teams = {team.name: team for team in Team.objects.for_course(course)}
        for name in sorted(set(wanted.values()) - set(teams)):
            teams[name] = Team.objects.create(course=course, name=name)
        for username, name in wanted.items():
            student = students[username]
            TeamMembership.objects.update_or_create(
                course=course,
                student=student,
                defaults={"team": teams[name], "joined_at": now},
            )
        audit_record(
            course=course,
            actor=actor,
            action="team.import",
            via=via,
            new={"teams": sorted(set(wanted.values())), "students": len(wanted)},
            at=now,
        )
    return TeamImport(teams=len(set(wanted.values())), members=len(wanted))
