"""Local times of a course: wall-clock times in its time zone, and the instants they name.

A course file writes every time as a wall-clock time in the course's zone. Around a
daylight-saving change some of those times name no instant (02:30 on the night the clocks go
forward) and some name two (01:30 on the night they go back). The course file refuses both,
so every stored time names exactly one instant; `local_time_problem` says which it is.
"""

import datetime as dt
import zoneinfo


def local_datetime(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The aware datetime of `time` on `day` in `zone`."""
    return dt.datetime.combine(day, time, zone)


def local_time_problem(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str | None:
    """Why the naive local `moment` does not name exactly one instant in `zone`, or None."""
    earlier = moment.replace(tzinfo=zone, fold=0)
    later = moment.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return None
    shift = abs(later.utcoffset() - earlier.utcoffset())
    amount = _duration(shift)
    shown = f"{moment:%Y-%m-%d %H:%M}"
    # In a gap, the instant fold=0 names reads back as another wall-clock time.
    back = earlier.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != moment.replace(tzinfo=None):
        return (
            f"{shown} does not exist in {zone.key}: the clocks go forward by {amount} "
            "around then and skip it"
        )
    return (
        f"{shown} is ambiguous in {zone.key}: the clocks go back by {amount} "
        "around then and it happens twice"
    )


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"
