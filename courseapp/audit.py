"""Writing the audit log (courseapp.models.AuditEntry).

Every service that makes an important change calls `audit_record` inside its own
transaction, after the change, with the values before and after. Values are stored as JSON:
dates, decimals and the like are written as text.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from courseapp.models import AuditEntry, Course

Via = AuditEntry.Via


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json(item) for item in value]
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def audit_entry(
    *,
    course: Course | None,
    actor,
    action: str,
    via: str,
    obj: models.Model | None = None,
    label: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> AuditEntry:
    """An unsaved entry, for callers that write many at once (`audit_record_many`)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        course=course,
        course_code=course.code if course is not None else "",
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_label=(label or (str(obj) if obj is not None else ""))[:300],
        old=_json(old),
        new=_json(new),
        reason=reason,
        via=via,
        created_at=at or timezone.now(),
    )


def audit_record(**kwargs) -> AuditEntry:
    """Write one entry (see `audit_entry` for the arguments). Call inside the change's
    transaction."""
    entry = audit_entry(**kwargs)
    entry.save()
    return entry


def audit_record_many(entries: Iterable[AuditEntry], *, batch_size: int = 1000) -> None:
    AuditEntry.objects.bulk_create(list(entries), batch_size=batch_size)
