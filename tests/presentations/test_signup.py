"""Slot sign-up, drops, the waitlist and staff moves: the rules, one refusal at a time."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from courseapp.models import AuditEntry, Enrollment
from presentations.models import Presentation, Slot, WaitlistEntry
from presentations.services import (
    PresentationError,
    booking_move,
    slot_drop,
    slot_sign_up,
    waitlist_join,
    waitlist_leave,
)
from tests.presentations.conftest import AFTER_FREEZE, BEFORE_FREEZE


def enrolment(user) -> Enrollment:
    return Enrollment.objects.select_related("course", "user").get(user=user)


def sign_up(user, slot, now=BEFORE_FREEZE, **kwargs):
    return slot_sign_up(
        student=enrolment(user), slot=slot, actor=user, via="page", now=now, **kwargs
    )


def refused(code: str, call, *args, **kwargs):
    with pytest.raises(PresentationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def booked(slot) -> int:
    return Slot.objects.get(pk=slot.pk).booked


def test_a_student_books_a_free_slot(student, slots, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        talk = sign_up(student, slots[0])

    assert (talk.slot, talk.number, talk.booked_at) == (slots[0], 1, BEFORE_FREEZE)
    assert booked(slots[0]) == 1
    entry = AuditEntry.objects.exclude(action="course_file.load").get(action="booking.create")
    assert (entry.actor, entry.via) == (student, "page")
    assert [m.subject for m in mail.outbox] == ["seminar: you are booked to present"]
    assert mail.outbox[0].to == ["alice@example.org"]


def test_a_full_slot_is_refused_and_nothing_changes(student, other_student, slots):
    sign_up(student, slots[0])

    refused("slot_full", sign_up, other_student, slots[0])

    assert booked(slots[0]) == 1
    assert not Presentation.objects.filter(student__user=other_student, slot__isnull=False)


def test_a_second_booking_for_one_talk_is_refused(student, slots):
    sign_up(student, slots[0])

    error = refused("already_booked", sign_up, student, slots[1])

    assert "session 1" in error.message
    assert booked(slots[1]) == 0


def test_before_sign_up_opens_and_after_the_freeze_booking_is_refused(student, slots, course):
    import datetime as dt

    refused(
        "signup_not_open",
        sign_up,
        student,
        slots[0],
        now=course.signup_opens_at - dt.timedelta(seconds=1),
    )
    error = refused("signup_closed", sign_up, student, slots[0], now=AFTER_FREEZE)
    assert "24 hours before it starts" in error.message


def test_the_freeze_is_exact_to_the_second(student, slots, session):
    from presentations.services import signup_freeze

    freeze = signup_freeze(session)
    import datetime as dt

    refused("signup_closed", sign_up, student, slots[0], now=freeze)
    assert sign_up(student, slots[0], now=freeze - dt.timedelta(seconds=1)).slot == slots[0]


def test_a_course_without_an_opening_never_opens(student, slots, course):
    course.signup_opens_at = None
    course.save()

    refused("signup_not_open", sign_up, student, slots[0])


@pytest.mark.parametrize("who", ["ta", "instructor"])
def test_only_students_book(request, who, slots):
    refused("not_student", sign_up, request.getfixturevalue(who), slots[0])


def test_a_withdrawn_student_cannot_book(student, slots):
    Enrollment.objects.filter(user=student).update(status="withdrawn")

    refused("withdrawn", sign_up, student, slots[0])


def test_a_slot_of_another_course_is_refused(student, other_course):
    other_slot = Slot.objects.filter(course=other_course).first()

    refused("no_such_slot", sign_up, student, other_slot)


def test_a_paper_of_another_category_keeps_the_student_out(student, slots, vllm):
    Presentation.objects.create(course=vllm.course, student=enrolment(student), paper=vllm)

    error = refused("wrong_category", sign_up, student, slots[0])

    assert "Inference" in error.message


def test_the_category_rule_is_a_course_policy(student, slots, vllm, course):
    course.signup_category_must_match = False
    course.save()
    Presentation.objects.create(course=course, student=enrolment(student), paper=vllm)

    assert sign_up(student, slots[0]).slot == slots[0]


def test_a_student_with_two_talks_books_two_slots(student, slots, course):
    course.talks_by_section = {"phd": 2}
    course.save()
    Enrollment.objects.filter(user=student).update(section="phd")

    first, second = sign_up(student, slots[0]), sign_up(student, slots[1])

    assert (first.number, second.number) == (1, 2)
    refused("already_booked", sign_up, student, slots[1])


def test_drop_frees_the_seat(student, slots, django_capture_on_commit_callbacks):
    sign_up(student, slots[0])

    with django_capture_on_commit_callbacks(execute=True):
        promoted = slot_drop(
            student=enrolment(student), slot=slots[0], actor=student, via="api", now=BEFORE_FREEZE
        )

    assert promoted is None
    assert booked(slots[0]) == 0
    assert Presentation.objects.get(student__user=student).slot is None
    assert mail.outbox[-1].subject == "seminar: your slot is dropped"


def test_drop_after_the_freeze_or_without_a_booking_is_refused(student, slots):
    refused(
        "not_booked",
        slot_drop,
        student=enrolment(student),
        slot=slots[0],
        actor=student,
        via="api",
        now=BEFORE_FREEZE,
    )
    sign_up(student, slots[0])
    refused(
        "signup_closed",
        slot_drop,
        student=enrolment(student),
        slot=slots[0],
        actor=student,
        via="api",
        now=AFTER_FREEZE,
    )
    assert booked(slots[0]) == 1


# --- waitlist -----------------------------------------------------------------------------


@pytest.fixture
def full_session(slots, make_students):
    first, second = make_students(2, prefix="booked")
    for person, slot in zip((first, second), slots, strict=True):
        slot_sign_up(student=person, slot=slot, actor=None, via="page", now=BEFORE_FREEZE)
    return first, second


def join(user, session, now=BEFORE_FREEZE):
    return waitlist_join(student=enrolment(user), session=session, actor=user, via="page", now=now)


def test_a_student_waits_for_a_full_session_and_gets_the_freed_seat(
    student, other_student, session, slots, full_session, django_capture_on_commit_callbacks
):
    join(student, session)
    join(other_student, session)

    with django_capture_on_commit_callbacks(execute=True):
        promoted = slot_drop(
            student=full_session[0], slot=slots[0], actor=None, via="page", now=BEFORE_FREEZE
        )

    assert promoted.student.user == student  # first come, first served
    assert promoted.slot == slots[0]
    assert booked(slots[0]) == 1
    assert list(
        WaitlistEntry.objects.values_list("presentation__student__user__username", flat=True)
    ) == ["bob"]
    assert AuditEntry.objects.filter(action="booking.promote").count() == 1
    assert "a seat freed up" in mail.outbox[-1].subject
    assert mail.outbox[-1].to == ["alice@example.org"]


def test_a_waiting_student_who_was_withdrawn_is_skipped(
    student, other_student, session, slots, full_session
):
    join(student, session)
    join(other_student, session)
    Enrollment.objects.filter(user=student).update(status="withdrawn")

    promoted = slot_drop(
        student=full_session[0], slot=slots[0], actor=None, via="page", now=BEFORE_FREEZE
    )

    assert promoted.student.user == other_student
    assert not WaitlistEntry.objects.exists()


def test_waiting_for_a_session_with_free_seats_is_refused(student, session, slots):
    refused("seats_free", join, student, session)


def test_waiting_twice_or_leaving_without_waiting_is_refused(student, session, full_session):
    join(student, session)
    refused("already_waiting", join, student, session)
    waitlist_leave(student=enrolment(student), session=session, actor=student, via="page")
    refused(
        "not_waiting",
        waitlist_leave,
        student=enrolment(student),
        session=session,
        actor=student,
        via="page",
    )


# --- staff moves --------------------------------------------------------------------------


def test_staff_move_a_talk_past_the_window_and_category_with_a_reason(
    student, instructor, slots, vllm
):
    talk = sign_up(student, slots[0])
    Presentation.objects.filter(pk=talk.pk).update(paper=vllm)  # now the wrong category

    moved = booking_move(
        talk=talk, slot=slots[1], actor=instructor, via="admin", reason="Clash", now=AFTER_FREEZE
    )

    assert moved.slot == slots[1]
    assert (booked(slots[0]), booked(slots[1])) == (0, 1)
    entry = AuditEntry.objects.exclude(action="course_file.load").get(action="booking.move")
    assert (entry.reason, entry.old, entry.new) == (
        "Clash",
        {"slot": slots[0].pk},
        {"slot": slots[1].pk},
    )


def test_staff_moves_never_overbook(student, other_student, instructor, slots):
    sign_up(student, slots[0])
    talk = sign_up(other_student, slots[1])

    refused(
        "slot_full",
        booking_move,
        talk=talk,
        slot=slots[0],
        actor=instructor,
        via="admin",
        reason="x",
    )
    refused(
        "reason_required",
        booking_move,
        talk=talk,
        slot=None,
        actor=instructor,
        via="admin",
        reason=" ",
    )
    assert (booked(slots[0]), booked(slots[1])) == (1, 1)


# --- the database's own guarantees --------------------------------------------------------


def test_the_database_refuses_an_overbooked_slot(slots):
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slots[0].pk).update(booked=2)


def test_the_database_refuses_two_talks_on_one_paper(student, other_student, zero):
    Presentation.objects.create(course=zero.course, student=enrolment(student), paper=zero)

    with pytest.raises(IntegrityError), transaction.atomic():
        Presentation.objects.create(
            course=zero.course, student=enrolment(other_student), paper=zero
        )


def test_the_database_refuses_two_rows_for_one_talk(student, course):
    Presentation.objects.create(course=course, student=enrolment(student), number=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Presentation.objects.create(course=course, student=enrolment(student), number=1)
