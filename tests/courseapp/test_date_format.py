"""One date format everywhere people read dates, in the course's time zone: "Tue 2 Sep 2025"
for a day, "Tue 2 Sep 2025, 10:30" for a moment (courseapp/dates.py)."""

import datetime as dt
import re
from html import unescape

import pytest
from django.contrib import admin
from django.template.loader import render_to_string
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from courseapp.dates import format_day, format_moment
from courseapp.demo import demo_load
from courseapp.models import AuditEntry, Course, CourseFileVersion, Enrollment
from presentations.models import Slot

MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
MONTH_NAMES = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    f"Sept|{MONTHS}"
)
DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
GOOD_DAY = rf"\b(?:{DAYS}) \d{{1,2}} (?:{MONTHS}) \d{{4}}\b"
# What used to appear: "12/01", "15/09/2025", "2026-11-17", "1 Dec 2026", "Tue 1 Dec",
# "Monday 15 September", Django's "Nov. 30, 2026".
OLD_FORMATS = [
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
    r"\b\d{4}-\d{2}-\d{2}\b",
    rf"\b\d{{1,2}} (?:{MONTH_NAMES})\b",
    rf"\b(?:{MONTH_NAMES})\.? \d{{1,2}}\b",
]


def visible_text(html: str) -> str:
    """The page's words as a reader sees them: no tags, attributes, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def old_dates(text: str) -> list[str]:
    """Every date written otherwise than the one format, with a little context."""
    text = re.sub(GOOD_DAY, "<day>", text)
    found = []
    for pattern in OLD_FORMATS:
        for match in re.finditer(pattern, text):
            found.append(text[max(0, match.start() - 30) : match.end() + 10])
    return found


def test_the_helpers_write_days_and_moments_in_the_course_time_zone(course):
    # 18:30 UTC on Monday 8 September is 02:30 on Tuesday the 9th in Hong Kong.
    moment = dt.datetime(2025, 9, 8, 18, 30, tzinfo=dt.UTC)

    assert format_day(dt.date(2025, 9, 2)) == "Tue 2 Sep 2025"
    assert format_moment(moment, course) == "Tue 9 Sep 2025, 02:30"
    assert format_moment(moment, "UTC") == "Mon 8 Sep 2025, 18:30"
    assert format_day(moment, course) == "Tue 9 Sep 2025"
    assert format_day(None) == format_moment(None) == ""
    with timezone.override(course.tzinfo):
        html = render_to_string(
            "presentations/includes/slot_label.html", {"slot": Slot.objects.get(position=2)}
        )
    assert re.sub(r"<[^>]+>", "", html) == "Session 1, slot 2 (Tue 9 Sep 2025, 11:00)"


@pytest.fixture
def demo(db):
    with override_settings(DEBUG=True):
        demo_load()
    return Course.objects.get(code="mlsys-2025"), Course.objects.get(code="mlsys-2025-live")


def pages_of(client, paths: list[str]) -> dict[str, str]:
    texts = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = visible_text(response.content.decode())
    return texts


def test_no_page_of_the_demo_writes_a_date_in_another_format(demo, client_of):
    archive, live = demo
    student = Enrollment.objects.get(course=live, user__username="student01").user
    ta = Enrollment.objects.get(course=live, user__username="ta").user
    instructor = Enrollment.objects.get(course=live, user__username="instructor").user
    texts = {}
    for course in (archive, live):
        enrolment = Enrollment.objects.get(course=course, user=student)
        course_pages = [
            f"/courses/{course.code}/{path}"
            for path in (
                *("", "dashboard/", "papers/", "slots/", "programme/", "feedback/"),
                *("deliverables/", "deliverables/literature-review/", "teams/"),
            )
        ]
        texts |= pages_of(client_of(student), [*course_pages, f"/courses/{course.code}/grades/"])
        texts |= pages_of(
            client_of(ta),
            [
                f"/courses/{course.code}/dashboard/",
                f"/courses/{course.code}/gradebook/",
                f"/courses/{course.code}/statistics/",
                f"/courses/{course.code}/feedback/",
                f"/courses/{course.code}/feedback/students/",
                f"/courses/{course.code}/deliverables/",
                f"/courses/{course.code}/deliverables/literature-review/",
            ],
        )
        admin_course = f"/admin/courseapp/course/{course.pk}"
        texts |= pages_of(
            client_of(instructor),
            [
                f"{admin_course}/change/",
                f"{admin_course}/course-file/",
                f"{admin_course}/grades/",
                f"{admin_course}/grades/student/{enrolment.pk}/",
                *(
                    reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
                    + f"?course__id__exact={course.pk}"
                    for model in admin.site._registry
                    if model._meta.app_label
                    in ("schedule", "presentations", "grading", "submissions")
                ),
            ],
        )
    texts |= pages_of(client_of(student), ["/", "/accounts/"])

    found = {path: old for path, text in texts.items() if (old := old_dates(text))}

    assert found == {}
    # The pages do show dates, in the one format.
    assert re.search(GOOD_DAY, texts[f"/courses/{live.code}/"])
    assert re.search(GOOD_DAY + r", \d\d:\d\d", texts[f"/admin/courseapp/course/{live.pk}/change/"])


def test_the_course_file_version_is_shown_in_the_course_time_zone(
    course, staff_instructor, client_of
):
    version = CourseFileVersion.objects.get(course=course)
    local = timezone.localtime(version.loaded_at, course.tzinfo)
    assert local.utcoffset() == dt.timedelta(hours=8)

    text = visible_text(
        client_of(staff_instructor)
        .get(f"/admin/courseapp/course/{course.pk}/course-file/")
        .content.decode()
    )

    assert f"at {local:%a} {local.day} {local:%b %Y, %H:%M}" in text


def test_booking_mails_write_the_day_in_the_one_format(demo):
    _, live = demo
    slot = Slot.objects.filter(course=live).select_related("meeting").first()
    body = render_to_string(
        "presentations/email/booked.txt",
        {"slot": slot, "course": live, "user": live.enrollments.first().user, "site_url": ""},
    )
    assert format_day(slot.meeting.date) in body
    assert old_dates(body) == []


def test_the_admin_shows_a_course_rows_times_in_the_course_time_zone(
    course, staff_instructor, client_of
):
    entry = AuditEntry.objects.filter(course=course).first()
    local = format_moment(entry.created_at, course)
    assert local != format_moment(entry.created_at, "UTC")  # Hong Kong is 8 hours ahead
    client = client_of(staff_instructor)

    listed = visible_text(client.get("/admin/courseapp/auditentry/").content.decode())
    page = client.get(f"/admin/courseapp/auditentry/{entry.pk}/change/").content.decode()

    assert local in listed
    assert local in visible_text(page)
