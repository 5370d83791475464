"""Builders for peer-feedback tests: a course with four presentation sessions.

`course` here (it replaces the root conftest's, so the cast belongs to it) is the course
`fb-seminar` in Hong Kong, meetings 10:30-11:50, feedback window 72 hours, min_reviews 2:

- session 1, Tue 2025-09-09, training, 3 slots; session 2, Thu 2025-09-11, training, 3 slots
- session 3, Tue 2025-09-16, inference, 3 slots; session 4, Thu 2025-09-18, inference, 3 slots

Feedback on session 1 opens 2025-09-09 10:30 HK and closes 2025-09-12 11:50 HK.
"""

import datetime as dt
import zoneinfo

import pytest

from conftest import enrol, load_course_text, make_user
from courseapp.models import Enrollment, Role
from presentations.models import Paper, Presentation, Slot
from schedule.models import Meeting

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")
S1_OPENS = dt.datetime(2025, 9, 9, 10, 30, tzinfo=HK)
S1_CLOSES = dt.datetime(2025, 9, 12, 11, 50, tzinfo=HK)
DURING_S1 = dt.datetime(2025, 9, 10, 12, 0, tzinfo=HK)
AFTER_ALL = dt.datetime(2025, 10, 1, 12, 0, tzinfo=HK)

FEEDBACK_COURSE = """
course:
  code: fb-seminar
  title: Feedback Seminar
  term: Autumn 2025
  time_zone: Asia/Hong_Kong
  meeting_time: 10:30-11:50
policies:
  feedback_window_hours: 72
  min_reviews: 2
  feedback_comment_min_length: 5
categories:
  - {key: training, name: Training}
  - {key: inference, name: Inference}
weeks:
  - number: 1
    starts: 2025-09-08
    meetings:
      - {date: 2025-09-09, kind: presentation, topic: Presentation Session-1}
      - {date: 2025-09-11, kind: presentation, topic: Presentation Session-2}
  - number: 2
    starts: 2025-09-15
    meetings:
      - {date: 2025-09-16, kind: presentation, topic: Presentation Session-3}
      - {date: 2025-09-18, kind: presentation, topic: Presentation Session-4}
sessions:
  - {number: 1, date: 2025-09-09, category: training, slots: 3, slot_minutes: 25}
  - {number: 2, date: 2025-09-11, category: training, slots: 3, slot_minutes: 25}
  - {number: 3, date: 2025-09-16, category: inference, slots: 3, slot_minutes: 25}
  - {number: 4, date: 2025-09-18, category: inference, slots: 3, slot_minutes: 25}
papers:
  - {key: t1, title: "Training paper one", category: training}
  - {key: t2, title: "Training paper two", category: training}
  - {key: t3, title: "Training paper three", category: training}
  - {key: t4, title: "Training paper four", category: training}
  - {key: t5, title: "Training paper five", category: training}
  - {key: t6, title: "Training paper six", category: training}
  - {key: i1, title: "Inference paper one", category: inference}
  - {key: i2, title: "Inference paper two", category: inference}
  - {key: i3, title: "Inference paper three", category: inference}
  - {key: i4, title: "Inference paper four", category: inference}
  - {key: i5, title: "Inference paper five", category: inference}
  - {key: i6, title: "Inference paper six", category: inference}
feedback_questions:
  - {key: organisation, label: Organisation, scale: [1, 5]}
  - {key: answering, label: Answering questions, scale: [1, 5]}
grading:
  presentation:
    name: Presentation
    points: 30
    children:
      - {key: organisation, name: Organisation, points: 25, source: blend, peer_share: 0.7,
         questions: [organisation]}
      - {key: feedback-given, name: Feedback given, points: 5, source: feedback_given}
  report:
    name: Report
    points: 70
    children:
      - {key: review, name: Literature review, points: 70, source: instructor}
"""


@pytest.fixture
def course(db):
    return load_course_text(FEEDBACK_COURSE)


def session_of(course, number: int) -> Meeting:
    session = Meeting.objects.get(
        course=course, kind=Meeting.Kind.PRESENTATION, date=SESSION_DATES[number]
    )
    session.course = course
    return session


SESSION_DATES = {
    1: dt.date(2025, 9, 9),
    2: dt.date(2025, 9, 11),
    3: dt.date(2025, 9, 16),
    4: dt.date(2025, 9, 18),
}


def enrolment(user, course) -> Enrollment:
    enrollment = Enrollment.objects.select_related("user").get(user=user, course=course)
    enrollment.course = course
    return enrollment


def book(enrollment: Enrollment, session: int, position: int, paper_key: str) -> Presentation:
    """The student's talk, booked straight into a slot (the booking rules are not tested here)."""
    course = enrollment.course
    slot = Slot.objects.get(course=course, meeting__date=SESSION_DATES[session], position=position)
    talk = Presentation.objects.create(
        course=course,
        student=enrollment,
        paper=Paper.objects.get(course=course, key=paper_key),
        slot=slot,
    )
    Slot.objects.filter(pk=slot.pk).update(booked=slot.booked + 1)
    return talk


@pytest.fixture
def make_students(course):
    def make(count: int, prefix: str = "s") -> list[Enrollment]:
        made = []
        for n in range(count):
            e = enrol(
                make_user(f"{prefix}{n:03d}", first_name=f"First{n}", last_name=f"Last{n}"),
                course,
                Role.STUDENT,
                student_id=f"{prefix.upper()}{n:04d}",
            )
            e.course = course
            made.append(e)
        return made

    return make


@pytest.fixture
def talks(course, student, other_student, make_students):
    """alice presents t1 in session 1; bob t2 in session 2; carol t3 in session 1 (slot 2);
    dave i1 in session 3. Returns the talks by presenter name."""
    carol, dave = make_students(2, prefix="x")
    return {
        "alice": book(enrolment(student, course), 1, 1, "t1"),
        "carol": book(carol, 1, 2, "t3"),
        "bob": book(enrolment(other_student, course), 2, 1, "t2"),
        "dave": book(dave, 3, 1, "i1"),
    }


SCORES = {"organisation": 4, "answering": 5}
