"""Reads of peer feedback: who owes what, the to-do list, the per-talk aggregates, the staff
ratings and each student's credit (design.md section 5).

Grading reads feedback through three functions of this module (the feedback contract):
`peer_aggregates`, `staff_ratings` and `feedback_credit`. Each, like every list here, runs a
fixed number of queries for the whole course: the talks, the students, the feedback and its
ratings are read once each and combined in Python.

Who owes feedback on what follows the course's `feedback_scope`:

- `other_sessions_in_category`: every talk of every other session of the student's own
  categories (those of their talks: a booked talk's session, or the paper of a talk not
  booked yet). Presenters of one session do not review each
  other.
- `other_talks_in_category`: every other talk of their categories, own session included.
- `all_other_sessions`: every talk of every session they do not present in.
- `assigned`: the talks `review_assignments_allocate` gave them.

Withdrawn students owe nothing and are owed nothing; a talk of an excused session is not
owed. A talk's window opens when its session begins and closes `feedback_window_hours`
after the session is over, both in the course's time zone. Credit counts the talks whose
window has closed (a window still open is not a miss yet).
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from courseapp.models import Course, Enrollment, Role
from presentations.models import (
    Feedback,
    FeedbackExcusal,
    FeedbackQuestion,
    FeedbackRating,
    FeedbackRelease,
    Presentation,
    ReviewAssignment,
)
from schedule.models import Meeting

Scope = Course.FeedbackScope


# --- the contract's shapes ----------------------------------------------------------------


@dataclass(frozen=True)
class QuestionAggregate:
    question_key: str
    n: int  # visible (not hidden) peer reviews rating this question
    aggregate: Decimal | None  # on the question's scale, by the course's method
    share: Decimal | None  # aggregate mapped linearly [scale_min, scale_max] -> [floor, 1]
    spread: Decimal | None  # the population standard deviation of the ratings
    minimum: int | None
    maximum: int | None


@dataclass(frozen=True)
class TalkAggregate:
    presentation_id: int
    reviews: int  # counted reviews: visible, by students
    questions: dict[str, QuestionAggregate]
    disagreement: bool  # spread over the course's threshold on some question
    released: bool  # the presenter may see it

    def share(self, question_keys: list[str]) -> Decimal | None:
        """The mean of the questions' shares; None if one is missing or there is none."""
        shares = [
            self.questions[key].share if key in self.questions else None for key in question_keys
        ]
        if not shares or any(share is None for share in shares):
            return None
        return sum(shares, Decimal(0)) / len(shares)


@dataclass(frozen=True)
class FeedbackCredit:
    enrollment_id: int
    owed: int  # talks owed whose window has closed (excused ones not counted)
    given_in_time: int
    ratio: Decimal  # min(1, given_in_time / (owed - free misses)); 1 when that is <= 0
    late: int = 0  # given after the window closed (possible only if the window was changed)
    hidden: int = 0  # given but hidden by staff: not counted as given
    excused: int = 0  # talks of excused sessions
    upcoming: int = 0  # owed in windows that have not closed yet


# --- windows ------------------------------------------------------------------------------


def window_opens(session: Meeting) -> dt.datetime:
    return session.begins_at


def window_closes(session: Meeting) -> dt.datetime:
    """The first moment feedback on this session's talks is refused."""
    return session.over_at + dt.timedelta(hours=session.course.feedback_window_hours)


def window_state(session: Meeting, now: dt.datetime) -> str:
    """`upcoming`, `open` or `closed`."""
    if now < window_opens(session):
        return "upcoming"
    if now < window_closes(session):
        return "open"
    return "closed"


# --- the maths ----------------------------------------------------------------------------


def aggregate_values(values: list[int], *, method: str, trim_fraction: Decimal) -> Decimal | None:
    """The mean, median or trimmed mean of the ratings (None for no ratings).

    The trimmed mean cuts floor(n x fraction) ratings from each end, then takes the mean.
    """
    if not values:
        return None
    ordered = sorted(values)
    n = len(ordered)
    if method == Course.PeerAggregate.MEDIAN:
        middle = n // 2
        if n % 2:
            return Decimal(ordered[middle])
        return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2
    if method == Course.PeerAggregate.TRIMMED_MEAN:
        cut = math.floor(n * trim_fraction)
        ordered = ordered[cut : n - cut]
    return Decimal(sum(ordered)) / Decimal(len(ordered))


def spread_of(values: list[int]) -> Decimal | None:
    """The population standard deviation (0 for a single rating)."""
    if not values:
        return None
    mean = Decimal(sum(values)) / len(values)
    variance = sum(((Decimal(v) - mean) ** 2 for v in values), Decimal(0)) / len(values)
    return variance.sqrt()


def share_of(value: Decimal | None, question: FeedbackQuestion) -> Decimal | None:
    """A value on the question's scale mapped linearly onto [floor, 1]."""
    if value is None:
        return None
    floor = question.effective_floor
    low, high = Decimal(question.scale_min), Decimal(question.scale_max)
    return floor + (Decimal(1) - floor) * (value - low) / (high - low)


# --- the course's talks, students and who owes what ---------------------------------------


def _category_of(talk: Presentation) -> int | None:
    if talk.slot.category_id is not None:
        return talk.slot.category_id
    return talk.paper.category_id if talk.paper_id is not None else None


def booked_talks(*, course: Course, active_only: bool = True) -> list[Presentation]:
    """The course's booked talks with their session, category and presenter (one query)."""
    talks = Presentation.objects.for_course(course).booked()
    if active_only:
        talks = talks.of_active_students()
    talks = list(
        talks.select_related(
            "slot", "slot__meeting", "slot__category", "paper", "paper__category", "student__user"
        ).order_by("slot__meeting__date", "slot__position", "pk")
    )
    for talk in talks:
        talk.slot.meeting.course = course
        talk.course = course
        talk.student.course = course
    return talks


@dataclass
class OwedTalk:
    talk: Presentation
    excused: bool

    @property
    def session(self) -> Meeting:
        return self.talk.slot.meeting


class _Owing:
    """Who owes feedback on which talk, for a course, from rows read once."""

    def __init__(
        self,
        *,
        course: Course,
        talks: list[Presentation],
        excusals: Iterable[tuple[int, int]],
        assignments: Iterable[tuple[int, int]] = (),
        paper_categories: Iterable[tuple[int, int]] = (),
    ):
        self.course = course
        self.talks = talks
        self.by_student: dict[int, list[Presentation]] = defaultdict(list)
        self.by_category: dict[int, list[Presentation]] = defaultdict(list)
        for talk in talks:
            self.by_student[talk.student_id].append(talk)
            category = _category_of(talk)
            if category is not None:
                self.by_category[category].append(talk)
        self.excused = set(excusals)
        # A talk with a paper but no slot yet still tells the student's category.
        self.paper_categories: dict[int, set[int]] = defaultdict(set)
        for student_id, category_id in paper_categories:
            self.paper_categories[student_id].add(category_id)
        self.assigned: dict[int, set[int]] = defaultdict(set)
        for reviewer_id, talk_id in assignments:
            self.assigned[reviewer_id].add(talk_id)

    def owed(self, student: Enrollment) -> list[OwedTalk]:
        """The talks this student owes feedback on (excused ones flagged), in session order."""
        if student.role != Role.STUDENT or student.is_withdrawn:
            return []
        scope = self.course.feedback_scope
        own = self.by_student.get(student.pk, [])
        own_sessions = {talk.slot.meeting_id for talk in own}
        if scope == Scope.ASSIGNED:
            wanted = self.assigned.get(student.pk, set())
            chosen = [talk for talk in self.talks if talk.pk in wanted]
        elif scope == Scope.ALL_OTHER_SESSIONS:
            chosen = [talk for talk in self.talks if talk.slot.meeting_id not in own_sessions]
        else:
            categories = {_category_of(talk) for talk in own} - {None}
            categories |= self.paper_categories.get(student.pk, set())
            pool = {talk.pk for category in categories for talk in self.by_category[category]}
            chosen = [talk for talk in self.talks if talk.pk in pool]
            if scope == Scope.OTHER_SESSIONS_IN_CATEGORY:
                chosen = [talk for talk in chosen if talk.slot.meeting_id not in own_sessions]
        return [
            OwedTalk(talk, (student.pk, talk.slot.meeting_id) in self.excused)
            for talk in chosen
            if talk.student_id != student.pk
        ]


def _owing(*, course: Course, talks: list[Presentation], student_ids=None) -> _Owing:
    excusals = FeedbackExcusal.objects.for_course(course)
    assignments = ReviewAssignment.objects.none()
    if course.feedback_scope == Scope.ASSIGNED:
        assignments = ReviewAssignment.objects.for_course(course)
    unbooked = Presentation.objects.for_course(course).filter(
        slot__isnull=True, paper__isnull=False
    )
    if student_ids is not None:
        excusals = excusals.filter(student_id__in=student_ids)
        assignments = assignments.filter(reviewer_id__in=student_ids)
        unbooked = unbooked.filter(student_id__in=student_ids)
    return _Owing(
        course=course,
        talks=talks,
        excusals=excusals.values_list("student_id", "session_id"),
        assignments=assignments.values_list("reviewer_id", "presentation_id")
        if course.feedback_scope == Scope.ASSIGNED
        else (),
        paper_categories=unbooked.values_list("student_id", "paper__category_id"),
    )


def owed_talks(*, student: Enrollment) -> list[OwedTalk]:
    """The talks one student owes feedback on (four queries at most)."""
    course = student.course
    return _owing(course=course, talks=booked_talks(course=course), student_ids=[student.pk]).owed(
        student
    )


def _active_students(course: Course) -> list[Enrollment]:
    students = list(
        Enrollment.objects.for_course(course)
        .students()
        .active()
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    for student in students:
        student.course = course
    return students


# --- credit -------------------------------------------------------------------------------


def _credit(
    *,
    course: Course,
    student: Enrollment,
    owed: list[OwedTalk],
    given: dict[int, Feedback],
    now: dt.datetime,
) -> FeedbackCredit:
    counted = late = hidden = excused = upcoming = in_time = 0
    for item in owed:
        if item.excused:
            excused += 1
            continue
        closes = window_closes(item.session)
        if now < closes:
            upcoming += 1
            continue
        counted += 1
        feedback = given.get(item.talk.pk)
        if feedback is None:
            continue
        if feedback.hidden:
            hidden += 1
        elif feedback.updated_at >= closes:
            late += 1
        else:
            in_time += 1
    wanted = counted - course.feedback_free_misses
    ratio = Decimal(1) if wanted <= 0 else min(Decimal(1), Decimal(in_time) / Decimal(wanted))
    return FeedbackCredit(
        enrollment_id=student.pk,
        owed=counted,
        given_in_time=in_time,
        ratio=ratio,
        late=late,
        hidden=hidden,
        excused=excused,
        upcoming=upcoming,
    )


def _given_by(course: Course, reviewer_ids=None) -> dict[int, dict[int, Feedback]]:
    """reviewer id -> talk id -> their feedback (peer feedback only; one query)."""
    rows = (
        Feedback.objects.for_course(course)
        .peer()
        .only("pk", "presentation_id", "reviewer_id", "hidden", "submitted_at", "updated_at")
    )
    if reviewer_ids is not None:
        rows = rows.filter(reviewer_id__in=reviewer_ids)
    given: dict[int, dict[int, Feedback]] = defaultdict(dict)
    for feedback in rows:
        given[feedback.reviewer_id][feedback.presentation_id] = feedback
    return given


def feedback_credit(*, course: Course, now: dt.datetime | None = None) -> dict[int, FeedbackCredit]:
    """Each active student's feedback credit, by enrolment id (six queries)."""
    now = now or timezone.now()
    talks = booked_talks(course=course)
    owing = _owing(course=course, talks=talks)
    given = _given_by(course)
    return {
        student.pk: _credit(
            course=course,
            student=student,
            owed=owing.owed(student),
            given=given.get(student.pk, {}),
            now=now,
        )
        for student in _active_students(course)
    }


# --- aggregates ---------------------------------------------------------------------------


def _questions(course: Course) -> list[FeedbackQuestion]:
    return list(FeedbackQuestion.objects.for_course(course).order_by("position", "key"))


def _released_sessions(course: Course) -> set[int]:
    if course.feedback_release != Course.FeedbackRelease.INSTRUCTOR:
        return set()
    return set(FeedbackRelease.objects.for_course(course).values_list("session_id", flat=True))


def session_released(
    *, course: Course, session: Meeting, released_sessions: set[int], now: dt.datetime
) -> bool:
    """Whether the release rule lets presenters of this session see their feedback (the
    `min_reviews` rule is the talk's, on top)."""
    if course.feedback_release == Course.FeedbackRelease.INSTRUCTOR:
        return session.pk in released_sessions
    return now >= window_closes(session)


def _aggregate_talk(
    *,
    course: Course,
    talk_id: int,
    ratings: dict[int, list[int]],  # question id -> values
    reviews: int,
    questions: list[FeedbackQuestion],
    released_window: bool,
) -> TalkAggregate:
    result = {}
    disagreement = False
    for question in questions:
        values = ratings.get(question.pk, [])
        value = aggregate_values(
            values, method=course.peer_aggregate, trim_fraction=course.peer_trim_fraction
        )
        spread = spread_of(values)
        if spread is not None and len(values) > 1 and spread > course.feedback_disagreement_spread:
            disagreement = True
        result[question.key] = QuestionAggregate(
            question_key=question.key,
            n=len(values),
            aggregate=value,
            share=share_of(value, question),
            spread=spread,
            minimum=min(values) if values else None,
            maximum=max(values) if values else None,
        )
    return TalkAggregate(
        presentation_id=talk_id,
        reviews=reviews,
        questions=result,
        disagreement=disagreement,
        released=released_window and reviews >= course.min_reviews,
    )


def peer_aggregates(
    *, course: Course, now: dt.datetime | None = None, talks: list[Presentation] | None = None
) -> dict[int, TalkAggregate]:
    """Per booked talk, the peer aggregates of its visible student reviews (four queries)."""
    now = now or timezone.now()
    questions = _questions(course)
    if talks is None:
        talks = booked_talks(course=course, active_only=False)
    talk_ids = {talk.pk for talk in talks}
    ratings: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    reviews: dict[int, set[int]] = defaultdict(set)
    rows = FeedbackRating.objects.filter(
        feedback__course=course, feedback__hidden=False, feedback__by_staff=False
    ).values_list("feedback__presentation_id", "feedback_id", "question_id", "value")
    for talk_id, feedback_id, question_id, value in rows:
        if talk_id in talk_ids:
            ratings[talk_id][question_id].append(value)
            reviews[talk_id].add(feedback_id)
    released = _released_sessions(course)
    return {
        talk.pk: _aggregate_talk(
            course=course,
            talk_id=talk.pk,
            ratings=ratings.get(talk.pk, {}),
            reviews=len(reviews.get(talk.pk, ())),
            questions=questions,
            released_window=session_released(
                course=course, session=talk.slot.meeting, released_sessions=released, now=now
            ),
        )
        for talk in talks
    }


def staff_ratings(*, course: Course) -> dict[int, dict[str, Decimal]]:
    """Per talk, the staff's own ratings mapped to shares per question (two queries); the
    mean of the staff ratings where several staff rated one talk."""
    questions = {question.pk: question for question in _questions(course)}
    values: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows = FeedbackRating.objects.filter(
        feedback__course=course, feedback__hidden=False, feedback__by_staff=True
    ).values_list("feedback__presentation_id", "question_id", "value")
    for talk_id, question_id, value in rows:
        values[talk_id][question_id].append(value)
    return {
        talk_id: {
            questions[question_id].key: share_of(
                Decimal(sum(ratings)) / len(ratings), questions[question_id]
            )
            for question_id, ratings in per_question.items()
            if question_id in questions
        }
        for talk_id, per_question in values.items()
    }


# --- the student's pages ------------------------------------------------------------------


@dataclass
class TodoItem:
    talk: Presentation
    opens: dt.datetime
    closes: dt.datetime
    state: str  # upcoming | open | closed
    feedback: Feedback | None
    excused: bool

    @property
    def session(self) -> Meeting:
        return self.talk.slot.meeting

    @property
    def given(self) -> bool:
        return self.feedback is not None


@dataclass
class StudentFeedback:
    todo: list[TodoItem]  # window open, not given yet
    upcoming: list[TodoItem]  # window not open yet
    all: list[TodoItem]  # every owed talk, with its state and feedback
    credit: FeedbackCredit | None


def student_feedback(*, student: Enrollment, now: dt.datetime) -> StudentFeedback:
    """What one student owes, has given, and still has to give (five queries)."""
    course = student.course
    owed = owed_talks(student=student)
    given = _given_by(course, reviewer_ids=[student.pk]).get(student.pk, {})
    items = []
    for item in owed:
        session = item.session
        items.append(
            TodoItem(
                talk=item.talk,
                opens=window_opens(session),
                closes=window_closes(session),
                state=window_state(session, now),
                feedback=given.get(item.talk.pk),
                excused=item.excused,
            )
        )
    credit = None
    if student.role == Role.STUDENT and not student.is_withdrawn:
        credit = _credit(course=course, student=student, owed=owed, given=given, now=now)
    return StudentFeedback(
        todo=[i for i in items if i.state == "open" and not i.given and not i.excused],
        upcoming=[i for i in items if i.state == "upcoming" and not i.excused],
        all=items,
        credit=credit,
    )


def feedback_todo_count(*, student: Enrollment, now: dt.datetime) -> int:
    return len(student_feedback(student=student, now=now).todo)


def feedback_given_by(*, reviewer: Enrollment) -> list[Feedback]:
    """Everything this member gave, newest session first, with its ratings (two queries)."""
    rows = list(
        Feedback.objects.filter(reviewer=reviewer)
        .select_related(
            "presentation__slot__meeting", "presentation__paper", "presentation__student__user"
        )
        .prefetch_related(
            Prefetch(
                "ratings",
                FeedbackRating.objects.select_related("question").order_by(
                    "question__position", "question__key"
                ),
            )
        )
        .order_by("-presentation__slot__meeting__date", "presentation__slot__position")
    )
    for feedback in rows:
        if feedback.presentation.slot is not None:
            feedback.presentation.slot.meeting.course = reviewer.course
    return rows


@dataclass
class ReceivedComment:
    text: str
    reviewer_name: str = ""  # only when the course's feedback is named


@dataclass
class ReceivedTalk:
    talk: Presentation
    released: bool
    aggregate: TalkAggregate | None  # None until released
    comments: list[ReceivedComment] = field(default_factory=list)
    reviews: int = 0
    min_reviews: int = 0
    window_closes: dt.datetime | None = None


def received_feedback(*, student: Enrollment, now: dt.datetime) -> list[ReceivedTalk]:
    """The feedback on this student's own booked talks, as the presenter may see it: nothing
    before release; then per question the aggregate, and the comments in alphabetical order
    (so their order says nothing of who wrote them or when), named only when the course's
    feedback is named. Six queries."""
    course = student.course
    talks = [
        talk
        for talk in booked_talks(course=course, active_only=False)
        if talk.student_id == student.pk
    ]
    if not talks:
        return []
    aggregates = peer_aggregates(course=course, now=now, talks=talks)
    named = course.feedback_anonymity == Course.FeedbackAnonymity.NAMED
    comments: dict[int, list[ReceivedComment]] = defaultdict(list)
    released_ids = [talk.pk for talk in talks if aggregates[talk.pk].released]
    if released_ids:
        rows = (
            Feedback.objects.filter(presentation_id__in=released_ids, hidden=False, by_staff=False)
            .exclude(comment="")
            .select_related("reviewer__user")
        )
        for feedback in rows:
            name = ""
            if named:
                user = feedback.reviewer.user
                name = user.get_full_name() or user.get_username()
            comments[feedback.presentation_id].append(ReceivedComment(feedback.comment, name))
    result = []
    for talk in talks:
        aggregate = aggregates[talk.pk]
        result.append(
            ReceivedTalk(
                talk=talk,
                released=aggregate.released,
                aggregate=aggregate if aggregate.released else None,
                comments=sorted(comments.get(talk.pk, []), key=lambda c: (c.text, c.reviewer_name)),
                reviews=aggregate.reviews if aggregate.released else 0,
                min_reviews=course.min_reviews,
                window_closes=window_closes(talk.slot.meeting),
            )
        )
    return result


# --- the staff's pages --------------------------------------------------------------------


@dataclass
class ReviewRow:
    feedback: Feedback
    ratings: dict[str, int]


@dataclass
class SessionTalk:
    talk: Presentation
    aggregate: TalkAggregate
    reviews: list[ReviewRow]  # peer reviews, hidden ones included (flagged)
    staff: list[ReviewRow]
    owed_by: int  # students who owe feedback on it (excused ones not counted)

    @property
    def under_min(self) -> bool:
        return self.aggregate.reviews < self.talk.course.min_reviews


@dataclass
class SessionFeedback:
    session: Meeting
    opens: dt.datetime
    closes: dt.datetime
    state: str
    released: bool
    talks: list[SessionTalk]
    questions: list[FeedbackQuestion]


def presentation_sessions(*, course: Course) -> list[Meeting]:
    sessions = list(Meeting.objects.for_course(course).presentation_sessions().order_by("date"))
    for session in sessions:
        session.course = course
    return sessions


def session_feedback(*, course: Course, session: Meeting, now: dt.datetime) -> SessionFeedback:
    """One session's talks for staff: aggregates, spread and flags, and every review with
    its reviewer (a fixed number of queries whatever the class size)."""
    all_talks = booked_talks(course=course)
    talks = [talk for talk in all_talks if talk.slot.meeting_id == session.pk]
    questions = _questions(course)
    aggregates = peer_aggregates(course=course, now=now, talks=talks)
    owing = _owing(course=course, talks=all_talks)
    owed_count: dict[int, int] = defaultdict(int)
    for student in _active_students(course):
        for item in owing.owed(student):
            if not item.excused:
                owed_count[item.talk.pk] += 1
    rows = (
        Feedback.objects.filter(presentation__in=[t.pk for t in talks])
        .select_related("reviewer__user", "hidden_by")
        .prefetch_related(Prefetch("ratings", FeedbackRating.objects.select_related("question")))
        .order_by("reviewer__user__last_name", "reviewer__user__username")
    )
    peer: dict[int, list[ReviewRow]] = defaultdict(list)
    staff: dict[int, list[ReviewRow]] = defaultdict(list)
    for feedback in rows:
        row = ReviewRow(feedback, {r.question.key: r.value for r in feedback.ratings.all()})
        (staff if feedback.by_staff else peer)[feedback.presentation_id].append(row)
    released = _released_sessions(course)
    return SessionFeedback(
        session=session,
        opens=window_opens(session),
        closes=window_closes(session),
        state=window_state(session, now),
        released=session_released(
            course=course, session=session, released_sessions=released, now=now
        ),
        talks=[
            SessionTalk(
                talk=talk,
                aggregate=aggregates[talk.pk],
                reviews=peer.get(talk.pk, []),
                staff=staff.get(talk.pk, []),
                owed_by=owed_count.get(talk.pk, 0),
            )
            for talk in talks
        ],
        questions=questions,
    )


@dataclass
class SessionSummary:
    session: Meeting
    state: str
    closes: dt.datetime
    talks: int
    reviews: int
    flagged: int
    under_min: int
    released: bool


def sessions_overview(*, course: Course, now: dt.datetime) -> list[SessionSummary]:
    """Every presentation session with its review counts and flags (five queries)."""
    sessions = presentation_sessions(course=course)
    talks = booked_talks(course=course)
    aggregates = peer_aggregates(course=course, now=now, talks=talks)
    released = _released_sessions(course)
    by_session: dict[int, list[Presentation]] = defaultdict(list)
    for talk in talks:
        by_session[talk.slot.meeting_id].append(talk)
    result = []
    for session in sessions:
        mine = [aggregates[talk.pk] for talk in by_session.get(session.pk, [])]
        result.append(
            SessionSummary(
                session=session,
                state=window_state(session, now),
                closes=window_closes(session),
                talks=len(mine),
                reviews=sum(a.reviews for a in mine),
                flagged=sum(1 for a in mine if a.disagreement),
                under_min=sum(1 for a in mine if a.reviews < course.min_reviews),
                released=session_released(
                    course=course, session=session, released_sessions=released, now=now
                ),
            )
        )
    return result


@dataclass
class StudentCreditRow:
    student: Enrollment
    credit: FeedbackCredit


def students_credit(*, course: Course, now: dt.datetime) -> list[StudentCreditRow]:
    """Every active student with their credit, for the staff (five queries)."""
    credit = feedback_credit(course=course, now=now)
    return [StudentCreditRow(student, credit[student.pk]) for student in _active_students(course)]
