"""Writes of peer feedback: submitting it, moderating it, excusing students, releasing a
session to its presenters, allocating reviewers (scope `assigned`) and the reminders.

Each checks its rules first and raises a `FeedbackError` (a DomainError: 409 in the API, a
message on a page) or a ValidationError (bad input: 400) that changes nothing, then writes
the change and its audit entry in one transaction.

One feedback per reviewer and talk is the database's rule (a unique constraint); a submit
also locks the reviewer's enrolment row first, so two submits of one reviewer (a double
click, two tabs) run one after the other: the second edits the row the first made.
"""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from courseapp.audit import audit_record
from courseapp.dates import format_moment
from courseapp.errors import DomainError
from courseapp.locks import LockedWrite
from courseapp.models import Course, Enrollment, Role
from courseapp.notify import email_on_commit
from presentations import feedback_selectors as fs
from presentations.models import (
    Feedback,
    FeedbackExcusal,
    FeedbackQuestion,
    FeedbackRating,
    FeedbackRelease,
    FeedbackReminder,
    Presentation,
    ReviewAssignment,
)
from schedule.models import Meeting

COMMENT_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 1000


class FeedbackError(DomainError):
    """A rule of peer feedback refused the action."""


def _local(moment: dt.datetime, course: Course) -> str:
    return format_moment(moment, course)


def _atomic() -> LockedWrite:
    return LockedWrite(FeedbackError, "The server is busy.")


def _is_rater(enrollment: Enrollment) -> bool:
    """Staff who may rate talks with the feedback form."""
    if enrollment.role == Role.INSTRUCTOR:
        return True
    return enrollment.role == Role.TA and enrollment.course.ta_can_rate


def _talk_of(course: Course, presentation: Presentation) -> Presentation:
    talk = (
        Presentation.objects.select_related("slot__meeting", "student__user", "paper")
        .filter(pk=presentation.pk, course=course, slot__isnull=False)
        .first()
    )
    if talk is None:
        raise FeedbackError("no_such_talk", "There is no such talk in this course.")
    talk.slot.meeting.course = course
    return talk


def _check_window(course: Course, session: Meeting, now: dt.datetime) -> None:
    opens, closes = fs.window_opens(session), fs.window_closes(session)
    if now < opens:
        raise FeedbackError(
            "window_not_open",
            f"Feedback on session {session.session_number} opens when it starts, at "
            f"{_local(opens, course)}.",
        )
    if now >= closes:
        raise FeedbackError(
            "window_closed",
            f"Feedback on session {session.session_number} closed at {_local(closes, course)} "
            f"({course.feedback_window_hours} hours after the session). It can no longer be "
            "given or changed.",
        )


def clean_scores(
    *, questions: list[FeedbackQuestion], scores, comment
) -> tuple[dict[int, int], str, dict[str, list[str]]]:
    """The ratings by question id, the stripped comment, and the errors per field (a
    ValidationError at once only when `scores` is not an object at all)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(scores, dict):
        raise ValidationError({"scores": "Give the ratings as an object: question key -> number."})
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise ValidationError({"comment": "The comment is text."})
    keys = {question.key for question in questions}
    unknown = sorted(str(key) for key in scores if key not in keys)
    if unknown:
        errors["scores"] = [f"No such question: {', '.join(unknown)}."]
    values: dict[int, int] = {}
    for question in questions:
        value = scores.get(question.key)
        if value is None or value == "":
            errors.setdefault(question.key, []).append("Choose a rating.")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            errors.setdefault(question.key, []).append("A rating is a whole number.")
            continue
        try:
            number = int(value)
        except ValueError:
            errors.setdefault(question.key, []).append("A rating is a whole number.")
            continue
        if not question.scale_min <= number <= question.scale_max:
            errors.setdefault(question.key, []).append(
                f"Choose from {question.scale_min} to {question.scale_max}."
            )
            continue
        values[question.pk] = number
    return values, comment.strip(), errors


def _check_comment(course: Course, questions, comment: str, errors: dict) -> None:
    required = course.feedback_comment_required or any(q.comment_required for q in questions)
    minimum = course.feedback_comment_min_length
    if len(comment) > COMMENT_MAX_LENGTH:
        errors.setdefault("comment", []).append(
            f"Keep the comment under {COMMENT_MAX_LENGTH} characters."
        )
    elif required and not comment:
        errors.setdefault("comment", []).append("A comment is required.")
    elif comment and len(comment) < minimum:
        errors.setdefault("comment", []).append(
            f"Write at least {minimum} characters (you wrote {len(comment)})."
        )


def feedback_submit(
    *,
    reviewer: Enrollment,
    presentation: Presentation,
    scores: dict,
    comment: str,
    actor,
    via: str,
    now: dt.datetime | None = None,
) -> tuple[Feedback, bool]:
    """Give (or, within the window, change) feedback on a talk. Returns the feedback and
    whether it is new. A student gives feedback on the talks they owe; an instructor (a TA,
    when the course allows) rates any talk as staff."""
    now = now or timezone.now()
    course = reviewer.course
    questions = list(FeedbackQuestion.objects.for_course(course).order_by("position", "key"))
    values, comment, errors = clean_scores(questions=questions, scores=scores, comment=comment)
    _check_comment(course, questions, comment, errors)
    if errors:
        raise ValidationError(errors)
    with _atomic():
        reviewer = (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=reviewer.pk)
        )
        reviewer.course = course
        talk = _talk_of(course, presentation)
        by_staff = reviewer.role != Role.STUDENT
        if by_staff and not _is_rater(reviewer):
            raise FeedbackError("not_allowed", "TAs do not rate talks in this course.")
        if reviewer.is_withdrawn:
            raise FeedbackError("withdrawn", "You are withdrawn from this course.")
        if talk.student_id == reviewer.pk:
            raise FeedbackError("own_talk", "You cannot give feedback on your own talk.")
        if not by_staff:
            owed = {item.talk.pk for item in fs.owed_talks(student=reviewer)}
            if talk.pk not in owed:
                raise FeedbackError(
                    "not_owed", "You do not give feedback on this talk (see your to-do list)."
                )
            _check_window(course, talk.slot.meeting, now)
        feedback = Feedback.objects.filter(reviewer=reviewer, presentation=talk).first()
        if feedback is not None and feedback.hidden:
            raise FeedbackError(
                "hidden",
                f"Your feedback on this talk was hidden by the staff ({feedback.hidden_reason}); "
                "it cannot be changed.",
            )
        created = feedback is None
        old = None
        if created:
            feedback = Feedback(
                course=course,
                presentation=talk,
                reviewer=reviewer,
                by_staff=by_staff,
                comment=comment,
                submitted_at=now,
                updated_at=now,
            )
            feedback.full_clean()
            feedback.save()
        else:
            old = {
                "scores": {
                    r.question.key: r.value for r in feedback.ratings.select_related("question")
                },
                "comment": feedback.comment,
            }
            feedback.comment, feedback.updated_at = comment, now
            feedback.save(update_fields=["comment", "updated_at"])
            feedback.ratings.all().delete()
        FeedbackRating.objects.bulk_create(
            FeedbackRating(feedback=feedback, question_id=question_id, value=value)
            for question_id, value in values.items()
        )
        keys = {question.pk: question.key for question in questions}
        audit_record(
            course=course,
            actor=actor,
            action="feedback.create" if created else "feedback.update",
            via=via,
            obj=feedback,
            label=f"{'Staff rating' if by_staff else 'Feedback'} by "
            f"{reviewer.user.get_username()} on {talk}",
            old=old,
            new={"scores": {keys[q]: v for q, v in values.items()}, "comment": comment},
        )
    return feedback, created


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX_LENGTH} characters."})
    return reason


def feedback_hide(
    *, feedback: Feedback, reason: str, actor, via: str, now: dt.datetime | None = None
) -> Feedback:
    """Hide a feedback (an abusive or empty comment): out of the presenter's view and the
    aggregates, not counted as given, shown to its author as hidden with the reason."""
    reason = _check_reason(reason)
    now = now or timezone.now()
    with _atomic():
        feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if feedback.hidden:
            raise FeedbackError("already_hidden", "This feedback is already hidden.")
        feedback.hidden, feedback.hidden_reason = True, reason
        feedback.hidden_by, feedback.hidden_at = actor, now
        feedback.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
        audit_record(
            course=feedback.course,
            actor=actor,
            action="feedback.hide",
            via=via,
            obj=feedback,
            old={"hidden": False},
            new={"hidden": True},
            reason=reason,
        )
    return feedback


def feedback_restore(*, feedback: Feedback, actor, via: str, reason: str = "") -> Feedback:
    """Undo a hide: the feedback counts again."""
    with _atomic():
        feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if not feedback.hidden:
            raise FeedbackError("not_hidden", "This feedback is not hidden.")
        old_reason = feedback.hidden_reason
        feedback.hidden, feedback.hidden_reason = False, ""
        feedback.hidden_by, feedback.hidden_at = None, None
        feedback.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
        audit_record(
            course=feedback.course,
            actor=actor,
            action="feedback.restore",
            via=via,
            obj=feedback,
            old={"hidden": True, "reason": old_reason},
            new={"hidden": False},
            reason=(reason or "").strip()[:REASON_MAX_LENGTH],
        )
    return feedback


def feedback_excuse(
    *, student: Enrollment, session: Meeting, reason: str, actor, via: str
) -> FeedbackExcusal:
    """Excuse a student from giving feedback on a session: its talks are no longer owed."""
    reason = _check_reason(reason)
    if student.role != Role.STUDENT:
        raise FeedbackError("not_student", "Only students owe feedback.")
    if session.course_id != student.course_id or session.kind != Meeting.Kind.PRESENTATION:
        raise FeedbackError("no_such_session", "There is no such presentation session.")
    with _atomic():
        if FeedbackExcusal.objects.filter(student=student, session=session).exists():
            raise FeedbackError(
                "already_excused",
                f"{student.user.get_username()} is already excused from session "
                f"{session.session_number}.",
            )
        excusal = FeedbackExcusal.objects.create(
            course=student.course, student=student, session=session, reason=reason, created_by=actor
        )
        audit_record(
            course=student.course,
            actor=actor,
            action="feedback.excuse",
            via=via,
            obj=excusal,
            label=f"{student.user.get_username()} excused from session {session.session_number}",
            new={"student": student.user.get_username(), "session": session.session_number},
            reason=reason,
        )
    return excusal


def feedback_unexcuse(*, excusal: FeedbackExcusal, actor, via: str) -> None:
    """Withdraw an excusal: the session's talks are owed again."""
    with _atomic():
        label = str(excusal)
        audit_record(
            course=excusal.course,
            actor=actor,
            action="feedback.unexcuse",
            via=via,
            obj=excusal,
            label=label,
            old={"reason": excusal.reason},
        )
        excusal.delete()


def feedback_release(
    *, course: Course, session: Meeting, actor, via: str, now: dt.datetime | None = None
) -> FeedbackRelease:
    """Release policy `instructor`: presenters of this session see their feedback (each
    talk once it has `min_reviews` reviews)."""
    if course.feedback_release != Course.FeedbackRelease.INSTRUCTOR:
        raise FeedbackError(
            "release_automatic", "This course releases feedback when its window closes."
        )
    if session.course_id != course.pk or session.kind != Meeting.Kind.PRESENTATION:
        raise FeedbackError("no_such_session", "There is no such presentation session.")
    with _atomic():
        if FeedbackRelease.objects.filter(session=session).exists():
            raise FeedbackError("already_released", "This session's feedback is already released.")
        release = FeedbackRelease.objects.create(
            course=course, session=session, released_by=actor, released_at=now or timezone.now()
        )
        audit_record(
            course=course,
            actor=actor,
            action="feedback.release",
            via=via,
            obj=release,
            new={"session": session.session_number},
        )
    return release


# --- scope `assigned` ---------------------------------------------------------------------


@dataclass
class AllocationReport:
    kept: int  # assignments kept because their review has started
    created: int
    removed: int


def _allocate(
    *,
    reviewers: list[int],
    talks: list[tuple[int, int, int | None]],  # (talk id, presenter id, category id)
    k: int,
    seed: str,
    fixed: dict[int, set[int]],
) -> dict[int, set[int]]:
    """reviewer -> talks: each reviewer gets up to k talks, never their own, keeping the
    `fixed` ones (reviews already started).

    Two steps, both in a seeded order. First, within each category, the presenters review
    the talks that follow theirs round the category's circle: every talk of the category
    gets the same number of its category's presenters, and nobody their own. Then, round
    by round, everyone still short takes a talk with the fewest reviewers so far (their own
    category first among those): each step raises a least-reviewed talk, so every talk
    ends within one reviewer of the others wherever the constraints allow it."""
    rng = random.Random(seed)
    order = sorted(reviewers)
    rng.shuffle(order)
    shuffled = sorted(talks)
    rng.shuffle(shuffled)
    rank = {talk[0]: position for position, talk in enumerate(shuffled)}
    presenter_of = {talk[0]: talk[1] for talk in talks}
    own_categories: dict[int, set] = defaultdict(set)
    by_category: dict[int | None, list[tuple[int, int, int | None]]] = defaultdict(list)
    for talk in shuffled:
        own_categories[talk[1]].add(talk[2])
        by_category[talk[2]].append(talk)
    count: dict[int, int] = defaultdict(int)
    chosen: dict[int, set[int]] = {reviewer: set() for reviewer in order}

    def give(reviewer: int, talk_id: int) -> None:
        chosen[reviewer].add(talk_id)
        count[talk_id] += 1

    for reviewer in order:
        for talk_id in sorted(fixed.get(reviewer, ()), key=lambda t: rank.get(t, -1)):
            give(reviewer, talk_id)
    first_talk_seen: set[int] = set()
    for category in sorted(by_category, key=lambda c: (c is None, c)):
        circle = by_category[category]
        if category is None:
            continue
        for position, (_, presenter, _) in enumerate(circle):
            if presenter not in chosen or presenter in first_talk_seen:
                continue
            first_talk_seen.add(presenter)
            for step in range(1, len(circle)):
                if len(chosen[presenter]) >= k:
                    break
                talk_id = circle[(position + step) % len(circle)][0]
                if presenter_of[talk_id] != presenter and talk_id not in chosen[presenter]:
                    give(presenter, talk_id)
    for _ in range(k):
        for reviewer in order:
            if len(chosen[reviewer]) >= k:
                continue
            candidates = [t for t in talks if t[1] != reviewer and t[0] not in chosen[reviewer]]
            if not candidates:
                continue
            mine = own_categories.get(reviewer, set())
            best = min(candidates, key=lambda t: (count[t[0]], t[2] not in mine, rank[t[0]]))
            give(reviewer, best[0])
    return chosen


def review_assignments_allocate(*, course: Course, actor, via: str) -> AllocationReport:
    """Scope `assigned`: give each active student `feedback_reviews_per_student` talks to
    review. Deterministic for the course's seed and its students and talks; re-run as talks
    are booked, it keeps every assignment whose review has started and re-deals the rest."""
    if course.feedback_scope != Course.FeedbackScope.ASSIGNED:
        raise FeedbackError("not_assigned", "This course does not assign reviews.")
    with _atomic():
        # The course row serialises allocations: two runs at once would deal twice.
        Course.objects.select_for_update().filter(pk=course.pk).first()
        talks = fs.booked_talks(course=course)
        students = list(
            Enrollment.objects.for_course(course).students().active().values_list("pk", flat=True)
        )
        started = set(
            Feedback.objects.for_course(course).values_list("reviewer_id", "presentation_id")
        )
        existing = list(ReviewAssignment.objects.for_course(course))
        talk_ids = {talk.pk for talk in talks}
        fixed: dict[int, set[int]] = defaultdict(set)
        kept = 0
        for row in existing:
            if (row.reviewer_id, row.presentation_id) in started:
                fixed[row.reviewer_id].add(row.presentation_id)
                kept += 1
        plan = _allocate(
            reviewers=students,
            talks=[(talk.pk, talk.student_id, fs._category_of(talk)) for talk in talks],
            k=course.feedback_reviews_per_student,
            seed=f"{course.feedback_assignment_seed}:{course.code}",
            fixed=fixed,
        )
        wanted = {(r, t) for r, ts in plan.items() for t in ts if t in talk_ids}
        have = {(row.reviewer_id, row.presentation_id): row for row in existing}
        removable = [
            row.pk for pair, row in have.items() if pair not in wanted and pair not in started
        ]
        ReviewAssignment.objects.filter(pk__in=removable).delete()
        new = [
            ReviewAssignment(course=course, reviewer_id=r, presentation_id=t)
            for r, t in sorted(wanted - set(have))
        ]
        ReviewAssignment.objects.bulk_create(new)
        report = AllocationReport(kept=kept, created=len(new), removed=len(removable))
        audit_record(
            course=course,
            actor=actor,
            action="feedback.allocate",
            via=via,
            obj=course,
            label=f"Review assignments of {course.code}",
            new={"kept": report.kept, "created": report.created, "removed": report.removed},
        )
    return report


# --- reminders ----------------------------------------------------------------------------


def feedback_reminders_send(*, now: dt.datetime | None = None, within_hours: int = 24) -> int:
    """E-mail each student whose owed feedback closes within `within_hours` (and is not
    given), once per session window: a sent reminder is recorded, so a re-run sends none
    again. Returns the number of e-mails sent."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=within_hours)
    sent = 0
    for course in Course.objects.all():
        sessions = [
            s
            for s in fs.presentation_sessions(course=course)
            if fs.window_opens(s) <= now < fs.window_closes(s) <= horizon
        ]
        if not sessions:
            continue
        session_ids = {s.pk for s in sessions}
        talks = fs.booked_talks(course=course)
        owing = fs._owing(course=course, talks=talks)
        given = fs._given_by(course)
        done = set(
            FeedbackReminder.objects.for_course(course)
            .filter(session_id__in=session_ids)
            .values_list("student_id", "session_id")
        )
        for student in fs._active_students(course):
            due: dict[int, list] = defaultdict(list)
            for item in owing.owed(student):
                session_id = item.talk.slot.meeting_id
                if (
                    session_id in session_ids
                    and not item.excused
                    and item.talk.pk not in given.get(student.pk, {})
                    and (student.pk, session_id) not in done
                ):
                    due[session_id].append(item.talk)
            for due_talks in due.values():
                session = due_talks[0].slot.meeting
                with transaction.atomic():
                    _, created = FeedbackReminder.objects.get_or_create(
                        student=student,
                        session=session,
                        defaults={"course": course, "sent_at": now},
                    )
                    if not created:
                        continue
                    email_on_commit(
                        users=[student.user],
                        subject=f"{course.code}: feedback on session "
                        f"{session.session_number} closes soon",
                        template="presentations/email/feedback_reminder.txt",
                        context={
                            "course": course,
                            "session": session,
                            "talks": due_talks,
                            "closes": format_moment(fs.window_closes(session), course),
                        },
                    )
                    sent += 1
    return sent
