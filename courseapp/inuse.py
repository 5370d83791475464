"""What holds a row that the course file owns: the guard the loader asks before it changes one.

The course file describes structure (sessions and their slots, criteria, feedback questions,
...); students and graders attach data to it (bookings, ratings, scores). Before the loader
updates or deletes such a row it asks this registry, and refuses the whole load, with the
row's location in the file, when a check says the change would break what is attached.

Each feature registers a check for the rows its data hangs off, usually in its AppConfig's
`ready()`:

    def slot_bookings(changes: list[RowChange]) -> dict[int, str]:
        counts = booking counts of the slots in `changes`, in one query
        refused = {}
        for change in changes:
            booked = counts.get(change.row.pk, 0)
            if booked and change.deleting:
                refused[change.row.pk] = f"it has {booked} bookings"
            elif booked and change.changes_any("capacity") and change.new("capacity") < booked:
                refused[change.row.pk] = f"capacity {change.new('capacity')} is below its ..."
        return refused

    register_in_use(Slot, slot_bookings)

A check gets every change the load makes to rows of its model at once, so that it can count
in one query, and answers with the rows it holds: primary key -> what holds the row, as a
phrase that completes "slot 2 of session 3 on 2025-10-28: ...". A check reads the database
only; it never writes.

Beyond the registered checks, a row the file no longer lists is also held when deleting it
would take along, or be refused by, a row of a model outside the course file (found by
Django's deletion collector), so that data of a feature that forgot to register is not
deleted either.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError


@dataclass(frozen=True)
class RowChange:
    """A change the loader is about to make to `row`, which still holds the database values.

    `changes` maps each changed field to (old, new) values; it is empty when the row is to
    be deleted.
    """

    row: models.Model
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    deleting: bool = False

    def changes_any(self, *names: str) -> bool:
        return any(name in self.changes for name in names)

    def old(self, name: str) -> Any:
        return self.changes[name][0] if name in self.changes else getattr(self.row, name)

    def new(self, name: str) -> Any:
        return self.changes[name][1] if name in self.changes else getattr(self.row, name)


InUseCheck = Callable[[list[RowChange]], dict[Any, str]]

# Checks are code, registered once per process at start-up; no course data is kept here.
_checks: dict[type[models.Model], list[InUseCheck]] = defaultdict(list)


def register_in_use(model: type[models.Model], check: InUseCheck) -> None:
    """Ask `check` before the course file changes or deletes rows of `model`."""
    if check not in _checks[model]:
        _checks[model].append(check)


def unregister_in_use(model: type[models.Model], check: InUseCheck) -> None:
    if check in _checks[model]:
        _checks[model].remove(check)


def in_use_checks(model: type[models.Model]) -> list[InUseCheck]:
    return list(_checks.get(model, ()))


def held_rows(
    changes: list[RowChange], *, owned: Iterable[type[models.Model]] = ()
) -> dict[Any, list[str]]:
    """The rows among `changes` that something holds: primary key -> what holds it.

    `changes` are rows of one model. `owned` are the models the course file itself describes:
    deleting a row may take those along (a session's slots) without that counting as use.
    """
    if not changes:
        return {}
    model = type(changes[0].row)
    held: dict[Any, list[str]] = defaultdict(list)
    for check in in_use_checks(model):
        for pk, reason in check(changes).items():
            held[pk].append(reason)
    owned = frozenset(owned)
    for change in changes:
        if change.deleting and change.row.pk not in held:
            reason = deletion_blocker(change.row, owned=owned)
            if reason:
                held[change.row.pk].append(reason)
    return dict(held)


def deletion_blocker(row: models.Model, *, owned: frozenset) -> str | None:
    """Why deleting `row` would touch rows outside the `owned` models, or None.

    Asking the deletion collector, rather than catching ProtectedError, also guards rows that
    later models point at with CASCADE: a student's booking must never vanish because the
    instructor edited the file.
    """
    collector = Collector(using=router.db_for_write(type(row)), origin=row)
    try:
        collector.collect([row])
    except ProtectedError as exc:
        return _refer(exc.protected_objects)
    except RestrictedError as exc:
        return _refer(exc.restricted_objects)
    counts: Counter = Counter()
    for model, instances in collector.data.items():
        if model not in owned and instances:
            counts[model] += len(instances)
    for queryset in collector.fast_deletes:
        if queryset.model not in owned:
            counts[queryset.model] += queryset.count()
    taken = [_plural(model, count) for model, count in counts.items() if count]
    return f"deleting it would take along {', '.join(taken)}" if taken else None


def _refer(rows: Iterable[models.Model]) -> str:
    counts = Counter(type(row) for row in rows)
    named = ", ".join(_plural(model, count) for model, count in counts.items())
    return f"{named} {'refers' if sum(counts.values()) == 1 else 'refer'} to it"


def _plural(model: type[models.Model], count: int) -> str:
    name = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
    return f"{count} {name}"
