"""Due dates in the personal calendar feed; what is due next on the dashboard."""

import datetime as dt
import zoneinfo

import time_machine
from icalendar import Calendar

from courseapp.accounts import feed_key_create
from courseapp.models import AuditEntry, Enrollment
from submissions.services import extension_grant

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")


def _feed(client, course, user):
    key = feed_key_create(user=user, actor=user, via=AuditEntry.Via.PAGE)[0].key
    response = client.get(f"/courses/{course.code}/schedule.ics?key={key}")
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def test_the_personal_feed_carries_the_students_due_dates(client, course, student, ta, review):
    extension_grant(
        deliverable=review,
        student=Enrollment.objects.get(user=student),
        due=dt.datetime(2025, 10, 3, 23, 59, tzinfo=HK),
        reason="Illness",
        actor=ta,
        via="web",
    )
    events = {
        str(event["summary"]): event for event in _feed(client, course, student).walk("VEVENT")
    }

    review_event = events["seminar: due: Literature review"]
    assert review_event.decoded("dtstart") == dt.datetime(2025, 10, 3, 23, 59, tzinfo=HK)
    assert "extended" in str(review_event["description"])
    assert "seminar: due: Research plan" in events
    assert sum(1 for summary in events if summary.startswith("seminar: due: Response")) == 3


def test_staff_feeds_carry_no_due_dates(client, course, ta):
    summaries = [str(e["summary"]) for e in _feed(client, course, ta).walk("VEVENT")]
    assert not any(": due: " in summary for summary in summaries)


def test_the_dashboard_shows_what_is_due_next(client_of, course, student):
    with time_machine.travel(dt.datetime(2025, 9, 20, tzinfo=HK), tick=False):
        html = client_of(student).get(f"/courses/{course.code}/dashboard/").content.decode()

    card = html[html.index('class="card card-due_next"') :]
    card = card[: card.index("</article>")]
    assert "Literature review" in card
    assert "Wed 1 Oct, 23:59" in card
    assert "Research plan" in card
