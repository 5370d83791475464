"""Scope `assigned` (balance, no self-review, determinism, re-runs) and the reminders."""

import datetime as dt
from collections import Counter

import pytest
from django.core import mail
from django.core.management import call_command

from courseapp.models import AuditEntry, Course
from presentations import feedback_selectors as fs
from presentations.feedback_services import (
    FeedbackError,
    feedback_excuse,
    feedback_submit,
    review_assignments_allocate,
)
from presentations.models import FeedbackReminder, ReviewAssignment
from tests.presentations.feedback.conftest import HK, SCORES, book, session_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned_course(course):
    course.feedback_scope = Course.FeedbackScope.ASSIGNED
    course.feedback_reviews_per_student = 3
    course.feedback_assignment_seed = 7
    course.save()
    return course


def class_with_talks(make_students, count=20):
    students = make_students(count)
    talks = [
        book(students[0], 1, 1, "t1"),
        book(students[1], 1, 2, "t2"),
        book(students[2], 2, 1, "t3"),
        book(students[3], 3, 1, "i1"),
        book(students[4], 3, 2, "i2"),
        book(students[5], 4, 1, "i3"),
        book(students[6], 4, 2, "i4"),
    ]
    return students, talks


def allocation(course):
    return sorted(
        ReviewAssignment.objects.filter(course=course).values_list("reviewer_id", "presentation_id")
    )


def test_each_talk_gets_an_even_share_and_no_one_their_own(assigned_course, make_students):
    students, talks = class_with_talks(make_students)
    report = review_assignments_allocate(course=assigned_course, actor=None, via="command")
    pairs = allocation(assigned_course)
    assert report.created == len(pairs) == 20 * 3
    per_talk = Counter(talk for _, talk in pairs)
    assert set(per_talk) == {talk.pk for talk in talks}
    assert max(per_talk.values()) - min(per_talk.values()) <= 1
    per_reviewer = Counter(reviewer for reviewer, _ in pairs)
    assert set(per_reviewer.values()) == {3}
    presenter = {talk.pk: talk.student_id for talk in talks}
    assert all(presenter[talk] != reviewer for reviewer, talk in pairs)
    assert AuditEntry.objects.filter(action="feedback.allocate").count() == 1


def test_presenters_review_their_own_category_where_possible(assigned_course, make_students):
    students, talks = class_with_talks(make_students)
    assigned_course.feedback_reviews_per_student = 1
    assigned_course.save()
    review_assignments_allocate(course=assigned_course, actor=None, via="command")
    category = {talk.pk: fs._category_of(talk) for talk in talks}
    own = {talk.student_id: category[talk.pk] for talk in talks}
    same = [category[t] == own[r] for r, t in allocation(assigned_course) if r in own]
    assert all(same)


def test_the_allocation_is_deterministic_for_a_seed(assigned_course, make_students):
    class_with_talks(make_students)
    review_assignments_allocate(course=assigned_course, actor=None, via="command")
    first = allocation(assigned_course)
    ReviewAssignment.objects.all().delete()
    review_assignments_allocate(course=assigned_course, actor=None, via="command")
    assert allocation(assigned_course) == first
    ReviewAssignment.objects.all().delete()
    assigned_course.feedback_assignment_seed = 8
    assigned_course.save()
    review_assignments_allocate(course=assigned_course, actor=None, via="command")
    assert allocation(assigned_course) != first


def test_a_rerun_after_new_bookings_keeps_started_reviews(assigned_course, make_students):
    students, talks = class_with_talks(make_students)
    review_assignments_allocate(course=assigned_course, actor=None, via="command")
    reviewer = students[10]
    owed = fs.owed_talks(student=reviewer)
    assert len(owed) == 3
    started = owed[0].talk
    when = fs.window_opens(started.slot.meeting) + dt.timedelta(minutes=5)
    feedback_submit(
        reviewer=reviewer,
        presentation=started,
        scores=SCORES,
        comment="Good pacing",
        actor=None,
        via="page",
        now=when,
    )
    new_talk = book(students[7], 2, 2, "t4")
    report = review_assignments_allocate(course=assigned_course, actor=None, via="command")
    assert report.kept == 1
    pairs = allocation(assigned_course)
    assert (reviewer.pk, started.pk) in pairs
    per_talk = Counter(talk for _, talk in pairs)
    assert new_talk.pk in per_talk
    assert max(per_talk.values()) - min(per_talk.values()) <= 1


def test_allocation_is_for_the_assigned_scope_only(course):
    with pytest.raises(FeedbackError):
        review_assignments_allocate(course=course, actor=None, via="command")


# --- reminders ----------------------------------------------------------------------------


def remind(capture):
    with capture(execute=True), open("/dev/null", "w") as quiet:
        call_command("sendfeedbackreminders", stdout=quiet)


def test_reminders_are_sent_once_per_window(
    course, other_student, talks, time_machine, django_capture_on_commit_callbacks
):
    # Session 1's window closes 2025-09-12 11:50 HK: 20 hours before, bob owes two talks.
    time_machine.move_to(dt.datetime(2025, 9, 11, 15, 50, tzinfo=HK), tick=False)
    remind(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    assert "Training paper one" in mail.outbox[0].body
    assert "Fri 12 Sep 2025, 11:50" in mail.outbox[0].body
    remind(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert FeedbackReminder.objects.count() == 1


def test_no_reminder_when_excused_or_far_off(
    course, other_student, instructor, talks, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(dt.datetime(2025, 9, 10, 11, 0, tzinfo=HK), tick=False)  # 48 h left
    remind(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    bob = other_student.enrollments.get(course=course)
    bob.course = course
    feedback_excuse(
        student=bob, session=session_of(course, 1), reason="Away", actor=instructor, via="page"
    )
    time_machine.move_to(dt.datetime(2025, 9, 12, 0, 0, tzinfo=HK), tick=False)
    remind(django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_booking_deals_the_reviewers_again(assigned_course, make_students):
    from presentations.models import Slot
    from presentations.services import slot_sign_up

    students, talks = class_with_talks(make_students)
    review_assignments_allocate(course=assigned_course, actor=None, via="command")
    assigned_course.signup_opens_at = dt.datetime(2025, 9, 1, 9, 0, tzinfo=HK)
    assigned_course.save()
    students[8].course = assigned_course
    slot = Slot.objects.get(course=assigned_course, meeting__date=dt.date(2025, 9, 18), position=3)
    talk = slot_sign_up(
        student=students[8],
        slot=slot,
        actor=None,
        via="page",
        now=dt.datetime(2025, 9, 2, 9, 0, tzinfo=HK),
    )
    per_talk = Counter(t for _, t in allocation(assigned_course))
    assert per_talk[talk.pk] > 0
    assert max(per_talk.values()) - min(per_talk.values()) <= 1
