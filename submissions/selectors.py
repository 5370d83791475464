"""Reads of submissions: what a student owes and has handed in, what graders see, and what
the grade computation takes from them (late penalties, responses handed in)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from courseapp.models import Course, Enrollment, Role
from courseapp.permissions import role_in
from submissions.models import (
    Deliverable,
    Extension,
    Lateness,
    PenaltyWaiver,
    Submission,
    Team,
    TeamMembership,
    lateness,
)


@dataclass
class Owner:
    """Who hands a deliverable in: a student, or the student's team for team work."""

    student: Enrollment | None
    team: Team | None

    @property
    def key(self) -> tuple[str, int]:
        return ("t", self.team.pk) if self.team else ("s", self.student.pk)


@dataclass
class Handin:
    """One owner's versions of one deliverable, the due date that applies to them and the
    version that counts."""

    deliverable: Deliverable
    versions: list[Submission]  # newest first
    due: datetime
    extension: Extension | None = None

    @property
    def latest(self) -> Submission | None:
        return self.versions[0] if self.versions else None

    @property
    def counted(self) -> Submission | None:
        """The latest version on time; else the latest late one (refused ones are not
        kept)."""
        on_time = [version for version in self.versions if version.submitted_at <= self.due]
        return on_time[0] if on_time else self.latest

    @property
    def lateness(self) -> Lateness | None:
        counted = self.counted
        if counted is None:
            return None
        return lateness(self.deliverable, submitted_at=counted.submitted_at, due=self.due)

    @property
    def late(self) -> bool:
        late = self.lateness
        return late is not None and late.late

    @property
    def on_time(self) -> bool:
        counted = self.counted
        return counted is not None and counted.submitted_at <= self.due


def team_of(*, course: Course, student: Enrollment) -> Team | None:
    membership = (
        TeamMembership.objects.filter(course=course, student=student).select_related("team").first()
    )
    return membership.team if membership else None


def _extension_key(extension: Extension) -> tuple:
    owner = ("t", extension.team_id) if extension.team_id else ("s", extension.student_id)
    return (extension.deliverable_id, *owner)


def _submission_key(submission: Submission) -> tuple:
    owner = ("t", submission.team_id) if submission.team_id else ("s", submission.student_id)
    return (submission.deliverable_id, *owner)


@dataclass
class StudentDeliverables:
    """A student's deliverables with their hand-ins, and the student's team."""

    enrollment: Enrollment
    team: Team | None
    handins: list[Handin]

    @property
    def due_next(self) -> list[Handin]:
        now = timezone.now()
        return [
            handin
            for handin in self.handins
            if handin.due >= now
            and not handin.versions
            and (handin.deliverable.opens is None or handin.deliverable.opens <= now)
        ][:3]


def student_deliverables(*, course: Course, enrollment: Enrollment) -> StudentDeliverables:
    """Every deliverable of the course for one student: versions (own, or their team's),
    the due date that applies (extended or not). Four queries."""
    team = team_of(course=course, student=enrollment)
    deliverables = list(Deliverable.objects.for_course(course).visible().select_related("meeting"))
    extensions = {
        _extension_key(extension): extension
        for extension in Extension.objects.for_course(course).filter(_owner_q(enrollment, team))
    }
    versions: dict[tuple, list[Submission]] = defaultdict(list)
    for submission in (
        Submission.objects.for_course(course)
        .filter(_owner_q(enrollment, team))
        .order_by("-version")
    ):
        versions[_submission_key(submission)].append(submission)
    handins = []
    for deliverable in deliverables:
        owner = ("t", team.pk) if deliverable.team and team else ("s", enrollment.pk)
        if deliverable.team and team is None:
            owner = ("none", 0)
        extension = extensions.get((deliverable.pk, *owner))
        handins.append(
            Handin(
                deliverable=deliverable,
                versions=versions.get((deliverable.pk, *owner), []),
                due=extension.due if extension else deliverable.due,
                extension=extension,
            )
        )
    return StudentDeliverables(enrollment=enrollment, team=team, handins=handins)


def _owner_q(enrollment: Enrollment, team: Team | None):
    from django.db.models import Q

    query = Q(student=enrollment, team__isnull=True)
    if team is not None:
        query |= Q(team=team)
    return query


def handin_for(*, deliverable: Deliverable, enrollment: Enrollment) -> Handin:
    """One deliverable's hand-in for one student (their team's for team work)."""
    course = deliverable.course
    team = team_of(course=course, student=enrollment) if deliverable.team else None
    if deliverable.team and team is None:
        return Handin(deliverable=deliverable, versions=[], due=deliverable.due)
    owner = Owner(student=None if team else enrollment, team=team)
    extension = (
        Extension.objects.filter(deliverable=deliverable, team=team).first()
        if team
        else Extension.objects.filter(
            deliverable=deliverable, student=enrollment, team__isnull=True
        ).first()
    )
    versions = list(
        Submission.objects.filter(deliverable=deliverable)
        .of_owner(student=owner.student, team=owner.team)
        .order_by("-version")
    )
    return Handin(
        deliverable=deliverable,
        versions=versions,
        due=extension.due if extension else deliverable.due,
        extension=extension,
    )


# --- what graders see and what grades take ------------------------------------------------


@dataclass
class HandinLine:
    """A student's hand-in of one deliverable as the grade grid and the student's grade page
    show it."""

    handin: Handin
    waiver: PenaltyWaiver | None = None

    @property
    def submission(self) -> Submission | None:
        return self.handin.counted

    @property
    def penalty_share(self) -> Decimal | None:
        late = self.handin.lateness
        return late.share if late is not None and late.late else None


@dataclass
class GradingInputs:
    """What grading.selectors.gradebook_rows takes from submissions, per student.

    `lines[enrollment id][criterion key]`: the hand-in of the deliverable feeding that leaf;
    `responses[enrollment id][criterion key]`: (on time, owed, free misses) for a
    `responses` leaf; `team_leaves`: keys of the leaves fed by a team deliverable.
    """

    lines: dict[int, dict[str, HandinLine]] = field(default_factory=dict)
    responses: dict[int, dict[str, tuple[int, int, int]]] = field(default_factory=dict)
    team_leaves: set[str] = field(default_factory=set)
    teams: dict[int, Team] = field(default_factory=dict)
    deliverables: list[Deliverable] = field(default_factory=list)


def grading_inputs(*, course: Course, students: list[int]) -> GradingInputs:
    """Late penalties and responses of `students` (enrolment ids), in six queries whatever
    the number of students."""
    inputs = GradingInputs()
    deliverables = list(
        Deliverable.objects.for_course(course).prefetch_related("criteria").order_by("due", "pk")
    )
    if not deliverables:
        return inputs
    inputs.deliverables = deliverables
    memberships = TeamMembership.objects.for_course(course).select_related("team")
    team_of_student = {m.student_id: m.team for m in memberships}
    inputs.teams = team_of_student
    extensions = {
        _extension_key(extension): extension for extension in Extension.objects.for_course(course)
    }
    waivers = {
        (waiver.deliverable_id, waiver.student_id): waiver
        for waiver in PenaltyWaiver.objects.for_course(course)
    }
    versions: dict[tuple, list[Submission]] = defaultdict(list)
    for submission in Submission.objects.for_course(course).order_by("-version"):
        versions[_submission_key(submission)].append(submission)
    now = timezone.now()
    for deliverable in deliverables:
        leaves = list(deliverable.criteria.all())
        if deliverable.team:
            inputs.team_leaves.update(leaf.key for leaf in leaves)
        for student_id in students:
            team = team_of_student.get(student_id)
            if deliverable.team:
                if team is None:
                    continue
                owner = ("t", team.pk)
            else:
                owner = ("s", student_id)
            extension = extensions.get((deliverable.pk, *owner))
            handin = Handin(
                deliverable=deliverable,
                versions=versions.get((deliverable.pk, *owner), []),
                due=extension.due if extension else deliverable.due,
                extension=extension,
            )
            for leaf in leaves:
                if leaf.source == "responses":
                    on_time, owed, free = inputs.responses.setdefault(student_id, {}).get(
                        leaf.key, (0, 0, deliverable.free_misses)
                    )
                    if handin.due <= now:
                        owed += 1
                        on_time += int(handin.on_time)
                    inputs.responses[student_id][leaf.key] = (
                        on_time,
                        owed,
                        max(free, deliverable.free_misses),
                    )
                else:
                    inputs.lines.setdefault(student_id, {}).setdefault(
                        leaf.key,
                        HandinLine(handin=handin, waiver=waivers.get((deliverable.pk, student_id))),
                    )
    return inputs


def deliverable_handins(
    *, deliverable: Deliverable
) -> list[tuple[Owner, list[Enrollment], Handin]]:
    """Every owner's hand-in of one deliverable, for staff: students (or teams) with their
    members, in a fixed number of queries."""
    course = deliverable.course
    students = list(
        Enrollment.objects.for_course(course)
        .students()
        .active()
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    extensions = {
        _extension_key(extension): extension
        for extension in Extension.objects.filter(deliverable=deliverable)
    }
    versions: dict[tuple, list[Submission]] = defaultdict(list)
    for submission in Submission.objects.filter(deliverable=deliverable).order_by("-version"):
        versions[_submission_key(submission)].append(submission)
    rows = []
    if deliverable.team:
        members: dict[int, list[Enrollment]] = defaultdict(list)
        teams: dict[int, Team] = {}
        by_pk = {student.pk: student for student in students}
        for membership in TeamMembership.objects.for_course(course).select_related("team"):
            if membership.student_id in by_pk:
                members[membership.team_id].append(by_pk[membership.student_id])
                teams[membership.team_id] = membership.team
        for team_id, team in sorted(teams.items(), key=lambda item: item[1].name):
            extension = extensions.get((deliverable.pk, "t", team_id))
            handin = Handin(
                deliverable=deliverable,
                versions=versions.get((deliverable.pk, "t", team_id), []),
                due=extension.due if extension else deliverable.due,
                extension=extension,
            )
            rows.append((Owner(student=None, team=team), members[team_id], handin))
        return rows
    for student in students:
        extension = extensions.get((deliverable.pk, "s", student.pk))
        handin = Handin(
            deliverable=deliverable,
            versions=versions.get((deliverable.pk, "s", student.pk), []),
            due=extension.due if extension else deliverable.due,
            extension=extension,
        )
        rows.append((Owner(student=student, team=None), [student], handin))
    return rows


def can_read_submission(*, user, submission: Submission) -> bool:
    """The owner, a member of the owning team, or the course's staff; nobody else."""
    if not user.is_authenticated:
        return False
    role = role_in(user=user, course=submission.course)
    if role in (Role.INSTRUCTOR, Role.TA):
        return True
    if role != Role.STUDENT:
        return False
    if submission.team_id:
        return TeamMembership.objects.filter(
            team_id=submission.team_id, student__user=user
        ).exists()
    return submission.student is not None and submission.student.user_id == user.pk


def team_leaf_ids(*, course: Course) -> set[int]:
    """Ids of the leaves fed by a team deliverable: one score per team."""
    return set(
        Deliverable.criteria.through.objects.filter(
            deliverable__course=course, deliverable__team=True
        ).values_list("criterion_id", flat=True)
    )


def teammates(*, course: Course, students: set[int]) -> dict[int, list[int]]:
    """Each of `students` (enrolment ids) with the other members of their team."""
    memberships = list(
        TeamMembership.objects.filter(
            course=course,
            team__in=TeamMembership.objects.filter(course=course, student__in=students).values(
                "team"
            ),
        ).values_list("team_id", "student_id")
    )
    by_team: dict[int, list[int]] = defaultdict(list)
    for team_id, student_id in memberships:
        by_team[team_id].append(student_id)
    result = {}
    for members in by_team.values():
        for member in members:
            if member in students:
                result[member] = [other for other in members if other != member]
    return result


def due_dates_of(*, user, course: Course) -> list[Handin]:
    """The student's deliverables with the due date that applies, for their calendar feed."""
    enrollment = Enrollment.objects.for_course(course).students().filter(user=user).first()
    if enrollment is None or not Deliverable.objects.for_course(course).exists():
        return []
    return student_deliverables(course=course, enrollment=enrollment).handins
