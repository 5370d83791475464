"""What bookings and claims hold: the checks the course-file loader asks before it changes a
slot or a paper (courseapp.inuse)."""

from django.db.models import Count

from courseapp.inuse import RowChange, register_in_use
from presentations.models import (
    FeedbackQuestion,
    FeedbackRating,
    Paper,
    Presentation,
    Slot,
    WaitlistEntry,
)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def slot_bookings(changes: list[RowChange]) -> dict[int, str]:
    """A slot with bookings keeps its place, its category and enough capacity."""
    booked = {change.row.pk: change.row.booked for change in changes if change.row.booked}
    held = {}
    for change in changes:
        count = booked.get(change.row.pk, 0)
        if not count:
            continue
        bookings = _plural(count, "booking")
        if change.deleting:
            held[change.row.pk] = f"it has {bookings}; move them first"
        elif change.changes_any("capacity") and change.new("capacity") < count:
            held[change.row.pk] = (
                f"capacity {change.new('capacity')} is below its {bookings}; move some first"
            )
        elif change.changes_any("category"):
            held[change.row.pk] = f"its category cannot change under {bookings}"
    return held


def paper_holders(changes: list[RowChange]) -> dict[int, str]:
    """A paper someone presents (or ranked) is not deleted, nor moved to another category."""
    ids = [change.row.pk for change in changes]
    talks = dict(
        Presentation.objects.filter(paper__in=ids)
        .values_list("paper_id")
        .annotate(n=Count("pk"))
        .values_list("paper_id", "n")
    )
    held = {}
    for change in changes:
        if change.row.pk not in talks:
            continue
        if change.deleting:
            held[change.row.pk] = "a student presents it"
        elif change.changes_any("category"):
            held[change.row.pk] = "a student presents it, so its category cannot change"
    return held


def session_waitlists(changes: list[RowChange]) -> dict[int, str]:
    """A slot whose session has people waiting is not deleted (the waitlist would dangle)."""
    deleting = [change.row for change in changes if change.deleting]
    waiting = dict(
        WaitlistEntry.objects.filter(session__in=[slot.meeting_id for slot in deleting])
        .values_list("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    return {
        slot.pk: f"{_plural(waiting[slot.meeting_id], 'student')} wait for its session"
        for slot in deleting
        if slot.meeting_id in waiting
    }


def question_ratings(changes: list[RowChange]) -> dict[int, str]:
    """A feedback question that has been rated keeps its scale (the ratings were given on it)
    and is not deleted."""
    touched = [
        change.row.pk
        for change in changes
        if change.deleting or change.changes_any("scale_min", "scale_max")
    ]
    if not touched:
        return {}
    counts = dict(
        FeedbackRating.objects.filter(question__in=touched)
        .values_list("question")
        .annotate(count=Count("pk"))
        .order_by()
    )
    held = {}
    for change in changes:
        count = counts.get(change.row.pk, 0)
        if not count:
            continue
        ratings = _plural(count, "rating")
        if change.deleting:
            held[change.row.pk] = f"it has {ratings}; it stays"
        else:
            held[change.row.pk] = f"its scale changed after {ratings}"
    return held


def register() -> None:
    register_in_use(Slot, slot_bookings)
    register_in_use(Slot, session_waitlists)
    register_in_use(Paper, paper_holders)
    register_in_use(FeedbackQuestion, question_ratings)
