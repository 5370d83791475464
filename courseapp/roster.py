"""The roster: enrolling a class from a CSV file, and admin access for instructors.

The file has the header ``username,email,first_name,last_name,role,student_id`` and one
person a row (role: student | ta | instructor). Rows are numbered as a spreadsheet shows
them: the header is row 1, the first person row 2.

An import creates the users that do not exist yet, with an unusable password: they cannot
sign in until an instructor sets a password for them in the admin (Users, then the
password link on the person's page). It updates the email and names of users that exist,
and enrols each row or updates its role and student id. An empty email, first_name,
last_name or student_id cell leaves the stored value as it is, so a thin export never
erases data.

It never removes an enrolment: people enrolled but absent from the file are reported as
"not in file" and stay enrolled. It is all or nothing: any problem in the file changes
nothing, and every problem is listed with its row and column.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from courseapp.models import Course, Enrollment, Role

ROSTER_HEADER = ("username", "email", "first_name", "last_name", "role", "student_id")
ROLE_CHOICES_TEXT = ", ".join(Role.values)

INSTRUCTOR_GROUP = "Course instructors"
# The apps whose models hold course data: instructors manage these in the admin, scoped to
# the courses they teach (courseapp/admin.py enforces the scope; the group grants the
# model permissions the admin asks for).
COURSE_APPS = ("courseapp", "schedule", "presentations", "grading")
# Instructors set the password of users the roster created. Only view and change: users come
# from the roster, and the admin limits which users and which fields an instructor may edit.
INSTRUCTOR_USER_PERMISSIONS = ("view_user", "change_user")

# Where surrogateescape decoding left a byte that is not UTF-8.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")

_MAX_LENGTHS = {"email": 254, "first_name": 150, "last_name": 150, "student_id": 64}


class RosterError(ValidationError):
    """The roster file cannot be imported. `problems` lists each one, located."""

    def __init__(self, problems: list[str]):
        super().__init__(problems)
        self.problems = problems


@dataclass(frozen=True)
class RosterRow:
    row: int
    username: str
    email: str
    first_name: str
    last_name: str
    role: Role
    student_id: str


@dataclass
class RosterReport:
    """What an import changed (or, for a dry run, would change)."""

    course_code: str
    created_users: list[str] = field(default_factory=list)
    updated_users: list[str] = field(default_factory=list)
    new_enrolments: list[str] = field(default_factory=list)
    changed_enrolments: list[str] = field(default_factory=list)
    access_granted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)

    def _changes(self) -> list[list[str]]:
        return [
            self.created_users,
            self.updated_users,
            self.new_enrolments,
            self.changed_enrolments,
            self.access_granted,
        ]

    @property
    def changed(self) -> bool:
        return any(self._changes())

    def sections(self) -> list[tuple[str, list[str]]]:
        """(title, lines) for each kind of outcome, in the order people read them."""
        return [
            ("Users to create", self.created_users),
            ("Users to update", self.updated_users),
            ("New enrolments", self.new_enrolments),
            ("Changed enrolments", self.changed_enrolments),
            ("Admin access to grant", self.access_granted),
            ("Unchanged", self.unchanged),
            ("Not in file (stay enrolled)", self.not_in_file),
        ]

    def lines(self) -> list[str]:
        return (
            [f"create user {line}" for line in self.created_users]
            + [f"update user {line}" for line in self.updated_users]
            + [f"enrol {line}" for line in self.new_enrolments]
            + [f"change {line}" for line in self.changed_enrolments]
            + [f"grant admin access to {line}" for line in self.access_granted]
            + [f"unchanged {line}" for line in self.unchanged]
            + [f"not in file {line}" for line in self.not_in_file]
        )

    def summary(self) -> str:
        """One line, worded to fit both a preview and a done import."""
        kept = (
            f"{len(self.unchanged)} unchanged, {len(self.not_in_file)} not in file (kept enrolled)"
        )
        if not self.changed:
            return f"{self.course_code}: nothing to change ({kept})"
        counts = [
            _count(self.created_users, "new user"),
            _count(self.updated_users, "updated user"),
            _count(self.new_enrolments, "new enrolment"),
            _count(self.changed_enrolments, "changed enrolment"),
            _count(self.access_granted, "admin access grant"),
        ]
        return f"{self.course_code}: {', '.join(counts)}, {kept}"

    def digest(self) -> str:
        """A fingerprint of the changes, so that a preview can be applied only as shown.

        Unchanged and not-in-file people are left out: someone enrolled by hand meanwhile
        does not change what applying this file does.
        """
        return hashlib.sha256(repr(self._changes()).encode()).hexdigest()


def _count(items: list, noun: str) -> str:
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


class RosterChangedError(RosterError):
    """The import would now do something other than the preview showed."""


def roster_decode(data: bytes) -> str:
    """The text of an uploaded roster file, which must be UTF-8 (a leading BOM is dropped).

    Raises RosterError naming the row and column of every byte that is not UTF-8.
    """
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    if not _NOT_UTF8.search(text):
        return text
    # One problem a cell, at its first bad byte: a Latin-1 name has several.
    problems: dict[str, str] = {}
    for row, line in enumerate(text.split("\n"), start=1):
        for match in _NOT_UTF8.finditer(line):
            column = line.count(",", 0, match.start())
            where = (
                f"row {row}, column {ROSTER_HEADER[column]}"
                if column < len(ROSTER_HEADER)
                else f"row {row}"
            )
            # surrogateescape keeps each undecodable byte as the code point U+DC00 + byte.
            byte = ord(match.group()) - 0xDC00
            problems.setdefault(
                where,
                f"{where}: not UTF-8 text (byte 0x{byte:02X}); "
                "save the file as CSV with UTF-8 encoding",
            )
    raise RosterError(list(problems.values()))


def roster_parse(csv_text: str) -> list[RosterRow]:
    """The rows of a roster file, checked on their own (not against the database).

    Raises RosterError listing every problem, each with its row and column.
    """
    rows, problems = _parse(csv_text)
    if problems:
        raise RosterError([message for _, message in problems])
    return rows


def _parse(csv_text: str) -> tuple[list[RosterRow], list[tuple[int, str]]]:
    """(rows, problems): the rows good enough to check against the course, every problem.

    A row with a problem is still returned when its username and role can be read, so that
    the course-wide checks (student ids) can report on it too.
    """
    problems: list[tuple[int, str]] = []
    records = list(csv.reader(io.StringIO(csv_text.removeprefix("\ufeff"))))
    if not records or not any(cell.strip() for cell in records[0]):
        return [], [(1, f"row 1: the file has no header; expected {','.join(ROSTER_HEADER)}")]

    header = [cell.strip() for cell in records[0]]
    if tuple(header) != ROSTER_HEADER:
        # Rows cannot be read against a header we do not understand, so stop here.
        return [], [(1, message) for message in _header_problems(header)]

    rows: list[RosterRow] = []
    first_row_of: dict[str, int] = {}
    username_validator = UnicodeUsernameValidator()
    User = get_user_model()
    for number, record in enumerate(records[1:], start=2):
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue  # blank lines and rows of empty cells, as spreadsheets export them
        if len(cells) != len(ROSTER_HEADER):
            problems.append(
                (
                    number,
                    f"row {number}: expected {len(ROSTER_HEADER)} columns "
                    f"({','.join(ROSTER_HEADER)}), found {len(cells)}",
                )
            )
            continue
        values = dict(zip(ROSTER_HEADER, cells, strict=True))
        readable = True

        def problem(column: str, message: str, number=number):
            problems.append((number, f"row {number}, column {column}: {message}"))

        username = User.normalize_username(values["username"])
        if not username:
            problem("username", "empty; every row needs a username")
            readable = False
        else:
            try:
                username_validator(username)
            except ValidationError:
                problem(
                    "username",
                    f"{username!r} is not a valid username "
                    "(letters, digits and @ . + - _ only, no spaces)",
                )
            if len(username) > 150:
                problem("username", "longer than 150 characters")
            if username in first_row_of:
                problem("username", f"{username!r} already appears in row {first_row_of[username]}")
                readable = False
            else:
                first_row_of[username] = number

        email = values["email"]
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problem("email", f"{email!r} is not a valid email address")
            else:
                email = User.objects.normalize_email(email)

        role = values["role"].lower()
        if role not in Role.values:
            shown = f"{values['role']!r}" if values["role"] else "empty"
            problem("role", f"{shown} is not one of {ROLE_CHOICES_TEXT}")
            readable = False

        for column, limit in _MAX_LENGTHS.items():
            if len(values[column]) > limit:
                problem(column, f"longer than {limit} characters")

        if readable:
            rows.append(
                RosterRow(
                    row=number,
                    username=username,
                    email=email,
                    first_name=values["first_name"],
                    last_name=values["last_name"],
                    role=Role(role),
                    student_id=values["student_id"],
                )
            )
    if not rows and not problems:
        problems.append((2, "row 2: the file lists nobody; add one row per person"))
    return rows, problems


def _header_problems(header: list[str]) -> list[str]:
    problems = []
    expected = ", ".join(ROSTER_HEADER)
    for index, name in enumerate(ROSTER_HEADER):
        found = header[index] if index < len(header) else None
        if found != name:
            shown = f"found {found!r}" if found else "missing"
            problems.append(f"row 1, column {index + 1}: expected {name!r}, {shown}")
    for index in range(len(ROSTER_HEADER), len(header)):
        problems.append(f"row 1, column {index + 1}: unexpected column {header[index]!r}")
    problems.append(f"row 1: the header must be exactly: {expected}")
    return problems


def roster_import(
    *,
    course: Course,
    csv_text: str,
    dry_run: bool = False,
    expected_digest: str | None = None,
) -> RosterReport:
    """Enrol the people of a roster file in the course, atomically and idempotently.

    Raises RosterError listing every problem (nothing changes). With `dry_run` the changes
    are computed and rolled back. With `expected_digest` (from a preview's report) the
    import is refused, with RosterChangedError, unless it does exactly what the preview
    showed; it runs all the same in one transaction, so a refusal changes nothing.
    """
    rows, problems = _parse(csv_text)
    if problems and not rows:
        raise RosterError([message for _, message in problems])
    User = get_user_model()
    report = RosterReport(course_code=course.code)
    group = None

    with transaction.atomic():
        # One import of a course at a time: the student-id check below reads the whole roster
        # and must not race another import's writes.
        Course.objects.select_for_update().filter(pk=course.pk).first()

        enrolments = {
            enrolment.user.username: enrolment
            for enrolment in Enrollment.objects.filter(course=course).select_related("user")
        }
        problems += _student_id_problems(rows, enrolments)
        if problems:
            raise RosterError([message for _, message in sorted(problems, key=lambda p: p[0])])
        users = {
            user.username: user
            for user in User.objects.filter(username__in=[row.username for row in rows])
        }

        for row in rows:
            user = users.get(row.username)
            if user is None:
                user_changes = "created"
                user = User(
                    username=row.username,
                    email=row.email,
                    first_name=row.first_name,
                    last_name=row.last_name,
                )
                user.set_unusable_password()
                user.full_clean()
                user.save()
                report.created_users.append(_person(user))
            else:
                user_changes = _update_user(user, row)
                if user_changes:
                    report.updated_users.append(f"{user.username} ({user_changes})")

            enrolment = enrolments.get(row.username)
            if enrolment is None:
                enrolment = Enrollment(
                    user=user, course=course, role=row.role, student_id=row.student_id
                )
                enrolment.full_clean(validate_constraints=False)
                enrolment.save()
                report.new_enrolments.append(_enrolment_label(enrolment))
            else:
                changes = _update_enrolment(enrolment, row)
                if changes:
                    report.changed_enrolments.append(f"{row.username} ({changes})")
                elif not user_changes:
                    report.unchanged.append(row.username)

            if row.role == Role.INSTRUCTOR:
                group = group or instructor_group()
                if grant_instructor_access(user=user, group=group):
                    report.access_granted.append(row.username)

        in_file = {row.username for row in rows}
        report.not_in_file = [
            _enrolment_label(enrolment)
            for username, enrolment in sorted(enrolments.items())
            if username not in in_file
        ]

        if expected_digest is not None and report.digest() != expected_digest:
            transaction.set_rollback(True)
            raise RosterChangedError(
                [
                    "The course's roster changed since the preview, so the import would now do "
                    "something else. Nothing was changed; review the new preview."
                ]
            )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _student_id_problems(
    rows: list[RosterRow], enrolments: dict[str, Enrollment]
) -> list[tuple[int, str]]:
    """A student id that two students of the course would share after the import."""
    # The roster as it will be: enrolled people keep their role and id unless the file
    # changes them; an empty student_id cell keeps the stored one.
    final: dict[str, tuple[Role, str, int | None]] = {
        username: (Role(enrolment.role), enrolment.student_id, None)
        for username, enrolment in enrolments.items()
    }
    for row in rows:
        stored = final.get(row.username)
        student_id = row.student_id or (stored[1] if stored else "")
        final[row.username] = (row.role, student_id, row.row)

    holders: dict[str, list[tuple[str, int | None]]] = {}
    for username, (role, student_id, row_number) in final.items():
        if role == Role.STUDENT and student_id:
            holders.setdefault(student_id, []).append((username, row_number))

    problems = []
    for student_id, people in holders.items():
        if len(people) < 2:
            continue
        for username, row_number in people:
            if row_number is None:
                continue  # reported at the rows of the file that clash with it
            others = ", ".join(
                f"{other} (row {other_row})" if other_row else f"{other} (already enrolled)"
                for other, other_row in people
                if other != username
            )
            problems.append(
                (
                    row_number,
                    f"row {row_number}, column student_id: {student_id!r} is also the student "
                    f"id of {others}",
                )
            )
    return problems


def _update_user(user, row: RosterRow) -> str:
    changes, fields = [], []
    for name in ("email", "first_name", "last_name"):
        value = getattr(row, name)
        if value and getattr(user, name) != value:
            changes.append(f"{name}: {getattr(user, name)!r} -> {value!r}")
            fields.append(name)
            setattr(user, name, value)
    if fields:
        user.full_clean(exclude=["password"], validate_unique=False)
        user.save(update_fields=fields)
    return "; ".join(changes)


def _update_enrolment(enrolment: Enrollment, row: RosterRow) -> str:
    changes, fields = [], []
    if enrolment.role != row.role:
        changes.append(f"role: {enrolment.role} -> {row.role.value}")
        fields.append("role")
        enrolment.role = row.role
    if row.student_id and enrolment.student_id != row.student_id:
        changes.append(f"student_id: {enrolment.student_id!r} -> {row.student_id!r}")
        fields.append("student_id")
        enrolment.student_id = row.student_id
    if fields:
        enrolment.full_clean(validate_constraints=False)
        enrolment.save(update_fields=fields)
    return "; ".join(changes)


def _person(user) -> str:
    name = user.get_full_name()
    return f"{user.username} ({name})" if name else user.username


def _enrolment_label(enrolment: Enrollment) -> str:
    label = f"{enrolment.user.username} as {Role(enrolment.role).value}"
    return f"{label} ({enrolment.student_id})" if enrolment.student_id else label


def instructor_group() -> Group:
    """The group that gives instructors the admin's model permissions on course data.

    A data migration creates it; this keeps it whole when later models are added (their
    permissions did not exist when the migration ran) or when someone deleted it.
    """
    group, _ = Group.objects.get_or_create(name=INSTRUCTOR_GROUP)
    wanted = set(
        Permission.objects.filter(content_type__app_label__in=COURSE_APPS).values_list(
            "pk", flat=True
        )
    ) | set(
        Permission.objects.filter(
            content_type__app_label="auth", codename__in=INSTRUCTOR_USER_PERMISSIONS
        ).values_list("pk", flat=True)
    )
    have = set(group.permissions.values_list("pk", flat=True))
    if wanted - have:
        group.permissions.add(*(wanted - have))
    return group


def grant_instructor_access(*, user, group: Group | None = None) -> bool:
    """Let an instructor into the admin: staff status and the instructors' group.

    What they see there is limited to the courses they teach. Returns whether anything
    changed (False when they already had both). A caller granting several people passes
    `group` (from `instructor_group()`) so that the group is checked once.
    """
    group = group or instructor_group()
    changed = False
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        changed = True
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
        changed = True
    return changed
