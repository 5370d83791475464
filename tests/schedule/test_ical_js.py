"""The feed as Mozilla's ical.js reads it (Thunderbird and many web calendars).

ical.js misplaced events of a zone written as lists of RDATEs (python-icalendar's default): a
class at 10:00 in America/Toronto in May showed at 11:00. The feed's zones now carry yearly
rules; this test reads a feed that crosses two daylight-saving changes with ical.js itself,
run by node from tests/js (`npm ci --prefix tests/js` installs it; .ci/run does), and
compares every event's instant with the schedule API's.
"""

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import load_course_text

TOOLS = Path(__file__).resolve().parents[1] / "js"

# Tuesdays in Toronto from autumn 2025 to spring 2026: the clocks go back on 2025-11-02 and
# forward on 2026-03-08. A holiday in between stays an all-day event.
TORONTO_COURSE = """
course:
  code: toronto
  title: Across the clock changes
  time_zone: America/Toronto
  public: true
  meeting_time: 10:00-11:20
weekly:
  days: [tue, thu]
  first: 2025-10-21
  last: 2026-05-14
  topic: Seminar
  dates:
    - {date: 2025-12-25, kind: holiday, topic: No class}
    - {date: 2026-03-10, time: 8:30-9:50, topic: Early start}
"""


def ical_js_events(feed: bytes, tmp_path: Path) -> list[dict]:
    node = shutil.which("node")
    assert node, "node is needed to run ical.js (install Node.js 20)"
    assert (TOOLS / "node_modules" / "ical.js").is_dir(), "run: npm ci --prefix tests/js"
    path = tmp_path / "feed.ics"
    path.write_bytes(feed)
    result = subprocess.run(
        [node, str(TOOLS / "ical_events.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


@pytest.mark.django_db
def test_ical_js_places_every_meeting_at_the_instant_the_api_gives(client, tmp_path):
    course = load_course_text(TORONTO_COURSE)
    feed = client.get(f"/courses/{course.code}/schedule.ics")
    schedule = client.get(f"/api/courses/{course.code}/schedule/").json()
    meetings = {
        meeting["date"].replace("-", ""): meeting
        for week in schedule["weeks"]
        for meeting in week["meetings"]
    }

    events = ical_js_events(feed.content, tmp_path)

    assert len(events) == len(meetings) == 60
    for event in events:
        meeting = meetings[event["uid"].split("-")[1].split("@")[0]]
        if meeting["kind"] == "holiday":
            assert event["all_day"]
            continue
        assert event["tzid"] == "America/Toronto"
        assert (utc(event["start"]), utc(event["end"])) == (
            utc(meeting["starts_at"]),
            utc(meeting["ends_at"]),
        ), meeting["date"]
    # The API's instants are the local times: 10:00 is 15:00 UTC in winter, 14:00 in summer.
    assert utc(meetings["20251028"]["starts_at"]).hour == 14
    assert utc(meetings["20251104"]["starts_at"]).hour == 15
    assert utc(meetings["20260310"]["starts_at"]) == dt.datetime(2026, 3, 10, 12, 30, tzinfo=dt.UTC)
    assert utc(meetings["20260512"]["starts_at"]).hour == 14
