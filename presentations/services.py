"""Writes of papers and presentation slots: claims, preferences, proposals, sign-up, drops,
the waitlist, swaps and staff moves.

Every function checks its rules first and raises a `PresentationError` (a DomainError with a
code: `slot_full`, `signup_closed`, ...) that changes nothing, then writes the change and its
audit entry in one transaction.

Capacity is protected in three layers: the rows that decide an outcome are locked
(`select_for_update`) in a fixed order, slots before students, each in id order, so that two
transactions never wait for each other in a circle; every rule is checked again under those
locks; and the database itself refuses a second row for one talk, a second talk on one paper
and a slot booked beyond its capacity (`Slot.booked <= capacity`). On SQLite, where there are
no row locks, every writing transaction takes the database's write lock when it starts
(`transaction_mode: IMMEDIATE` in the settings), which serialises them.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from courseapp.audit import audit_entry, audit_record, audit_record_many
from courseapp.dates import format_day, format_moment
from courseapp.errors import DomainError
from courseapp.locks import LockedWrite
from courseapp.models import Course, Enrollment, Role
from courseapp.notify import email_on_commit
from presentations.models import (
    Paper,
    PaperPreference,
    PaperProposal,
    Presentation,
    Slot,
    SwapRequest,
    WaitlistEntry,
)
from schedule.models import Meeting


class PresentationError(DomainError):
    """A rule of papers or slots refused the action."""


# --- time windows -------------------------------------------------------------------------


def session_start(session: Meeting) -> dt.datetime:
    return session.begins_at


def signup_freeze(session: Meeting) -> dt.datetime:
    """The moment a session's slots close to booking, dropping and swapping."""
    return session_start(session) - dt.timedelta(hours=session.course.signup_freeze_hours)


def signup_open(*, course: Course, session: Meeting, now: dt.datetime) -> bool:
    opens = course.signup_opens_at
    return opens is not None and opens <= now < signup_freeze(session)


def _check_window(course: Course, session: Meeting, now: dt.datetime) -> None:
    opens = course.signup_opens_at
    if opens is None or now < opens:
        when = f" It opens {_local(opens, course)}." if opens else ""
        raise PresentationError("signup_not_open", f"Slot sign-up is not open yet.{when}")
    freeze = signup_freeze(session)
    if now >= freeze:
        raise PresentationError(
            "signup_closed",
            f"Session {session.session_number} closed to changes at {_local(freeze, course)} "
            f"({course.signup_freeze_hours} hours before it starts).",
        )


def _local(moment: dt.datetime, course: Course) -> str:
    return format_moment(moment, course)


# --- locks --------------------------------------------------------------------------------


def _lock_slots(slot_ids: Iterable[int]) -> dict[int, Slot]:
    ids = sorted(set(slot_ids))
    rows = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__course", "category", "course")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {slot.pk: slot for slot in rows}


def _lock_students(enrollment_ids: Iterable[int]) -> dict[int, Enrollment]:
    ids = sorted(set(enrollment_ids))
    rows = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("user", "course")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {enrollment.pk: enrollment for enrollment in rows}


def _locked(busy_message: str = "Many people are changing bookings right now.") -> LockedWrite:
    return LockedWrite(PresentationError, busy_message)


# --- students and their talks -------------------------------------------------------------


def _check_student(enrollment: Enrollment | None) -> Enrollment:
    if enrollment is None or enrollment.role != Role.STUDENT:
        raise PresentationError("not_student", "Only students of the course do this.")
    if enrollment.is_withdrawn:
        raise PresentationError(
            "withdrawn", "You are withdrawn from this course, so you cannot book or change talks."
        )
    return enrollment


def talks_of(enrollment: Enrollment) -> list[Presentation]:
    """The student's talks, 1..N as the course's policy gives them, made when first needed.

    Call with the student's row locked (or inside a transaction that serialises writers).
    """
    wanted = enrollment.course.talks_for(enrollment)
    talks = {
        talk.number: talk
        for talk in Presentation.objects.filter(student=enrollment).select_related(
            "paper", "paper__category", "slot", "slot__meeting"
        )
    }
    for number in range(1, wanted + 1):
        if number not in talks:
            talks[number] = Presentation.objects.create(
                course=enrollment.course, student=enrollment, number=number
            )
    return [talks[number] for number in sorted(talks) if number <= wanted]


def _talk_for_slot(talks: list[Presentation], slot: Slot, number: int | None) -> Presentation:
    free = [talk for talk in talks if talk.slot_id is None]
    if number is not None:
        chosen = next((talk for talk in talks if talk.number == number), None)
        if chosen is None:
            raise PresentationError("no_such_talk", f"You do not give a talk number {number}.")
        if chosen.slot_id is not None:
            raise PresentationError("already_booked", f"Talk {number} already has a slot.")
        return chosen
    if not free:
        booked = talks[0].slot if len(talks) == 1 else None
        where = f" (session {booked.meeting.session_number})" if booked else ""
        raise PresentationError(
            "already_booked",
            f"You already have a slot{where}. Drop it first, or ask someone to swap.",
        )
    # Prefer the talk whose paper belongs in this session.
    return next(
        (talk for talk in free if talk.paper and talk.paper.category_id == slot.category_id),
        free[0],
    )


def _check_category(course: Course, talk: Presentation, slot: Slot) -> None:
    if not course.signup_category_must_match or talk.paper is None or slot.category_id is None:
        return
    if talk.paper.category_id != slot.category_id:
        raise PresentationError(
            "wrong_category",
            f"Your paper is in {talk.paper.category.name}; session "
            f"{slot.meeting.session_number} is for {slot.category.name}.",
        )


# --- booking ------------------------------------------------------------------------------


def _book(talk: Presentation, slot: Slot, now: dt.datetime) -> None:
    if slot.booked >= slot.capacity:
        raise PresentationError(
            "slot_full",
            "This slot is full. Join the session's waitlist to get the next free seat.",
        )
    Slot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    slot.booked += 1
    talk.slot, talk.booked_at = slot, now
    talk.save(update_fields=["slot", "booked_at"])
    # Booked now: waiting elsewhere for this talk is over.
    WaitlistEntry.objects.filter(presentation=talk).delete()


def _unbook(talk: Presentation, slot: Slot) -> None:
    Slot.objects.filter(pk=slot.pk).update(booked=F("booked") - 1)
    slot.booked -= 1
    talk.slot, talk.booked_at = None, None
    talk.save(update_fields=["slot", "booked_at"])
    # A swap asked for or offered on this slot can no longer happen.
    SwapRequest.objects.filter(status=SwapRequest.Status.PENDING).filter(requester=talk).update(
        status=SwapRequest.Status.WITHDRAWN, decided_at=timezone.now()
    )
    SwapRequest.objects.filter(status=SwapRequest.Status.PENDING, target=talk).update(
        status=SwapRequest.Status.WITHDRAWN, decided_at=timezone.now()
    )


def _reallocate_reviews(course: Course, *, actor, via: str) -> None:
    """Scope `assigned`: the set of booked talks changed, so the reviewers are dealt again
    in the same transaction (reviews already started are kept)."""
    if course.feedback_scope != Course.FeedbackScope.ASSIGNED:
        return
    from presentations.feedback_services import review_assignments_allocate

    review_assignments_allocate(course=course, actor=actor, via=via)


def _slot_label(slot: Slot) -> str:
    when = f" at {slot.starts_at:%H:%M}" if slot.starts_at else ""
    return (
        f"session {slot.meeting.session_number} on {format_day(slot.meeting.date)}, "
        f"slot {slot.position}{when}"
    )


def slot_sign_up(
    *,
    student: Enrollment,
    slot: Slot,
    actor,
    via: str,
    talk_number: int | None = None,
    now: dt.datetime | None = None,
) -> Presentation:
    """Book a slot for one of the student's talks (the first without a slot, or `talk_number`)."""
    now = now or timezone.now()
    with _locked():
        slot = _lock_slots([slot.pk]).get(slot.pk)
        if slot is None or slot.course_id != student.course_id:
            raise PresentationError("no_such_slot", "There is no such slot in this course.")
        student = _check_student(_lock_students([student.pk]).get(student.pk))
        course = student.course
        _check_window(course, slot.meeting, now)
        talk = _talk_for_slot(talks_of(student), slot, talk_number)
        _check_category(course, talk, slot)
        _book(talk, slot, now)
        _reallocate_reviews(course, actor=actor, via=via)
        audit_record(
            course=course,
            actor=actor,
            action="booking.create",
            via=via,
            obj=talk,
            label=f"{student.user.get_username()} in {_slot_label(slot)}",
            new={"slot": slot.pk, "talk": talk.number},
        )
        email_on_commit(
            users=[student.user],
            subject=f"{course.code}: you are booked to present",
            template="presentations/email/booked.txt",
            context={"course": course, "slot": slot, "talk": talk},
        )
    return talk


def slot_drop(
    *, student: Enrollment, slot: Slot, actor, via: str, now: dt.datetime | None = None
) -> Presentation | None:
    """Give up a booked slot (until the freeze). The first eligible student waiting for the
    session gets the seat in the same transaction. Returns the promoted talk, if any."""
    now = now or timezone.now()
    with _locked():
        slot = _lock_slots([slot.pk]).get(slot.pk)
        if slot is None or slot.course_id != student.course_id:
            raise PresentationError("no_such_slot", "There is no such slot in this course.")
        student = _check_student(_lock_students([student.pk]).get(student.pk))
        course = student.course
        talk = Presentation.objects.filter(student=student, slot=slot).first()
        if talk is None:
            raise PresentationError("not_booked", "You have no booking in this slot.")
        _check_window(course, slot.meeting, now)
        _unbook(talk, slot)
        _reallocate_reviews(course, actor=actor, via=via)
        audit_record(
            course=course,
            actor=actor,
            action="booking.drop",
            via=via,
            obj=talk,
            label=f"{student.user.get_username()} from {_slot_label(slot)}",
            old={"slot": slot.pk, "talk": talk.number},
        )
        email_on_commit(
            users=[student.user],
            subject=f"{course.code}: your slot is dropped",
            template="presentations/email/dropped.txt",
            context={"course": course, "slot": slot, "talk": talk},
        )
        return _promote_from_waitlist(slot, actor=actor, via=via, now=now)


def _promote_from_waitlist(slot: Slot, *, actor, via: str, now: dt.datetime):
    """Give a free seat of `slot` to the first waiting talk that may still take it."""
    if slot.booked >= slot.capacity:
        return None
    course = slot.course
    entries = list(
        WaitlistEntry.objects.filter(session=slot.meeting)
        .select_related("presentation", "presentation__paper", "presentation__student")
        .order_by("created_at", "pk")
    )
    for entry in entries:
        waiting = _lock_students([entry.presentation.student_id])[entry.presentation.student_id]
        talk = Presentation.objects.select_related("paper", "paper__category").get(
            pk=entry.presentation_id
        )
        eligible = (
            waiting.role == Role.STUDENT
            and not waiting.is_withdrawn
            and talk.slot_id is None
            and not (
                course.signup_category_must_match
                and talk.paper is not None
                and talk.paper.category_id != slot.category_id
            )
        )
        if not eligible:
            entry.delete()
            continue
        _book(talk, slot, now)
        audit_record(
            course=course,
            actor=actor,
            action="booking.promote",
            via=via,
            obj=talk,
            label=f"{waiting.user.get_username()} from the waitlist to {_slot_label(slot)}",
            new={"slot": slot.pk, "talk": talk.number},
        )
        email_on_commit(
            users=[waiting.user],
            subject=f"{course.code}: a seat freed up, and it is yours",
            template="presentations/email/promoted.txt",
            context={"course": course, "slot": slot, "talk": talk},
        )
        return talk
    return None


# --- the waitlist -------------------------------------------------------------------------


def waitlist_join(
    *,
    student: Enrollment,
    session: Meeting,
    actor,
    via: str,
    talk_number: int | None = None,
    now: dt.datetime | None = None,
) -> WaitlistEntry:
    """Wait for a seat in a full session."""
    now = now or timezone.now()
    with _locked():
        slots = _lock_slots(Slot.objects.filter(meeting=session).values_list("pk", flat=True))
        if not slots or session.course_id != student.course_id:
            raise PresentationError("no_such_session", "There is no such session in this course.")
        student = _check_student(_lock_students([student.pk]).get(student.pk))
        course = student.course
        _check_window(course, session, now)
        if any(slot.booked < slot.capacity for slot in slots.values()):
            raise PresentationError(
                "seats_free", "This session still has a free slot: book it instead of waiting."
            )
        any_slot = next(iter(slots.values()))
        talk = _talk_for_slot(talks_of(student), any_slot, talk_number)
        _check_category(course, talk, any_slot)
        if WaitlistEntry.objects.filter(session=session, presentation=talk).exists():
            raise PresentationError("already_waiting", "You are already on this waitlist.")
        entry = WaitlistEntry.objects.create(
            course=course, session=session, presentation=talk, created_at=now
        )
        audit_record(
            course=course,
            actor=actor,
            action="waitlist.join",
            via=via,
            obj=entry,
            label=f"{student.user.get_username()} waits for session {session.session_number}",
        )
    return entry


def waitlist_leave(*, student: Enrollment, session: Meeting, actor, via: str) -> None:
    with transaction.atomic():
        deleted, _ = WaitlistEntry.objects.filter(
            session=session, presentation__student=student
        ).delete()
        if not deleted:
            raise PresentationError("not_waiting", "You are not on this session's waitlist.")
        audit_record(
            course=student.course,
            actor=actor,
            action="waitlist.leave",
            via=via,
            label=f"{student.user.get_username()} left the waitlist of session "
            f"{session.session_number}",
        )


# --- swaps --------------------------------------------------------------------------------


def swap_request(
    *, student: Enrollment, target: Presentation, actor, via: str, now: dt.datetime | None = None
) -> SwapRequest:
    """Ask the presenter of another booked talk to trade slots with the student's talk."""
    now = now or timezone.now()
    with _locked():
        student = _check_student(_lock_students([student.pk]).get(student.pk))
        course = student.course
        target = (
            Presentation.objects.select_related("slot", "slot__meeting", "student")
            .filter(pk=target.pk, course=course)
            .first()
        )
        if target is None or target.slot is None:
            raise PresentationError("not_booked", "That talk has no slot to swap.")
        if target.student_id == student.pk:
            raise PresentationError("own_talk", "You cannot swap with yourself.")
        mine = [talk for talk in talks_of(student) if talk.slot_id is not None]
        if not mine:
            raise PresentationError("not_booked", "Book a slot first; then you can swap it.")
        own = next((t for t in mine if t.slot.meeting_id != target.slot.meeting_id), mine[0])
        if own.slot_id == target.slot_id:
            raise PresentationError("same_slot", "You are both in that slot already.")
        for slot in (own.slot, target.slot):
            _check_window(course, slot.meeting, now)
        _check_swap_categories(course, own, target)
        try:
            with transaction.atomic():
                swap = SwapRequest.objects.create(
                    course=course,
                    requester=own,
                    target=target,
                    requester_slot=own.slot,
                    target_slot=target.slot,
                )
        except IntegrityError:
            raise PresentationError(
                "already_asked", "You have already asked this person to swap."
            ) from None
        audit_record(
            course=course,
            actor=actor,
            action="swap.request",
            via=via,
            obj=swap,
            label=str(swap),
        )
        email_on_commit(
            users=[target.student.user],
            subject=f"{course.code}: {student.user.get_full_name() or student.user} asks to swap "
            "slots with you",
            template="presentations/email/swap_asked.txt",
            context={"course": course, "swap": swap, "asker": student.user},
        )
    return swap


def _check_swap_categories(course: Course, own: Presentation, target: Presentation) -> None:
    for talk, slot in ((own, target.slot), (target, own.slot)):
        _check_category(course, talk, slot)


def swap_accept(
    *, student: Enrollment, swap: SwapRequest, actor, via: str, now: dt.datetime | None = None
) -> SwapRequest:
    """The target accepts: both talks change slots in one transaction, or nothing happens."""
    now = now or timezone.now()
    with _locked():
        slots = _lock_slots([swap.requester_slot_id, swap.target_slot_id])
        swap = (
            SwapRequest.objects.select_for_update(of=("self",))
            .select_related("requester", "target", "requester__student", "target__student")
            .filter(pk=swap.pk, course=student.course)
            .first()
        )
        if swap is None or swap.target.student_id != student.pk:
            raise PresentationError("no_such_swap", "There is no such swap request for you.")
        people = _lock_students([swap.requester.student_id, swap.target.student_id])
        _check_student(people.get(student.pk))
        course = student.course
        if swap.status != SwapRequest.Status.PENDING:
            raise PresentationError(
                "swap_closed", f"This swap request is {swap.get_status_display().lower()}."
            )
        requester = Presentation.objects.select_related("paper").get(pk=swap.requester_id)
        target = Presentation.objects.select_related("paper").get(pk=swap.target_id)
        if (
            requester.slot_id != swap.requester_slot_id
            or target.slot_id != swap.target_slot_id
            or people[requester.student_id].is_withdrawn
        ):
            swap.status, swap.decided_at = SwapRequest.Status.WITHDRAWN, now
            swap.save(update_fields=["status", "decided_at"])
            raise PresentationError(
                "swap_impossible",
                "This swap is no longer possible: one of the bookings has changed.",
            )
        slot_a, slot_b = slots[swap.requester_slot_id], slots[swap.target_slot_id]
        for slot in (slot_a, slot_b):
            _check_window(course, slot.meeting, now)
        requester.slot, target.slot = slot_a, slot_b  # for the category check, as they'll be
        _check_swap_categories(course, requester, target)
        # Each slot keeps its count: one talk leaves it, one arrives.
        requester.slot, target.slot = slot_b, slot_a
        requester.save(update_fields=["slot"])
        target.save(update_fields=["slot"])
        swap.status, swap.decided_at = SwapRequest.Status.ACCEPTED, now
        swap.save(update_fields=["status", "decided_at"])
        # Other pending requests about either talk's old slot are now moot.
        SwapRequest.objects.filter(status=SwapRequest.Status.PENDING).filter(
            requester__in=[requester, target]
        ).update(status=SwapRequest.Status.WITHDRAWN, decided_at=now)
        SwapRequest.objects.filter(
            status=SwapRequest.Status.PENDING, target__in=[requester, target]
        ).update(status=SwapRequest.Status.WITHDRAWN, decided_at=now)
        audit_record(
            course=course,
            actor=actor,
            action="swap.accept",
            via=via,
            obj=swap,
            label=str(swap),
            old={"requester_slot": slot_a.pk, "target_slot": slot_b.pk},
            new={"requester_slot": slot_b.pk, "target_slot": slot_a.pk},
        )
        email_on_commit(
            users=[people[requester.student_id].user, people[target.student_id].user],
            subject=f"{course.code}: slots swapped",
            template="presentations/email/swap_accepted.txt",
            context={"course": course, "swap": swap, "slot_a": slot_a, "slot_b": slot_b},
        )
    return swap


def swap_close(*, student: Enrollment, swap: SwapRequest, actor, via: str) -> SwapRequest:
    """The requester withdraws the request, or the target declines it."""
    with transaction.atomic():
        swap = (
            SwapRequest.objects.select_for_update(of=("self",))
            .select_related("requester", "target")
            .filter(pk=swap.pk, course=student.course)
            .first()
        )
        if swap is None or student.pk not in (swap.requester.student_id, swap.target.student_id):
            raise PresentationError("no_such_swap", "There is no such swap request for you.")
        if swap.status != SwapRequest.Status.PENDING:
            raise PresentationError(
                "swap_closed", f"This swap request is {swap.get_status_display().lower()}."
            )
        asked = swap.requester.student_id == student.pk
        swap.status = SwapRequest.Status.WITHDRAWN if asked else SwapRequest.Status.DECLINED
        swap.decided_at = timezone.now()
        swap.save(update_fields=["status", "decided_at"])
        audit_record(
            course=student.course,
            actor=actor,
            action="swap.withdraw" if asked else "swap.decline",
            via=via,
            obj=swap,
            label=str(swap),
        )
    return swap


# --- staff --------------------------------------------------------------------------------


def booking_move(
    *,
    talk: Presentation,
    slot: Slot | None,
    actor,
    via: str,
    reason: str,
    now: dt.datetime | None = None,
) -> Presentation:
    """Staff put a talk in any slot (or none), past the window and the category rule.

    Capacity still holds: a full slot is refused. The freed seat goes to the waitlist.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise PresentationError("reason_required", "Say why the booking is moved.")
    with _locked():
        talk = Presentation.objects.select_related("student", "student__user").get(pk=talk.pk)
        old_id = talk.slot_id
        locked = _lock_slots([i for i in (old_id, slot.pk if slot else None) if i])
        _lock_students([talk.student_id])
        talk.refresh_from_db(fields=["slot", "booked_at"])
        if talk.slot_id != old_id:
            raise PresentationError("conflict", "The booking changed meanwhile. Try again.")
        course = talk.course
        if slot is not None and locked[slot.pk].course_id != course.pk:
            raise PresentationError("no_such_slot", "There is no such slot in this course.")
        if slot is not None and slot.pk == old_id:
            return talk
        if old_id:
            _unbook(talk, locked[old_id])
        if slot is not None:
            _book(talk, locked[slot.pk], now)
        _reallocate_reviews(course, actor=actor, via=via)
        audit_record(
            course=course,
            actor=actor,
            action="booking.move",
            via=via,
            obj=talk,
            label=f"{talk.student.user.get_username()} talk {talk.number}",
            old={"slot": old_id},
            new={"slot": slot.pk if slot else None},
            reason=reason,
        )
        if old_id:
            _promote_from_waitlist(locked[old_id], actor=actor, via=via, now=now)
    return talk


# --- papers -------------------------------------------------------------------------------


def _check_paper_window(course: Course, mode: str, now: dt.datetime) -> None:
    if course.paper_assignment != mode:
        raise PresentationError(
            "wrong_mode",
            "This course assigns papers from ranked preferences."
            if mode == Course.PaperAssignment.CLAIM
            else "In this course students claim papers directly.",
        )
    if course.papers_close_at is not None and now >= course.papers_close_at:
        raise PresentationError(
            "papers_closed", f"Paper choice closed at {_local(course.papers_close_at, course)}."
        )


def paper_claim(
    *,
    student: Enrollment,
    paper: Paper,
    actor,
    via: str,
    talk_number: int | None = None,
    now: dt.datetime | None = None,
) -> Presentation:
    """Claim a free paper, first come first served (claim mode, until the deadline)."""
    now = now or timezone.now()
    with _locked("Many people are claiming papers right now."):
        locked = (
            Paper.objects.select_for_update(of=("self",))
            .select_related("category")
            .filter(pk=paper.pk, course=student.course_id)
            .first()
        )
        student = _check_student(_lock_students([student.pk]).get(student.pk))
        course = student.course
        if locked is None or locked.proposed_for_id not in (None, student.pk):
            raise PresentationError("no_such_paper", "There is no such paper in this course.")
        _check_paper_window(course, Course.PaperAssignment.CLAIM, now)
        holder = Presentation.objects.filter(paper=locked).select_related("student__user").first()
        if holder is not None:
            raise PresentationError(
                "paper_taken",
                "You already present this paper."
                if holder.student_id == student.pk
                else "Someone else has claimed this paper.",
            )
        talks = talks_of(student)
        free = [talk for talk in talks if talk.paper_id is None]
        if talk_number is not None:
            free = [talk for talk in free if talk.number == talk_number]
        if not free:
            raise PresentationError(
                "has_paper", "You already have a paper for each of your talks. Release one first."
            )
        talk = next(
            (t for t in free if t.slot and t.slot.category_id == locked.category_id), free[0]
        )
        if (
            course.signup_category_must_match
            and talk.slot is not None
            and talk.slot.category_id != locked.category_id
        ):
            raise PresentationError(
                "wrong_category",
                f"Your slot is in a session for another category than {locked.category.name}.",
            )
        talk.paper = locked
        talk.save(update_fields=["paper"])
        audit_record(
            course=course,
            actor=actor,
            action="paper.claim",
            via=via,
            obj=talk,
            label=f"{student.user.get_username()} claims {locked.key}",
            new={"paper": locked.key, "talk": talk.number},
        )
    return talk


def paper_release(
    *, student: Enrollment, paper: Paper, actor, via: str, now: dt.datetime | None = None
) -> None:
    """Give a claimed paper back (claim mode, until the deadline)."""
    now = now or timezone.now()
    with transaction.atomic():
        student = _check_student(_lock_students([student.pk]).get(student.pk))
        _check_paper_window(student.course, Course.PaperAssignment.CLAIM, now)
        talk = Presentation.objects.filter(student=student, paper=paper).first()
        if talk is None:
            raise PresentationError("not_yours", "You have not claimed this paper.")
        talk.paper = None
        talk.save(update_fields=["paper"])
        audit_record(
            course=student.course,
            actor=actor,
            action="paper.release",
            via=via,
            obj=talk,
            label=f"{student.user.get_username()} releases {paper.key}",
            old={"paper": paper.key},
        )


def preferences_set(
    *,
    student: Enrollment,
    paper_ids: list[int],
    actor,
    via: str,
    now: dt.datetime | None = None,
) -> list[PaperPreference]:
    """Replace the student's ranking with `paper_ids`, best first (preference mode)."""
    now = now or timezone.now()
    with transaction.atomic():
        student = _check_student(_lock_students([student.pk]).get(student.pk))
        course = student.course
        _check_paper_window(course, Course.PaperAssignment.PREFERENCES, now)
        if len(paper_ids) != len(set(paper_ids)):
            raise PresentationError("duplicate_paper", "Each paper may be ranked only once.")
        if len(paper_ids) > course.preferences_max:
            raise PresentationError("too_many", f"Rank at most {course.preferences_max} papers.")
        papers = {
            paper.pk: paper
            for paper in Paper.objects.for_course(course)
            .visible_to(student)
            .filter(pk__in=paper_ids)
        }
        unknown = [pk for pk in paper_ids if pk not in papers]
        if unknown:
            raise PresentationError(
                "no_such_paper", f"No such paper in this course: {', '.join(map(str, unknown))}."
            )
        old = list(
            PaperPreference.objects.filter(student=student)
            .order_by("rank")
            .values_list("paper__key", flat=True)
        )
        PaperPreference.objects.filter(student=student).delete()
        preferences = PaperPreference.objects.bulk_create(
            [
                PaperPreference(course=course, student=student, paper=papers[pk], rank=rank)
                for rank, pk in enumerate(paper_ids, start=1)
            ]
        )
        new = [papers[pk].key for pk in paper_ids]
        if old != new:
            audit_record(
                course=course,
                actor=actor,
                action="paper.preferences",
                via=via,
                obj=student,
                label=f"{student.user.get_username()} ranks papers",
                old=old,
                new=new,
            )
    return preferences


def paper_override(
    *, talk: Presentation, paper: Paper | None, actor, via: str, reason: str
) -> Presentation:
    """An instructor gives a talk another paper (or none), whatever the mode, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise PresentationError("reason_required", "Say why the paper is changed.")
    with _locked():
        talk = Presentation.objects.select_related("student__user", "paper").get(pk=talk.pk)
        if paper is not None:
            paper = Paper.objects.select_for_update(of=("self",)).get(pk=paper.pk)
            if paper.course_id != talk.course_id:
                raise PresentationError("no_such_paper", "There is no such paper in this course.")
            holder = Presentation.objects.filter(paper=paper).exclude(pk=talk.pk).first()
            if holder is not None:
                raise PresentationError(
                    "paper_taken", f"{paper.key} is already {holder}'s paper; change theirs first."
                )
        old = talk.paper.key if talk.paper else None
        talk.paper = paper
        talk.save(update_fields=["paper"])
        audit_record(
            course=talk.course,
            actor=actor,
            action="paper.override",
            via=via,
            obj=talk,
            label=f"{talk.student.user.get_username()} talk {talk.number}",
            old={"paper": old},
            new={"paper": paper.key if paper else None},
            reason=reason,
        )
    return talk


# --- proposals ----------------------------------------------------------------------------


def proposal_submit(
    *,
    student: Enrollment,
    title: str,
    authors: str,
    url: str,
    category,
    actor,
    via: str,
) -> PaperProposal:
    with transaction.atomic():
        student = _check_student(student)
        course = student.course
        if not course.proposals_allowed:
            raise PresentationError(
                "proposals_closed", "This course does not take paper proposals."
            )
        if category is None or category.course_id != course.pk:
            raise PresentationError("no_such_category", "Choose one of the course's categories.")
        proposal = PaperProposal(
            course=course,
            student=student,
            title=title.strip(),
            authors=authors.strip(),
            url=url.strip(),
            category=category,
        )
        proposal.full_clean()
        proposal.save()
        audit_record(
            course=course,
            actor=actor,
            action="proposal.submit",
            via=via,
            obj=proposal,
            label=proposal.title,
        )
    return proposal


def proposal_decide(
    *, proposal: PaperProposal, approve: bool, actor, via: str, note: str = ""
) -> PaperProposal:
    """Approve (the paper joins that student's catalogue) or reject (a reason is needed)."""
    note = (note or "").strip()
    if not approve and not note:
        raise PresentationError("reason_required", "Say why the proposal is rejected.")
    with transaction.atomic():
        proposal = (
            PaperProposal.objects.select_for_update(of=("self",))
            .select_related("student__user", "course")
            .get(pk=proposal.pk)
        )
        if proposal.status != PaperProposal.Status.PENDING:
            raise PresentationError(
                "decided", f"This proposal is already {proposal.get_status_display().lower()}."
            )
        if approve:
            paper = Paper(
                course=proposal.course,
                key=f"proposal-{proposal.pk}",
                title=proposal.title,
                authors=proposal.authors,
                url=proposal.url,
                category=proposal.category,
                proposed_for=proposal.student,
            )
            paper.full_clean(validate_unique=False, validate_constraints=False)
            paper.save()
            proposal.paper = paper
        proposal.status = (
            PaperProposal.Status.APPROVED if approve else PaperProposal.Status.REJECTED
        )
        proposal.note = note
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["paper", "status", "note", "decided_by", "decided_at"])
        audit_record(
            course=proposal.course,
            actor=actor,
            action="proposal.approve" if approve else "proposal.reject",
            via=via,
            obj=proposal,
            label=proposal.title,
            reason=note,
        )
        email_on_commit(
            users=[proposal.student.user],
            subject=f"{proposal.course.code}: your paper proposal is "
            f"{proposal.get_status_display().lower()}",
            template="presentations/email/proposal_decided.txt",
            context={"course": proposal.course, "proposal": proposal},
        )
    return proposal


# --- assignment from preferences ----------------------------------------------------------


@dataclass
class AssignedTalk:
    username: str
    talk: int
    paper: str
    rank: int | None


@dataclass
class AssignmentReport:
    """What `papers_assign` did (or, for a dry run, would do)."""

    course_code: str
    dry_run: bool
    assigned: list[AssignedTalk] = field(default_factory=list)
    histogram: dict[int | None, int] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)  # ranked papers, got none of them
    without_paper: list[str] = field(default_factory=list)  # no paper was left
    already_had: int = 0

    def choice_lines(self) -> list[str]:
        """`1st choice: 18 students`, ..., `a paper they did not rank: 3 students`."""
        lines = []
        for rank, count in self.histogram.items():
            what = "a paper they did not rank" if rank is None else f"{_ordinal(rank)} choice"
            lines.append(f"{what}: {count} talk{'s' if count != 1 else ''}")
        return lines

    def lines(self) -> list[str]:
        verb = "would get" if self.dry_run else "gets"
        return [
            f"{row.username} (talk {row.talk}) {verb} {row.paper}"
            + (f" ({_ordinal(row.rank)} choice)" if row.rank else " (not ranked)")
            for row in self.assigned
        ]

    def summary(self) -> str:
        head = f"{self.course_code}{' (dry run, nothing written)' if self.dry_run else ''}"
        parts = [
            f"{len(self.assigned)} talks assigned",
            *self.choice_lines(),
            f"{self.already_had} already had a paper",
        ]
        if self.missed:
            parts.append(f"{len(self.missed)} got none of their choices")
        if self.without_paper:
            parts.append(f"{len(self.without_paper)} left without a paper")
        return f"{head}: " + "; ".join(parts)


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def papers_assign(*, course: Course, actor, via: str, dry_run: bool = False) -> AssignmentReport:
    """Give every active student's talks without a paper the optimal papers from their
    rankings (presentations.assignment): as many talks as possible, then the lowest total
    rank. Papers already held stay; a booked talk gets a paper of its session's category
    when the course requires it. With `dry_run`, nothing is written."""
    # Imported here: scipy takes a while to import, and only this function needs it.
    from presentations.assignment import PaperOption, TalkNeed, solve_assignment

    report = AssignmentReport(course_code=course.code, dry_run=dry_run)
    with _locked("Papers are being assigned by someone else right now."):
        Course.objects.select_for_update().filter(pk=course.pk).first()
        students = _lock_students(
            Enrollment.objects.for_course(course).students().active().values_list("pk", flat=True)
        )
        talks: list[Presentation] = []
        for student in students.values():
            talks += talks_of(student)
        report.already_had = sum(1 for talk in talks if talk.paper_id is not None)
        ranked: dict[int, list[int]] = {}
        for student_id, paper_id in (
            PaperPreference.objects.for_course(course)
            .order_by("student_id", "rank")
            .values_list("student_id", "paper_id")
        ):
            ranked.setdefault(student_id, []).append(paper_id)
        held = set(
            Presentation.objects.for_course(course)
            .filter(paper__isnull=False)
            .values_list("paper_id", flat=True)
        )
        papers = {
            paper.pk: paper
            for paper in Paper.objects.for_course(course)
            .exclude(pk__in=held)
            .select_related("category")
        }
        open_talks = {talk.pk: talk for talk in talks if talk.paper_id is None}
        result = solve_assignment(
            talks=[
                TalkNeed(
                    key=talk.pk,
                    student=talk.student_id,
                    category=talk.slot.category.key
                    if talk.slot_id and course.signup_category_must_match
                    else None,
                    ranked=tuple(ranked.get(talk.student_id, ())),
                )
                for talk in open_talks.values()
            ],
            papers=[
                PaperOption(
                    key=paper.pk, category=paper.category.key, only_for=paper.proposed_for_id
                )
                for paper in papers.values()
            ],
        )
        changed = []
        for talk_id, paper_id in result.paper_of.items():
            talk = open_talks[talk_id]
            name = students[talk.student_id].user.get_username()
            if paper_id is None:
                report.without_paper.append(f"{name} (talk {talk.number})")
                continue
            talk.paper = papers[paper_id]
            changed.append(talk)
            report.assigned.append(
                AssignedTalk(
                    username=name,
                    talk=talk.number,
                    paper=talk.paper.key,
                    rank=result.rank_of[talk_id],
                )
            )
        report.assigned.sort(key=lambda row: (row.username, row.talk))
        report.histogram = result.histogram()
        report.missed = sorted(
            f"{students[open_talks[key].student_id].user.get_username()} "
            f"(talk {open_talks[key].number})"
            for key in result.missed_choices
            if result.paper_of[key] is not None
        )
        Presentation.objects.bulk_update(changed, ["paper"], batch_size=500)
        audit_record_many(
            audit_entry(
                course=course,
                actor=actor,
                action="paper.assign",
                via=via,
                obj=talk,
                label=f"{students[talk.student_id].user.get_username()} talk {talk.number}",
                new={"paper": talk.paper.key, "rank": result.rank_of[talk.pk]},
            )
            for talk in changed
        )
        if dry_run:
            transaction.set_rollback(True)
    return report
