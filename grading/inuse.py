"""What scores hold: the course-file loader may not change the points or the source of a
criterion that has scores, nor delete it (courseapp.inuse)."""

from django.db.models import Count

from courseapp.inuse import RowChange, register_in_use
from grading.models import Criterion, Score


def criterion_scores(changes: list[RowChange]) -> dict[int, str]:
    counts = dict(
        Score.objects.filter(criterion__in=[change.row.pk for change in changes])
        .values_list("criterion_id")
        .annotate(n=Count("pk"))
        .values_list("criterion_id", "n")
    )
    held = {}
    for change in changes:
        count = counts.get(change.row.pk)
        if not count:
            continue
        scores = f"{count} score{'' if count == 1 else 's'}"
        if change.deleting:
            held[change.row.pk] = f"it has {scores}"
        elif change.changes_any("points", "source"):
            what = " and ".join(name for name in ("points", "source") if name in change.changes)
            held[change.row.pk] = f"its {what} cannot change under {scores}"
    return held


def register() -> None:
    register_in_use(Criterion, criterion_scores)
