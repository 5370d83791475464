"""The course file cannot pull the floor from under bookings, waitlists or held papers."""

import pytest

from conftest import small_course_text
from courseapp.models import Enrollment
from courseapp.services import CourseLoadRefused, course_file_apply
from presentations.models import Paper, Presentation, Slot
from presentations.services import slot_sign_up, waitlist_join
from tests.presentations.conftest import BEFORE_FREEZE


def reload(text: str) -> list[str]:
    with pytest.raises(CourseLoadRefused) as caught:
        course_file_apply(text=text, actor=None, via="command")
    return caught.value.problems


def book(user, slot):
    return slot_sign_up(
        student=Enrollment.objects.get(user=user),
        slot=slot,
        actor=None,
        via="page",
        now=BEFORE_FREEZE,
    )


def test_a_booked_slot_keeps_its_category(student, slots):
    book(student, slots[0])
    text = small_course_text().replace(
        "category: training, slots: 2", "category: inference, slots: 2"
    )

    problems = reload(text)

    assert len(problems) == 1
    assert (
        "slot 1 of session 1 on 2025-09-09: its category cannot change under 1 booking"
        in problems[0]
    )
    assert Slot.objects.get(pk=slots[0].pk).category.key == "training"


def test_a_booked_slot_is_not_cut(student, slots):
    book(student, slots[1])
    text = small_course_text().replace("slots: 2, slot_minutes: 30}", "slots: 1, slot_minutes: 30}")

    problems = reload(text)

    assert (
        "slot 2 of session 1 on 2025-09-09 is no longer in the file, but it has 1 booking"
        in problems[0]
    )
    assert Presentation.objects.get(student__user=student).slot_id == slots[1].pk


def test_a_session_with_bookings_is_not_removed(student, slots):
    book(student, slots[0])
    text = small_course_text()
    text = text.replace(text[text.index("sessions:") : text.index("papers:")], "")

    problems = reload(text)

    assert any("it has 1 booking" in problem for problem in problems)


def test_a_capacity_below_the_bookings_is_refused(student, other_student, slots, course):
    two_seats = small_course_text().replace(
        "slots: 2, slot_minutes: 30}", "slots: 2, capacity: 2, slot_minutes: 30}"
    )
    course_file_apply(text=two_seats, actor=None, via="command")
    # The small file sets no sign-up opening; the load cleared the one the fixture set.
    course.save(update_fields=["signup_opens_at"])
    book(student, slots[0])
    book(other_student, slots[0])

    problems = reload(small_course_text())

    assert "capacity 1 is below its 2 bookings" in problems[0]
    assert Slot.objects.get(pk=slots[0].pk).capacity == 2


def test_a_held_paper_is_neither_deleted_nor_recategorised(student, zero):
    Presentation.objects.create(
        course=zero.course, student=Enrollment.objects.get(user=student), paper=zero
    )
    dropped = small_course_text().replace(
        '  - {key: zero, title: "ZeRO", category: training, year: 2020}\n', ""
    )
    moved = small_course_text().replace(
        'key: zero, title: "ZeRO", category: training',
        'key: zero, title: "ZeRO", category: inference',
    )

    assert "a student presents it" in reload(dropped)[0]
    assert "its category cannot change" in reload(moved)[0]
    assert Paper.objects.get(pk=zero.pk).category.key == "training"


def test_a_session_with_a_waitlist_keeps_its_slots(student, make_students, slots, session):
    for person, slot in zip(make_students(2), slots, strict=True):
        slot_sign_up(student=person, slot=slot, actor=None, via="page", now=BEFORE_FREEZE)
    waitlist_join(
        student=Enrollment.objects.get(user=student),
        session=session,
        actor=None,
        via="page",
        now=BEFORE_FREEZE,
    )
    text = small_course_text()
    text = text.replace(text[text.index("sessions:") : text.index("papers:")], "")

    problems = reload(text)

    assert any("wait for its session" in problem for problem in problems)


def test_an_approved_proposal_survives_every_load(student, course, instructor):
    from presentations.services import proposal_decide, proposal_submit

    course.proposals_allowed = True
    course.save()
    proposal = proposal_submit(
        student=Enrollment.objects.get(user=student),
        title="Mine",
        authors="",
        url="",
        category=course.categories.first(),
        actor=student,
        via="page",
    )
    proposal_decide(proposal=proposal, approve=True, actor=instructor, via="admin")

    report = course_file_apply(text=small_course_text(), actor=None, via="command")

    assert Paper.objects.filter(title="Mine", proposed_for__isnull=False).exists()
    assert not report.deleted
