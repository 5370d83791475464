"""Races for slots, papers and swaps, with real threads and their own connections.

On PostgreSQL the row locks decide; on SQLite (a file database, see settings) each writing
transaction takes the database's write lock when it begins. Either way the outcome must be
the same: never an overbooked slot, never two talks on one paper, never an error that is not
a clean refusal.
"""

import threading

import pytest
from django.db import connection

from courseapp.models import Enrollment
from presentations.models import Presentation, Slot, SwapRequest, WaitlistEntry
from presentations.services import (
    PresentationError,
    paper_claim,
    slot_drop,
    slot_sign_up,
    swap_accept,
    swap_request,
    waitlist_join,
)
from tests.presentations.conftest import BEFORE_FREEZE

pytestmark = pytest.mark.django_db(transaction=True)


def race(jobs):
    """Run every job in its own thread, released together. Returns (results, refusals)."""
    barrier = threading.Barrier(len(jobs))
    results, refusals, errors = [], [], []
    lock = threading.Lock()

    def worker(job):
        try:
            barrier.wait()
            outcome = job()
            with lock:
                results.append(outcome)
        except PresentationError as refusal:
            with lock:
                refusals.append(refusal.code)
        except BaseException as exc:  # anything else fails the test, in its thread
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results, refusals


def students(make_students, count):
    return [
        Enrollment.objects.select_related("course", "user").get(pk=e.pk)
        for e in make_students(count, prefix="racer")
    ]


def test_thirty_students_race_for_one_slot(make_students, slots):
    racers = students(make_students, 30)
    slot = slots[0]

    results, refusals = race(
        [
            lambda who=who: slot_sign_up(
                student=who, slot=slot, actor=None, via="api", now=BEFORE_FREEZE
            )
            for who in racers
        ]
    )

    assert len(results) == 1
    assert refusals == ["slot_full"] * 29
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert Presentation.objects.filter(slot=slot).count() == 1


def test_one_student_sends_ten_sign_ups_at_once(make_students, slots):
    (who,) = students(make_students, 1)

    results, refusals = race(
        [
            lambda slot=slot: slot_sign_up(
                student=who, slot=slot, actor=None, via="api", now=BEFORE_FREEZE
            )
            for slot in [slots[0], slots[1]] * 5
        ]
    )

    assert len(results) == 1
    assert set(refusals) <= {"already_booked", "slot_full"}
    assert Presentation.objects.filter(student=who, slot__isnull=False).count() == 1
    assert (
        sum(Slot.objects.filter(pk__in=[s.pk for s in slots]).values_list("booked", flat=True)) == 1
    )


def test_two_students_claim_one_paper(make_students, zero):
    racers = students(make_students, 2)

    results, refusals = race(
        [
            lambda who=who: paper_claim(
                student=who, paper=zero, actor=None, via="api", now=BEFORE_FREEZE
            )
            for who in racers
        ]
    )

    assert len(results) == 1
    assert refusals == ["paper_taken"]
    assert Presentation.objects.filter(paper=zero).count() == 1


def test_a_drop_racing_a_waitlist_join_loses_nobody(make_students, session, slots):
    holders = students(make_students, 2)
    for holder, slot in zip(holders, slots, strict=True):
        slot_sign_up(student=holder, slot=slot, actor=None, via="api", now=BEFORE_FREEZE)
    (waiter,) = [
        Enrollment.objects.select_related("course", "user").get(pk=e.pk)
        for e in make_students(1, prefix="waiter")
    ]

    race(
        [
            lambda: slot_drop(
                student=holders[0], slot=slots[0], actor=None, via="api", now=BEFORE_FREEZE
            ),
            lambda: waitlist_join(
                student=waiter, session=session, actor=None, via="api", now=BEFORE_FREEZE
            ),
        ]
    )

    # Whichever came first: the waiter either got the freed seat (promoted, or the session had
    # a free seat and joining was refused as "book instead"), or waits with the seat still free
    # for them to book. Nobody is booked twice and no slot is over capacity.
    waiter_talk = Presentation.objects.filter(student=waiter).first()
    booked = [Slot.objects.get(pk=s.pk).booked for s in slots]
    assert all(count <= 1 for count in booked)
    if waiter_talk is not None and waiter_talk.slot_id is not None:
        assert booked == [1, 1]
        assert not WaitlistEntry.objects.exists()
    else:
        assert booked == [0, 1]
    assert Presentation.objects.filter(slot__isnull=False).count() == sum(booked)


def test_two_crossing_swaps_stay_consistent(make_students, slots):
    a, b = students(make_students, 2)
    talk_a = slot_sign_up(student=a, slot=slots[0], actor=None, via="api", now=BEFORE_FREEZE)
    talk_b = slot_sign_up(student=b, slot=slots[1], actor=None, via="api", now=BEFORE_FREEZE)
    a_asks = swap_request(student=a, target=talk_b, actor=None, via="api", now=BEFORE_FREEZE)
    b_asks = swap_request(student=b, target=talk_a, actor=None, via="api", now=BEFORE_FREEZE)

    results, refusals = race(
        [
            lambda: swap_accept(student=b, swap=a_asks, actor=None, via="api", now=BEFORE_FREEZE),
            lambda: swap_accept(student=a, swap=b_asks, actor=None, via="api", now=BEFORE_FREEZE),
        ]
    )

    # One swap happened; the other found its bookings changed and was refused cleanly.
    assert len(results) == 1
    assert refusals[0] in {"swap_closed", "swap_impossible"}
    assert {
        Presentation.objects.get(pk=talk_a.pk).slot_id,
        Presentation.objects.get(pk=talk_b.pk).slot_id,
    } == {slots[0].pk, slots[1].pk}
    assert Presentation.objects.get(pk=talk_a.pk).slot == slots[1]
    assert [Slot.objects.get(pk=s.pk).booked for s in slots] == [1, 1]
    assert SwapRequest.objects.filter(status="accepted").count() == 1
