"""How people read dates and times, everywhere: pages, the admin, e-mails, messages.

One day is "Tue 2 Sep 2025"; one moment is "Tue 2 Sep 2025, 10:30", in the course's time
zone; a time of day alone is "10:30". Machine formats (ISO 8601 in the API, iCalendar, CSV
columns that tools read, <time datetime="...">) stay as they are.
"""

import datetime as dt
import zoneinfo

from django.utils import dateformat, timezone

DAY = "D j M Y"
MOMENT = "D j M Y, H:i"
TIME = "H:i"
EXACT = "D j M Y, H:i:s"


def _zone(zone) -> dt.tzinfo | None:
    """A time zone from a Course, a zone name, a tzinfo, or None (the active one)."""
    if zone is None or zone == "":
        return None
    if isinstance(zone, dt.tzinfo):
        return zone
    if isinstance(zone, str):
        return zoneinfo.ZoneInfo(zone)
    return zone.tzinfo  # a Course


def format_day(value: dt.date | dt.datetime | None, zone=None) -> str:
    """ "Tue 2 Sep 2025"; a datetime counts on the day it is in `zone`."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, _zone(zone)).date() if timezone.is_aware(value) else value
    return dateformat.format(value, DAY)


def format_moment(value: dt.datetime | None, zone=None) -> str:
    """ "Tue 2 Sep 2025, 10:30", in `zone` (a Course, a zone name; None: the active zone)."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value, _zone(zone))
    return dateformat.format(value, MOMENT)


def format_exact(value: dt.datetime | None, zone=None) -> str:
    """ "Tue 2 Sep 2025, 10:30:05": a moment to the second, for receipts."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value, _zone(zone))
    return dateformat.format(value, EXACT)
