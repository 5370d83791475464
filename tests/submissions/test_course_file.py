"""The course file's deliverables: checked with located errors, loaded by key, updated in
place, and never deleted or changed under hand-ins."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from conftest import load_course_text
from courseapp.coursefile import CourseFileError, parse_course_file
from courseapp.loader import CourseLoadRefused
from courseapp.services import course_load
from submissions.models import Deliverable, Submission
from submissions.services import submission_upload
from tests.submissions.conftest import deliverables_course_text, pdf_upload

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")


def _load(text):
    return course_load(spec=parse_course_file(text), text=text)


def test_loading_the_same_file_again_changes_nothing(course):
    before = list(Deliverable.objects.values_list("pk", "key", "due"))

    report = _load(deliverables_course_text())

    assert not report.changed
    assert list(Deliverable.objects.values_list("pk", "key", "due")) == before


def test_an_edited_deliverable_is_updated_in_place(course, review):
    text = deliverables_course_text().replace("due: 2025-10-01T23:59", "due: 2025-10-02T23:59")

    _load(text)

    moved = Deliverable.objects.get(course=course, key="review")
    assert moved.pk == review.pk
    assert moved.due == dt.datetime(2025, 10, 2, 23, 59, tzinfo=HK)


def test_a_deliverable_with_hand_ins_is_not_deleted_nor_made_team_work(course, review, student):
    with time_machine.travel(dt.datetime(2025, 9, 20, tzinfo=HK), tick=False):
        submission_upload(deliverable=review, user=student, upload=pdf_upload(3), via="web")
    block = deliverables_course_text().split("  - key: review\n")[1].split("  - key: plan")[0]
    without = deliverables_course_text().replace("  - key: review\n" + block, "")
    as_team = deliverables_course_text().replace(
        "    page_limit: 4\n", "    page_limit: 4\n    team: true\n"
    )

    with pytest.raises(CourseLoadRefused) as deleted:
        _load(without)
    with pytest.raises(CourseLoadRefused) as changed:
        _load(as_team)

    assert "deliverable review is no longer in the file, but" in deleted.value.problems[0]
    assert "its team cannot change under 1 submission" in changed.value.problems[0]
    assert Submission.objects.count() == 1


def test_an_untouched_deliverable_is_deleted_with_the_file(course):
    block = deliverables_course_text().split("  - key: review\n")[1].split("  - key: plan")[0]
    _load(deliverables_course_text().replace("  - key: review\n" + block, ""))
    assert not Deliverable.objects.filter(course=course, key="review").exists()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ("    feeds: [review]", "    feeds: [nope]"),
            "deliverables[0].feeds[0] (line 63): 'nope' is not a leaf of the rubric",
        ),
        (
            ("    feeds: [review]", "    feeds: [responses]"),
            "deliverables[0].feeds[0] (line 63): a one-off deliverable feeds instructor leaves;"
            " 'responses' is 'responses'",
        ),
        (
            ("    due: 2025-10-01T23:59", "    due: 2025-08-01T23:59"),
            "deliverables[0].opens (line 60): opens 2025-09-01 00:00:00 is not before due",
        ),
        (
            ("    late: refuse\n", "    late: sometimes\n"),
            "deliverables[2].late (line 75): 'sometimes': write `refuse`, or a mapping",
        ),
        (
            (
                "    every: {kind: lecture",
                "    every: {kind: review, due_time: '9:00'}\n    x: {kind: lecture",
            ),
            "deliverables[2].x",
        ),
    ],
)
def test_problems_are_located(db, change, problem):
    text = deliverables_course_text().replace(*change)
    with pytest.raises(CourseFileError) as refused:
        parse_course_file(text)
    assert any(message.startswith(problem) for message in refused.value.problems), (
        refused.value.problems
    )


def test_a_deliverable_needs_either_due_or_every(db):
    text = deliverables_course_text().replace(
        "    every: {kind: lecture", "    due: 2025-10-01T10:00\n    every: {kind: lecture"
    )
    with pytest.raises(CourseFileError) as refused:
        parse_course_file(text)
    assert any("give either `due`" in message for message in refused.value.problems)


def test_the_live_copy_moves_the_due_dates(db):
    spec = parse_course_file(deliverables_course_text())
    moved = spec.shifted(weeks=2, code_suffix="-live")
    assert moved.deliverables[0].due == spec.deliverables[0].due + dt.timedelta(weeks=2)


def test_a_second_course_gets_its_own_deliverables(course, other_course):
    load_course_text(deliverables_course_text(code="third"))
    assert Deliverable.objects.filter(course__code="third", key="review").exists()
    assert Deliverable.objects.filter(course=course, key="review").count() == 1


def test_a_key_that_could_clash_with_a_recurring_ones_instances_is_refused(db):
    text = deliverables_course_text().replace("  - key: plan\n", "  - key: response-20250902\n")
    with pytest.raises(CourseFileError) as refused:
        parse_course_file(text)
    assert any(
        message.startswith("deliverables[1].key")
        and "may clash with the instances of deliverables[2]" in message
        for message in refused.value.problems
    ), refused.value.problems


def test_a_due_time_that_does_not_exist_in_the_course_zone_is_refused(db):
    text = (
        deliverables_course_text()
        .replace("time_zone: Asia/Hong_Kong", "time_zone: Europe/Zurich")
        .replace("    due: 2025-10-01T23:59", "    due: 2026-03-29T02:30")
    )
    with pytest.raises(CourseFileError) as refused:
        parse_course_file(text)
    assert any(m.startswith("deliverables[0].due") for m in refused.value.problems), (
        refused.value.problems
    )


def test_a_due_date_across_a_clock_change_is_read_in_the_course_zone(db):
    text = (
        deliverables_course_text(code="zurich")
        .replace("time_zone: Asia/Hong_Kong", "time_zone: Europe/Zurich")
        .replace("    due: 2025-10-01T23:59", "    due: 2025-10-27T09:00")
    )
    course = load_course_text(text)
    due = Deliverable.objects.get(course=course, key="review").due
    assert due == dt.datetime(2025, 10, 27, 8, 0, tzinfo=dt.UTC)  # CET, UTC+1 after 26 Oct
