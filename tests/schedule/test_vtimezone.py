"""The feed's VTIMEZONE: yearly rules that reproduce the zone's offsets over the course."""

import datetime as dt
import zoneinfo

import pytest

from schedule.vtimezone import vtimezone

UTC = dt.UTC


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("America/Toronto", dt.date(2025, 9, 1), dt.date(2026, 5, 31)),
        ("Europe/Zurich", dt.date(2026, 2, 16), dt.date(2026, 12, 20)),
        ("Australia/Lord_Howe", dt.date(2025, 2, 1), dt.date(2025, 11, 30)),  # 30-minute DST
        ("America/Sao_Paulo", dt.date(2018, 9, 1), dt.date(2020, 6, 30)),  # DST abolished 2019
        ("Asia/Hong_Kong", dt.date(2025, 9, 1), dt.date(2025, 11, 30)),
    ],
)
def test_the_zone_read_back_from_the_feed_gives_every_offset_of_the_course(zone, first, last):
    tz = zoneinfo.ZoneInfo(zone)
    component = vtimezone(tz, first=first, last=last)
    rebuilt = component.to_tz()

    moment = dt.datetime.combine(first, dt.time(0), UTC)
    while moment.date() <= last:
        assert moment.astimezone(rebuilt).utcoffset() == moment.astimezone(tz).utcoffset(), moment
        moment += dt.timedelta(hours=1)


def test_rules_are_yearly_rrules_not_lists_of_dates():
    text = (
        vtimezone(
            zoneinfo.ZoneInfo("America/Toronto"),
            first=dt.date(2025, 9, 1),
            last=dt.date(2026, 5, 1),
        )
        .to_ical()
        .decode()
    )

    assert "RDATE" not in text
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in text
    assert "UNTIL" not in text  # the rules still hold


def test_a_rule_that_stopped_says_until_when():
    text = (
        vtimezone(
            zoneinfo.ZoneInfo("America/Sao_Paulo"),
            first=dt.date(2018, 9, 1),
            last=dt.date(2020, 6, 30),
        )
        .to_ical()
        .decode()
    )

    assert "UNTIL=20190217T020000Z" in text  # Brazil's last change back to standard time
