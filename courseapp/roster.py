"""The roster: enrolling a class from a CSV file.

The file has the header ``username,email,first_name,last_name,role,student_id`` and an
optional seventh column ``section``, one person a row (role: student | ta | instructor).
Rows are numbered as a spreadsheet shows them: the header is row 1, the first person row 2.

An import creates the users that do not exist yet, with an unusable password (they set one
through an invitation e-mail or "Forgot your password?"), enrols each row, or updates its
role, student id and section. An empty cell leaves the stored value as it is, so a thin
export never erases data.

Accounts are shared between courses, so an import changes an existing account's e-mail and
names only when the account belongs to this course alone and has no admin access.
Otherwise the account is enrolled as it is and each detail the file would have changed is
reported as kept: an instructor of one course must never rewrite the e-mail address (and so
the password reset) of someone in another course.

New usernames are normalised (NFKC, lower case) and limited to ASCII letters, digits and
``. _ - @ +``, so that ``studеnt01`` with a Cyrillic ``е`` cannot stand beside
``student01``; a username equal to an existing one apart from case is refused.

It never removes an enrolment: people enrolled but absent from the file are reported as
"not in file" and stay enrolled. It is all or nothing: any problem in the file changes
nothing, and every problem is listed with its row and column. Work is done in batches (one
query per batch for each lookup, bulk inserts), so a class of 10,000 imports in seconds.
"""

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from courseapp.audit import Via, audit_entry, audit_record, audit_record_many
from courseapp.enrollments import admin_access_sync, enrollment_update, instructor_group
from courseapp.models import Course, Enrollment, Role

ROSTER_HEADER = ("username", "email", "first_name", "last_name", "role", "student_id")
OPTIONAL_COLUMNS = ("section",)
ROLE_CHOICES_TEXT = ", ".join(Role.values)
BATCH_SIZE = 1000

# Where surrogateescape decoding left a byte that is not UTF-8.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_USERNAME = re.compile(r"[a-z0-9._@+-]+")
# Control characters have no place in a roster cell; NUL also breaks PostgreSQL text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _max_lengths() -> dict[str, int]:
    User = get_user_model()
    return {
        "username": _max_length(User, "username"),
        "email": _max_length(User, "email"),
        "first_name": _max_length(User, "first_name"),
        "last_name": _max_length(User, "last_name"),
        "student_id": _max_length(Enrollment, "student_id"),
        "section": _max_length(Enrollment, "section"),
    }


class RosterError(ValidationError):
    """The roster file cannot be imported. `problems` lists each one, located."""

    def __init__(self, problems: list[str]):
        super().__init__(problems)
        self.problems = problems


class RosterChangedError(RosterError):
    """The import would now do something other than the preview showed."""


@dataclass(frozen=True)
class RosterRow:
    row: int
    username: str
    email: str
    first_name: str
    last_name: str
    role: Role
    student_id: str
    section: str = ""


@dataclass
class RosterReport:
    """What an import changed (or, for a dry run, would change)."""

    course_code: str
    created_users: list[str] = field(default_factory=list)
    updated_users: list[str] = field(default_factory=list)
    new_enrolments: list[str] = field(default_factory=list)
    changed_enrolments: list[str] = field(default_factory=list)
    access_granted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)

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
            ("Details kept (shared or staff accounts are not changed by a roster)", self.kept),
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
            + [f"kept: {line}" for line in self.kept]
            + [f"invite {line}" for line in self.invited]
            + [f"unchanged {line}" for line in self.unchanged]
            + [f"not in file {line}" for line in self.not_in_file]
        )

    def summary(self) -> str:
        """One line, worded to fit both a preview and a done import."""
        kept = (
            f"{len(self.unchanged)} unchanged, {len(self.not_in_file)} not in file (kept enrolled)"
        )
        if self.kept:
            kept += f", {_count(self.kept, 'detail')} kept"
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


def roster_decode(data: bytes) -> str:
    """The text of an uploaded roster file, which must be UTF-8 (a leading BOM is dropped).

    Raises RosterError naming the row and column of every byte that is not UTF-8.
    """
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    if not _NOT_UTF8.search(text):
        return text
    columns = (*ROSTER_HEADER, *OPTIONAL_COLUMNS)
    # One problem a cell, at its first bad byte: a Latin-1 name has several.
    problems: dict[str, str] = {}
    for row, line in enumerate(text.split("\n"), start=1):
        for match in _NOT_UTF8.finditer(line):
            column = line.count(",", 0, match.start())
            where = (
                f"row {row}, column {columns[column]}" if column < len(columns) else f"row {row}"
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


def _records(csv_text: str, problems: list[tuple[int, str]]) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of each CSV record; a record the csv module cannot read is a
    located problem (a cell over its size limit, a NUL byte), not an exception."""
    reader = csv.reader(io.StringIO(csv_text.removeprefix("\ufeff")))
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # line_num counts physical lines; for the rows of a roster that is the row.
            problems.append(
                (reader.line_num, f"row {reader.line_num}: cannot be read as CSV ({exc})")
            )
            return
        yield reader.line_num, record


def _parse(csv_text: str) -> tuple[list[RosterRow], list[tuple[int, str]]]:
    """(rows, problems): the rows good enough to check against the course, every problem.

    A row with a problem is still returned when its username and role can be read, so that
    the course-wide checks (student ids) can report on it too.
    """
    problems: list[tuple[int, str]] = []
    records = _records(csv_text, problems)
    first = next(records, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        if problems:
            return [], problems
        return [], [(1, f"row 1: the file has no header; expected {','.join(ROSTER_HEADER)}")]

    header = tuple(cell.strip() for cell in first[1])
    if header not in (ROSTER_HEADER, (*ROSTER_HEADER, *OPTIONAL_COLUMNS)):
        # Rows cannot be read against a header we do not understand, so stop here.
        return [], [(1, message) for message in _header_problems(list(header))]

    limits = _max_lengths()
    rows: list[RosterRow] = []
    first_row_of: dict[str, int] = {}
    for number, record in records:
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue  # blank lines and rows of empty cells, as spreadsheets export them
        if len(cells) != len(header):
            problems.append(
                (
                    number,
                    f"row {number}: expected {len(header)} columns "
                    f"({','.join(header)}), found {len(cells)}",
                )
            )
            continue
        values = dict(zip(header, cells, strict=True))
        values.setdefault("section", "")

        def problem(column: str, message: str, number=number):
            problems.append((number, f"row {number}, column {column}: {message}"))

        bad_cells = {
            column for column, value in values.items() if _CONTROL.search(value) is not None
        }
        for column in sorted(bad_cells, key=list(values).index):
            problem(column, "contains a control character (such as a NUL byte); remove it")
        for column, limit in limits.items():
            if len(values[column]) > limit:
                problem(column, f"longer than {limit} characters")
                bad_cells.add(column)

        readable = "username" not in bad_cells and "role" not in bad_cells
        username = unicodedata.normalize("NFKC", values["username"]).strip()
        if "username" in bad_cells:
            pass
        elif not username:
            problem("username", "empty; every row needs a username")
            readable = False
        else:
            wrong = _username_problem(username.lower())
            if wrong:
                problem("username", wrong)
            folded = username.lower()
            if folded in first_row_of:
                problem("username", f"{username!r} already appears in row {first_row_of[folded]}")
                readable = False
            else:
                first_row_of[folded] = number

        email = values["email"]
        if email and "email" not in bad_cells:
            try:
                validate_email(email)
            except ValidationError:
                problem("email", f"{email!r} is not a valid email address")
            else:
                email = get_user_model().objects.normalize_email(email)

        role = values["role"].lower()
        if "role" not in bad_cells and role not in Role.values:
            shown = f"{values['role']!r}" if values["role"] else "empty"
            problem("role", f"{shown} is not one of {ROLE_CHOICES_TEXT}")
            readable = False

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
                    section=values["section"],
                )
            )
    if not rows and not problems:
        problems.append((2, "row 2: the file lists nobody; add one row per person"))
    return rows, problems


def _username_problem(username: str) -> str:
    """Why a (lower-cased) username cannot be a new account's, or ''."""
    if _USERNAME.fullmatch(username):
        return ""
    odd = next((char for char in username if not _USERNAME.fullmatch(char)), "")
    if odd.isspace():
        what = "a space"
    else:
        name = unicodedata.name(odd, "")
        what = f"{odd!r} (U+{ord(odd):04X}{' ' + name if name else ''})"
    return (
        f"{username!r} is not a valid username: it contains {what}; use ASCII letters, "
        "digits and . _ - @ + only"
    )


def _header_problems(header: list[str]) -> list[str]:
    problems = []
    expected = ", ".join(ROSTER_HEADER)
    for index, name in enumerate(ROSTER_HEADER):
        found = header[index] if index < len(header) else None
        if found != name:
            shown = f"found {found!r}" if found else "missing"
            problems.append(f"row 1, column {index + 1}: expected {name!r}, {shown}")
    for index in range(len(ROSTER_HEADER), len(header)):
        if index == len(ROSTER_HEADER) and header[index] == OPTIONAL_COLUMNS[0]:
            continue
        problems.append(f"row 1, column {index + 1}: unexpected column {header[index]!r}")
    problems.append(
        f"row 1: the header must be exactly: {expected} (optionally followed by section)"
    )
    return problems


def _batches(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Plan:
    """What importing the rows would do, worked out from a few batched reads."""

    course: Course
    rows: list[RosterRow]
    # username of each row as it is (or will be) stored
    username_of: dict[int, str] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)  # existing users by username
    enrolments: dict[str, Enrollment] = field(default_factory=dict)
    # users whose e-mail and names this import may change
    editable: set[int] = field(default_factory=set)
    problems: list[tuple[int, str]] = field(default_factory=list)


def _plan(course: Course, rows: list[RosterRow]) -> _Plan:
    User = get_user_model()
    plan = _Plan(course=course, rows=rows)
    plan.enrolments = {
        enrolment.user.username: enrolment
        for enrolment in Enrollment.objects.filter(course=course).select_related("user")
    }

    for batch in _batches(rows):
        folded = {row.username.lower() for row in batch}
        candidates: dict[str, list] = {}
        for user in User.objects.annotate(folded=Lower("username")).filter(folded__in=folded):
            candidates.setdefault(user.folded, []).append(user)
        for row in batch:
            found = candidates.get(row.username.lower(), [])
            exact = next((u for u in found if u.username == row.username), None) or next(
                (u for u in found if u.username == row.username.lower()), None
            )
            if exact is not None:
                plan.users[exact.username] = exact
                plan.username_of[row.row] = exact.username
            elif found:
                others = ", ".join(repr(user.username) for user in found)
                plan.problems.append(
                    (
                        row.row,
                        f"row {row.row}, column username: {row.username!r} differs only in "
                        f"case from the existing account {others}; use that spelling",
                    )
                )
            else:
                plan.username_of[row.row] = row.username.lower()

    # An account may be edited only when it is this course's alone and has no admin access.
    existing = [user for user in plan.users.values() if not (user.is_staff or user.is_superuser)]
    elsewhere: set[int] = set()
    for batch in _batches([user.pk for user in existing]):
        elsewhere.update(
            Enrollment.objects.filter(user_id__in=batch)
            .exclude(course=course)
            .values_list("user_id", flat=True)
        )
    here = {enrolment.user_id for enrolment in plan.enrolments.values()}
    plan.editable = {user.pk for user in existing if user.pk in here and user.pk not in elsewhere}

    plan.problems += _student_id_problems(rows, plan)
    return plan


def _student_id_problems(rows: list[RosterRow], plan: _Plan) -> list[tuple[int, str]]:
    """A student id that two students of the course would share after the import."""
    # The roster as it will be: enrolled people keep their role and id unless the file
    # changes them; an empty student_id cell keeps the stored one.
    final: dict[str, tuple[Role, str, int | None]] = {
        username: (Role(enrolment.role), enrolment.student_id, None)
        for username, enrolment in plan.enrolments.items()
    }
    for row in rows:
        username = plan.username_of.get(row.row, row.username)
        stored = final.get(username)
        student_id = row.student_id or (stored[1] if stored else "")
        final[username] = (row.role, student_id, row.row)

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


_DETAILS = ("email", "first_name", "last_name")


def _user_changes(user, row: RosterRow) -> dict[str, tuple[str, str]]:
    return {
        name: (getattr(user, name), getattr(row, name))
        for name in _DETAILS
        if getattr(row, name) and getattr(user, name) != getattr(row, name)
    }


def _why_kept(user, plan: _Plan) -> str:
    if user.is_superuser or user.is_staff:
        return "the account has admin access"
    if user.pk not in {enrolment.user_id for enrolment in plan.enrolments.values()}:
        return "the account belongs to other courses"
    return "the account belongs to other courses too"


def roster_import(
    *,
    course: Course,
    csv_text: str,
    dry_run: bool = False,
    expected_digest: str | None = None,
    actor=None,
    invite: bool = False,
    base_url: str | None = None,
) -> RosterReport:
    """Enrol the people of a roster file in the course, atomically and idempotently.

    Raises RosterError listing every problem (nothing changes). With `dry_run` the changes
    are worked out and nothing is written. With `expected_digest` (from a preview's report)
    the import is refused, with RosterChangedError, unless it does exactly what the preview
    showed. With `invite`, every account the import creates is sent an invitation e-mail
    with a link to choose a password (after the import commits).
    """
    rows, problems = _parse(csv_text)
    if problems and not rows:
        raise RosterError([message for _, message in problems])

    with transaction.atomic():
        if not dry_run:
            # One import of a course at a time: the student-id check reads the whole roster
            # and must not race another import's writes.
            Course.objects.select_for_update().filter(pk=course.pk).first()
        plan = _plan(course, rows)
        problems += plan.problems
        if problems:
            raise RosterError([message for _, message in sorted(problems, key=lambda p: p[0])])
        report = _report(plan)
        if expected_digest is not None and report.digest() != expected_digest:
            raise RosterChangedError(
                [
                    "The course's roster changed since the preview, so the import would now do "
                    "something else. Nothing was changed; review the new preview."
                ]
            )
        if not dry_run:
            created = _apply(plan, report, actor=actor)
            if invite:
                report.invited = _invite(created, course=course, actor=actor, base_url=base_url)
    return report


def _report(plan: _Plan) -> RosterReport:
    report = RosterReport(course_code=plan.course.code)
    in_file = set()
    group_members = _instructor_group_members(plan)
    for row in plan.rows:
        username = plan.username_of[row.row]
        in_file.add(username)
        user = plan.users.get(username)
        user_changes = ""
        if user is None:
            report.created_users.append(_person(username, row.first_name, row.last_name))
        else:
            changes = _user_changes(user, row)
            if changes and user.pk in plan.editable:
                user_changes = _describe(changes)
                report.updated_users.append(f"{username} ({user_changes})")
            elif changes:
                why = _why_kept(user, plan)
                for name, (stored, wanted) in changes.items():
                    report.kept.append(
                        f"{username}'s {name} {stored!r} (the file says {wanted!r}): {why}"
                    )

        enrolment = plan.enrolments.get(username)
        if enrolment is None:
            report.new_enrolments.append(
                _enrolment_label(username, row.role, row.student_id, row.section)
            )
        else:
            changes = _enrolment_changes(enrolment, row)
            if changes:
                report.changed_enrolments.append(f"{username} ({_describe(changes)})")
            elif not user_changes:
                report.unchanged.append(username)
            if enrolment.is_withdrawn:
                report.kept.append(f"{username}'s enrolment is withdrawn: reinstate in the admin")

        if row.role == Role.INSTRUCTOR and not (
            user is not None and user.is_staff and user.pk in group_members
        ):
            report.access_granted.append(username)

    report.not_in_file = [
        _enrolment_label(username, enrolment.role, enrolment.student_id, enrolment.section)
        for username, enrolment in sorted(plan.enrolments.items())
        if username not in in_file
    ]
    return report


def _instructor_group_members(plan: _Plan) -> set[int]:
    ids = [
        plan.users[plan.username_of[row.row]].pk
        for row in plan.rows
        if row.role == Role.INSTRUCTOR and plan.username_of[row.row] in plan.users
    ]
    if not ids:
        return set()
    User = get_user_model()
    return set(
        User.groups.through.objects.filter(
            user_id__in=ids, group__name=instructor_group().name
        ).values_list("user_id", flat=True)
    )


def _enrolment_changes(enrolment: Enrollment, row: RosterRow) -> dict[str, tuple]:
    wanted = {"role": row.role, "student_id": row.student_id, "section": row.section}
    return {
        name: (getattr(enrolment, name), value)
        for name, value in wanted.items()
        # An empty cell keeps the stored value; the role is always given.
        if (value or name == "role") and getattr(enrolment, name) != value
    }


def _apply(plan: _Plan, report: RosterReport, *, actor) -> list:
    """Write the plan: bulk inserts for new people, one update per changed one."""
    User = get_user_model()
    course = plan.course
    entries = []

    new_rows = [row for row in plan.rows if plan.username_of[row.row] not in plan.users]
    new_users = [
        User(
            username=plan.username_of[row.row],
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            # Unusable until the person chooses one through an invitation or a reset link.
            password=make_password(None),
        )
        for row in new_rows
    ]
    User.objects.bulk_create(new_users, batch_size=BATCH_SIZE)
    if any(user.pk is None for user in new_users):
        # A backend that cannot return ids from a bulk insert: read them back.
        ids = dict(
            User.objects.filter(username__in=[u.username for u in new_users]).values_list(
                "username", "pk"
            )
        )
        for user in new_users:
            user.pk = ids[user.username]
    for user in new_users:
        plan.users[user.username] = user
    created = {user.pk for user in new_users}

    for row in plan.rows:
        user = plan.users[plan.username_of[row.row]]
        changes = _user_changes(user, row)
        if changes and user.pk in plan.editable:
            for name, (_, value) in changes.items():
                setattr(user, name, value)
            user.save(update_fields=list(changes))
            entries.append(
                audit_entry(
                    course=course,
                    actor=actor,
                    action="user.update",
                    via=Via.ROSTER,
                    obj=user,
                    label=user.username,
                    old={name: old for name, (old, _) in changes.items()},
                    new={name: new for name, (_, new) in changes.items()},
                )
            )

    new_enrolments = []
    for row in plan.rows:
        username = plan.username_of[row.row]
        enrolment = plan.enrolments.get(username)
        if enrolment is None:
            new_enrolments.append(
                Enrollment(
                    user=plan.users[username],
                    course=course,
                    role=row.role,
                    student_id=row.student_id,
                    section=row.section,
                )
            )
        else:
            changes = _enrolment_changes(enrolment, row)
            if changes:
                enrollment_update(
                    enrollment=enrolment,
                    actor=actor,
                    via=Via.ROSTER,
                    **{name: new for name, (_, new) in changes.items()},
                )
    Enrollment.objects.bulk_create(new_enrolments, batch_size=BATCH_SIZE)
    # One entry a new person: their enrolment, and the account when the import made it.
    for enrolment in new_enrolments:
        user = enrolment.user
        new = {
            "role": enrolment.role,
            "student_id": enrolment.student_id,
            "section": enrolment.section,
        }
        if user.pk in created:
            new["account"] = {name: getattr(user, name) for name in ("username", *_DETAILS)}
        entries.append(
            audit_entry(
                course=course,
                actor=actor,
                action="enrollment.create",
                via=Via.ROSTER,
                obj=enrolment,
                label=f"{user.username} in {course.code}",
                new=new,
            )
        )
    audit_record_many(entries)
    if not report.changed:
        return new_users

    instructors = [
        plan.users[plan.username_of[row.row]] for row in plan.rows if row.role == Role.INSTRUCTOR
    ]
    admin_access_sync(users=instructors, actor=actor, via=Via.ROSTER)
    audit_record(
        course=course,
        actor=actor,
        action="roster.import",
        via=Via.ROSTER,
        obj=course,
        label=course.code,
        new={
            "summary": report.summary(),
            "created_users": len(report.created_users),
            "updated_users": len(report.updated_users),
            "new_enrolments": len(report.new_enrolments),
            "changed_enrolments": len(report.changed_enrolments),
            "kept": len(report.kept),
        },
    )
    return new_users


def _invite(users: list, *, course: Course, actor, base_url: str | None) -> list[str]:
    from courseapp.accounts import password_reset_email_send

    invited = []
    for user in users:
        if not user.email:
            continue
        password_reset_email_send(
            user=user,
            actor=actor,
            course=course,
            via=Via.ROSTER,
            invitation=True,
            base_url=base_url,
        )
        invited.append(f"{user.username} <{user.email}>")
    return invited


def _describe(changes: dict[str, tuple]) -> str:
    """`role: student -> ta; student_id: 'S1' -> 'S2'`"""
    return "; ".join(
        f"{name}: {old} -> {Role(new).value}" if name == "role" else f"{name}: {old!r} -> {new!r}"
        for name, (old, new) in changes.items()
    )


def _person(username: str, first_name: str, last_name: str) -> str:
    name = f"{first_name} {last_name}".strip()
    return f"{username} ({name})" if name else username


def _enrolment_label(username: str, role, student_id: str, section: str = "") -> str:
    label = f"{username} as {Role(role).value}"
    details = ", ".join(value for value in (student_id, section) if value)
    return f"{label} ({details})" if details else label
