"""VTIMEZONE components written with yearly rules, as RFC 5545's own examples are.

python-icalendar describes a zone by listing every change as an RDATE. Mozilla's ical.js (the
parser of Thunderbird and of many web calendars) places events wrongly with such a zone: a
class at 10:00 in America/Toronto in May shows at 11:00. So the feed writes each zone as the
clock changes calendar apps expect: one STANDARD or DAYLIGHT part per rule, with an RRULE
such as `FREQ=YEARLY;BYMONTH=3;BYDAY=2SU` (the second Sunday of March) and, for a rule that
stopped, its UNTIL.

The changes are read from the zoneinfo database over the years the events span, plus one
year either way. A change that follows no weekday rule (a one-off, or a fixed date) becomes a
part of its own, with only its DTSTART.
"""

import calendar
import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard
from icalendar.prop import vRecur

_STEP = dt.timedelta(hours=6)  # no zone changes its clocks twice within six hours
_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@dataclass(frozen=True)
class _Change:
    at: dt.datetime  # the instant, in UTC
    before: dt.timedelta  # UTC offset before
    after: dt.timedelta  # UTC offset after
    name: str  # abbreviation after, e.g. EDT
    daylight: bool  # whether daylight-saving time starts

    @property
    def onset(self) -> dt.datetime:
        """The local (wall-clock) time of the change, read on the clock before it."""
        return (self.at + self.before).replace(tzinfo=None)

    def rule_key(self) -> tuple:
        onset = self.onset
        return (self.daylight, self.before, self.after, self.name, onset.month, onset.time())

    def ordinals(self) -> set[int]:
        """How BYDAY can name the onset's weekday in its month: 2 (second), -1 (last)."""
        onset = self.onset
        ordinals = {(onset.day - 1) // 7 + 1}
        if onset.day + 7 > calendar.monthrange(onset.year, onset.month)[1]:
            ordinals.add(-1)
        return ordinals


def _state(zone: zoneinfo.ZoneInfo, moment: dt.datetime) -> tuple:
    local = moment.astimezone(zone)
    return (local.utcoffset(), local.dst(), local.tzname())


def _changes(zone: zoneinfo.ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[_Change]:
    changes = []
    moment, state = start, _state(zone, start)
    while moment < end:
        step = moment + _STEP
        following = _state(zone, step)
        if following != state:
            low, high = moment, step  # find the second it changes
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            at = high.replace(microsecond=0)
            if _state(zone, at) == state:
                at += dt.timedelta(seconds=1)
            changes.append(
                _Change(
                    at=at,
                    before=state[0],
                    after=following[0],
                    name=following[2] or "",
                    daylight=bool(following[1]),
                )
            )
        moment, state = step, following
    return changes


def vtimezone(zone: zoneinfo.ZoneInfo, *, first: dt.date, last: dt.date) -> Timezone:
    """The VTIMEZONE of `zone` for events from `first` to `last`.

    It depends on the zone's rules and the years only, so it is worked out once per process
    and reused: scanning years of transitions was a third of every feed request. (The zone
    database, not course data: nothing here can go stale between processes.)
    """
    return _vtimezone(zone.key, first.year, last.year)


@functools.lru_cache(maxsize=64)
def _vtimezone(key: str, first_year: int, last_year: int) -> Timezone:
    zone = zoneinfo.ZoneInfo(key)
    start = dt.datetime(first_year - 1, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last_year + 2, 1, 1, tzinfo=dt.UTC)
    timezone = Timezone()
    timezone.add("tzid", zone.key)
    changes = _changes(zone, start, end)
    if not changes:
        offset, dst, name = _state(zone, start)
        timezone.add_component(
            _part(
                daylight=bool(dst),
                onset=start.replace(tzinfo=None) + offset,
                before=offset,
                after=offset,
                name=name or "",
            )
        )
        return timezone
    last_year = end.year - 1
    for run in _runs(changes):
        head, tail = run[0], run[-1]
        part = _part(
            daylight=head.daylight,
            onset=head.onset,
            before=head.before,
            after=head.after,
            name=head.name,
        )
        if len(run) > 1 or tail.onset.year == last_year:
            ordinal = min(set.intersection(*(change.ordinals() for change in run)))
            rule = {
                "FREQ": "YEARLY",
                "BYMONTH": head.onset.month,
                "BYDAY": f"{ordinal}{_WEEKDAYS[head.onset.weekday()]}",
            }
            if tail.onset.year < last_year:
                # The rule stopped inside the span: say when, or apps would run it on.
                rule["UNTIL"] = tail.at
            part.add("rrule", vRecur(rule))
        timezone.add_component(part)
    return timezone


def _runs(changes: list[_Change]) -> list[list[_Change]]:
    """Changes grouped into yearly rules: same kind, offsets, month, weekday and time, in
    consecutive years, with one ordinal (second, last...) that names every date."""
    runs: list[list[_Change]] = []
    open_runs: dict[tuple, list[_Change]] = {}
    for change in changes:
        key = change.rule_key()
        run = open_runs.get(key)
        if (
            run is not None
            and run[-1].onset.year + 1 == change.onset.year
            and run[-1].onset.weekday() == change.onset.weekday()
            and set.intersection(*(c.ordinals() for c in run), change.ordinals())
        ):
            run.append(change)
            continue
        run = [change]
        open_runs[key] = run
        runs.append(run)
    return runs


def _part(
    *, daylight: bool, onset: dt.datetime, before: dt.timedelta, after: dt.timedelta, name: str
):
    part = TimezoneDaylight() if daylight else TimezoneStandard()
    part.add("dtstart", onset)
    part.add("tzoffsetfrom", before)
    part.add("tzoffsetto", after)
    if name:
        part.add("tzname", name)
    return part
