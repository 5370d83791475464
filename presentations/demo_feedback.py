"""Demo peer feedback, given through the services as a real class would, inside each window.

The archive course (the term is over): every student gave feedback on every talk they owed,
and all of it is released (every talk has at least `min_reviews` reviews).

The live course (today in week 10):

- the past sessions are reviewed, a few reviews missed, as in a real class;
- one talk has fewer than `min_reviews` reviews;
- one talk's reviewers disagree strongly (flagged for the instructor);
- one comment is hidden by the instructor, with its reason;
- student01 (an inference paper, no slot yet) owes feedback on the inference session whose
  window is open today, and has not given it.

Ratings are drawn from a seeded generator: the same on every run. Idempotent: a course that
has feedback already is left as it is.
"""

import datetime as dt
import random

from courseapp.audit import Via
from courseapp.models import Course, Enrollment, Role
from presentations import feedback_selectors as fs
from presentations.feedback_services import feedback_hide, feedback_submit
from presentations.models import Feedback, FeedbackQuestion, Presentation

COMMENTS = [
    "Clear motivation and a well-paced walk through the method.",
    "The evaluation section was convincing; the related work felt rushed.",
    "Good slides. More time on the limitations would have helped.",
    "Strong answers to the questions, especially on the scaling experiments.",
    "The problem definition could be sharper, but the demo was excellent.",
    "Well organised; the figures made the system design easy to follow.",
    "A bit fast in the middle; the summary at the end tied it together.",
    "",
]
HIDDEN_COMMENT = "whatever, boring"
HIDDEN_REASON = "Not constructive: feedback should say what worked and what could improve."
SKIPPED = "student01"  # owes feedback on an open window, not given yet


def _level(username: str) -> float:
    """A presenter's usual level on a 1-5 scale, the same on every run."""
    return random.Random(f"talk:{username}").triangular(2.6, 4.9, 4.0)


def _rating(presenter: str, reviewer: str, question: FeedbackQuestion) -> int:
    noise = random.Random(f"{presenter}:{reviewer}:{question.key}").uniform(-1.1, 1.1)
    value = round(_level(presenter) + noise)
    return max(question.scale_min, min(question.scale_max, value))


def _comment(presenter: str, reviewer: str) -> str:
    return random.Random(f"comment:{presenter}:{reviewer}").choice(COMMENTS)


def _students(course: Course) -> list[Enrollment]:
    students = list(
        Enrollment.objects.for_course(course)
        .students()
        .active()
        .select_related("user")
        .order_by("user__username")
    )
    for student in students:
        student.course = course
    return students


def _give(
    reviewer: Enrollment,
    talk: Presentation,
    questions: list[FeedbackQuestion],
    *,
    now: dt.datetime,
    scores: dict[str, int] | None = None,
    comment: str | None = None,
) -> Feedback:
    presenter = talk.student.user.get_username()
    name = reviewer.user.get_username()
    feedback, _ = feedback_submit(
        reviewer=reviewer,
        presentation=talk,
        scores=scores or {q.key: _rating(presenter, name, q) for q in questions},
        comment=_comment(presenter, name) if comment is None else comment,
        actor=reviewer.user,
        via=Via.COMMAND,
        now=now,
    )
    return feedback


def _given_at(reviewer: Enrollment, session, now: dt.datetime) -> dt.datetime | None:
    """When this reviewer gave their feedback: some hours after the session, inside the
    window; None when the window is not open yet at `now`."""
    opens, closes = fs.window_opens(session), fs.window_closes(session)
    if now < opens:
        return None
    hours = random.Random(f"when:{reviewer.pk}:{session.pk}").uniform(1, 30)
    moment = session.over_at + dt.timedelta(hours=hours)
    latest = min(now, closes) - dt.timedelta(minutes=1)
    return max(opens, min(moment, latest))


def _archive(course: Course, questions: list[FeedbackQuestion], now: dt.datetime) -> None:
    for reviewer in _students(course):
        for item in fs.owed_talks(student=reviewer):
            when = _given_at(reviewer, item.session, now)
            if when is not None:
                _give(reviewer, item.talk, questions, now=when)


def _live(course: Course, questions: list[FeedbackQuestion], now: dt.datetime, instructor) -> None:
    students = _students(course)
    talks = [t for t in fs.booked_talks(course=course) if fs.window_opens(t.slot.meeting) <= now]
    if not talks:
        return
    past = [t for t in talks if fs.window_closes(t.slot.meeting) <= now] or talks
    # The first past talk gets one review (under min_reviews); the second is the
    # one its reviewers disagree on; the third gets the hidden comment.
    few, split = past[0], past[1] if len(past) > 1 else None
    hidden_on = past[2] if len(past) > 2 else None
    hidden = None
    reviews_of: dict[int, int] = {}
    for reviewer in students:
        name = reviewer.user.get_username()
        for item in fs.owed_talks(student=reviewer):
            talk = item.talk
            when = _given_at(reviewer, talk.slot.meeting, now)
            if when is None or name == SKIPPED:
                continue
            if talk.pk == few.pk and reviews_of.get(talk.pk, 0) >= course.min_reviews - 1:
                continue
            if fs.window_closes(talk.slot.meeting) > now:
                # A window still open: about half the class has given it so far.
                if random.Random(f"open:{name}:{talk.pk}").random() < 0.5:
                    continue
            elif random.Random(f"miss:{name}:{talk.pk}").random() < 0.1:
                continue  # a missed review
            scores = None
            if split is not None and talk.pk == split.pk:
                low = reviews_of.get(talk.pk, 0) % 2 == 0
                scores = {q.key: q.scale_min if low else q.scale_max for q in questions}
            comment = None
            if hidden is None and hidden_on is not None and talk.pk == hidden_on.pk:
                comment = HIDDEN_COMMENT
            feedback = _give(reviewer, talk, questions, now=when, scores=scores, comment=comment)
            reviews_of[talk.pk] = reviews_of.get(talk.pk, 0) + 1
            if comment == HIDDEN_COMMENT:
                hidden = feedback
    if hidden is not None:
        feedback_hide(feedback=hidden, reason=HIDDEN_REASON, actor=instructor, via=Via.COMMAND)


def demo_feedback(*, archive: Course, live: Course, now: dt.datetime) -> None:
    """Fill both demo courses' feedback once (called between the talks and the grades)."""
    for course in (archive, live):
        if Feedback.objects.for_course(course).exists():
            continue
        questions = list(FeedbackQuestion.objects.for_course(course).order_by("position", "key"))
        if not questions:
            continue
        if course == live:
            instructor = (
                Enrollment.objects.for_course(course)
                .filter(role=Role.INSTRUCTOR)
                .select_related("user")
                .order_by("pk")
                .first()
            )
            _live(course, questions, now, instructor.user if instructor else None)
        else:
            _archive(course, questions, now)
