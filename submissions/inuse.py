"""What submissions hold: the course-file loader may not turn a deliverable with hand-ins
into team work or back, nor change its kind (courseapp.inuse). Deleting one with
submissions or extensions is refused by their PROTECT references."""

from django.db.models import Count

from courseapp.inuse import RowChange, register_in_use
from submissions.models import Deliverable, Submission


def deliverable_submissions(changes: list[RowChange]) -> dict[int, str]:
    counts = dict(
        Submission.objects.filter(deliverable__in=[change.row.pk for change in changes])
        .values_list("deliverable_id")
        .annotate(n=Count("pk"))
        .values_list("deliverable_id", "n")
    )
    held = {}
    for change in changes:
        count = counts.get(change.row.pk)
        if not count or change.deleting:
            continue
        what = [name for name in ("team", "kind") if name in change.changes]
        if what:
            held[change.row.pk] = (
                f"its {' and '.join(what)} cannot change under {count} "
                f"submission{'' if count == 1 else 's'}"
            )
    return held


def register() -> None:
    register_in_use(Deliverable, deliverable_submissions)
