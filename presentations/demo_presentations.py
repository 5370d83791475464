"""Demo activity of papers and slots, made through the services as a real class would.

The archive course (the syllabus's 2025 term, over): every student ranked papers, the
instructor assigned them, and every talk was booked and given. The live course (today in
week 10): rankings in and papers assigned; the first four sessions presented; later ones
partly booked; one full session with a waitlist; one swap asked; one proposal waiting for a
decision; and student01 with a paper (inference) but no slot yet, free to book one in
session 6 today, and owing feedback on the inference sessions already held.
"""

import datetime as dt

from courseapp.audit import Via
from courseapp.models import Course, Enrollment
from presentations.models import Category, Paper, Presentation, Slot
from presentations.services import (
    papers_assign,
    preferences_set,
    proposal_submit,
    slot_sign_up,
    swap_request,
    waitlist_join,
)
from schedule.models import Meeting

# Which demo students (by number) present in which category: student01 is in inference,
# whose last session (6, on Thursday of week 10) is left free for her to book today, and
# whose earlier sessions (4, 5) she owes feedback on.
INTERESTS = {
    "agents": [9, 6, 11, 16, 21],
    "adaptation": [2, 7, 12, 17, 22],
    "inference": [3, 8, 13, 18, 23, 4, 1],
    "training": [14, 19, 24, 5, 10, 15, 20],
}
RANKED = 5

# Session number -> how many of its category's students book it, in order.
ARCHIVE_BOOKINGS = {1: 3, 2: 3, 3: 1, 4: 3, 5: 3, 6: 1, 7: 3, 8: 2, 9: 3, 10: 2}
# The live course: sessions 1-4 are over; 7 is full with one student waiting for it;
# student01 (inference) and the last two students of agents have no slot yet.
LIVE_BOOKINGS = {1: 3, 2: 3, 3: 1, 4: 3, 5: 3, 6: 0, 7: 3, 8: 1, 9: 2, 10: 1}
LIVE_WAITING = {7: 1}  # session -> students of its category who wait rather than book
LIVE_UNBOOKED = {"inference": [1], "agents": [21]}


def _students(course: Course) -> dict[int, Enrollment]:
    return {
        int(e.user.username.removeprefix("student")): e
        for e in Enrollment.objects.for_course(course)
        .students()
        .select_related("user", "course")
        .filter(user__username__startswith="student")
    }


def _rank(course: Course, students: dict[int, Enrollment], now: dt.datetime) -> None:
    """Each student ranks five papers of their category, overlapping with their neighbours'
    so that the assignment has conflicts to resolve."""
    papers = {
        category.key: list(Paper.objects.from_file().filter(category=category).order_by("key"))
        for category in Category.objects.for_course(course)
    }
    for key, numbers in INTERESTS.items():
        pool = papers[key]
        for position, number in enumerate(numbers):
            start = (position * 2) % len(pool)
            choice = [pool[(start + offset) % len(pool)].pk for offset in range(RANKED)]
            preferences_set(
                student=students[number], paper_ids=choice, actor=None, via=Via.COMMAND, now=now
            )


def _book(
    course: Course,
    students: dict[int, Enrollment],
    plan: dict[int, int],
    now: dt.datetime,
    unbooked: dict[str, list[int]] | None = None,
    waiting: dict[int, int] | None = None,
) -> None:
    """Book each category's students, in order, into its sessions as `plan` says."""
    unbooked, waiting = unbooked or {}, waiting or {}
    sessions = (
        Meeting.objects.for_course(course)
        .filter(kind=Meeting.Kind.PRESENTATION)
        .select_related("course")
        .order_by("session_number")
    )
    queues = {
        key: [n for n in numbers if n not in unbooked.get(key, [])]
        for key, numbers in INTERESTS.items()
    }
    for session in sessions:
        slots = list(Slot.objects.filter(meeting=session).select_related("category"))
        if not slots or slots[0].category is None:
            continue
        queue = queues[slots[0].category.key]
        for slot in slots[: plan.get(session.session_number, 0)]:
            slot_sign_up(
                student=students[queue.pop(0)], slot=slot, actor=None, via=Via.COMMAND, now=now
            )
        for _ in range(waiting.get(session.session_number, 0)):
            waitlist_join(
                student=students[queue.pop(0)],
                session=session,
                actor=None,
                via=Via.COMMAND,
                now=now + dt.timedelta(hours=1),
            )


def demo_presentations(*, archive: Course, live: Course, now: dt.datetime) -> None:
    """Fill both demo courses once: a course that has talks already is left as it is."""
    for course, plan, extras in (
        (archive, ARCHIVE_BOOKINGS, {}),
        (live, LIVE_BOOKINGS, {"unbooked": LIVE_UNBOOKED, "waiting": LIVE_WAITING}),
    ):
        if Presentation.objects.for_course(course).exists():
            continue
        students = _students(course)
        opens = course.signup_opens_at
        _rank(course, students, now=opens)
        papers_assign(course=course, actor=None, via=Via.COMMAND)
        _book(course, students, plan, now=opens + dt.timedelta(days=1), **extras)
        if course == live:
            _live_extras(live, students, now=now)


def _live_extras(course: Course, students: dict[int, Enrollment], *, now: dt.datetime) -> None:
    # A swap asked yesterday: session 9's second presenter would rather present in session 10.
    asker = Presentation.objects.get(student=students[INTERESTS["agents"][1]])
    target = Presentation.objects.get(student=students[INTERESTS["agents"][2]])
    swap_request(
        student=asker.student,
        target=target,
        actor=None,
        via=Via.COMMAND,
        now=now - dt.timedelta(days=1),
    )
    proposal_submit(
        student=students[2],
        title="FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning",
        authors="Tri Dao",
        url="https://arxiv.org/abs/2307.08691",
        category=Category.objects.get(course=course, key="inference"),
        actor=None,
        via=Via.COMMAND,
    )
