"""The demo's grades, written through the grading services (with history, as any grader's).

`courseapp.demo` calls `demo_grades(archive=..., live=..., now=...)` once the talks are booked
and the feedback is in:

- the archive course (a finished term): every score entered with a realistic spread, the
  blends' instructor parts included, one computed score overridden with a reason, and both
  parts released. A student whose talk got fewer peer reviews than `min_reviews` (the
  feedback demo leaves one such talk) has the instructor's part standing alone, flagged.
- the live course (week 10): the instructor parts of the talks already given are entered, so
  the presentation part is partly graded; nothing is released and the report is empty.

Idempotent: a second run enters the same values, which changes nothing.
"""

import datetime as dt
import random
from decimal import Decimal

from courseapp.audit import Via
from courseapp.models import Course, Enrollment
from grading.models import Criterion, Release, Score, ScoreChange
from grading.points import round_points
from grading.services import ScoreInput, part_release, score_override, scores_set
from presentations.models import Presentation

HALF = Decimal("0.5")
OVERRIDE_REASON = "Excused from feedback on session 4 (medical note); full credit."


def _strength(username: str) -> float:
    """A student's usual level, the same on every run: most between 65% and 95%."""
    return random.Random(f"strength:{username}").triangular(0.55, 0.98, 0.82)


def _score(username: str, key: str, points: Decimal) -> Decimal:
    noise = random.Random(f"{username}:{key}").uniform(-0.12, 0.08)
    share = min(1.0, max(0.3, _strength(username) + noise))
    # Graders give whole or half points.
    halves = (points * Decimal(str(share)) / HALF).to_integral_value()
    return round_points(min(points, halves * HALF))


def _students(course: Course) -> list[Enrollment]:
    return list(
        Enrollment.objects.for_course(course)
        .students()
        .active()
        .select_related("user")
        .order_by("user__username")
    )


def _entries(course: Course, students: list[Enrollment], criteria: list[Criterion]) -> list:
    return [
        ScoreInput(
            student_id=student.pk,
            criterion_id=criterion.pk,
            points=_score(student.user.get_username(), criterion.key, criterion.points),
        )
        for student in students
        for criterion in criteria
    ]


def demo_grades(*, archive: Course, live: Course, now: dt.datetime) -> None:
    # The archive: everything graded and released.
    entered = [c for c in Criterion.objects.for_course(archive).leaves() if c.takes_entry]
    students = _students(archive)
    scores_set(
        course=archive,
        entries=_entries(archive, students, entered),
        actor=None,
        via=Via.COMMAND,
        path=ScoreChange.Path.BULK,
        reason="demo data",
    )
    computed = (
        Criterion.objects.for_course(archive)
        .leaves()
        .filter(source=Criterion.Source.FEEDBACK_GIVEN)
        .first()
    )
    if computed is not None and len(students) > 5:
        score_override(
            student=students[5],
            criterion=computed,
            points=computed.points,
            reason=OVERRIDE_REASON,
            actor=None,
            via=Via.COMMAND,
        )
    released = set(Release.objects.for_course(archive).values_list("part_id", flat=True))
    for part in Criterion.objects.for_course(archive).parts():
        if part.pk not in released:
            part_release(part=part, actor=None, via=Via.COMMAND, notify=False)

    # The live course: the instructor parts of the talks given so far; nothing released.
    talk_based = [
        c for c in Criterion.objects.for_course(live).leaves() if c.source == Criterion.Source.BLEND
    ]
    given = (
        Presentation.objects.for_course(live)
        .booked()
        .of_active_students()
        .filter(slot__meeting__date__lt=now.date())
        .select_related("student__user")
    )
    presenters = sorted({talk.student for talk in given}, key=lambda e: e.user.get_username())
    # A third of the talks given are still waiting for their instructor score.
    graded = [s for s in presenters if random.Random(s.user.get_username()).random() < 0.67]
    already = set(
        Score.objects.for_course(live)
        .filter(criterion__in=talk_based, points__isnull=False)
        .values_list("student_id", "criterion_id")
    )
    entries = [
        entry
        for entry in _entries(live, graded, talk_based)
        if (entry.student_id, entry.criterion_id) not in already
    ]
    if entries:
        scores_set(
            course=live,
            entries=entries,
            actor=None,
            via=Via.COMMAND,
            path=ScoreChange.Path.BULK,
            reason="demo data",
        )
