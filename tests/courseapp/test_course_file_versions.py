"""Every applied course file is kept as a version, with an audit entry; the services the
admin's upload page builds on: preview (a dry run that reports problems) and apply."""

import hashlib

import pytest

from conftest import load_course_text, make_user, small_course_text
from courseapp.coursefile import CourseFileError
from courseapp.models import AuditEntry, Course, CourseFileVersion
from courseapp.selectors import course_file_current, course_file_versions
from courseapp.services import course_file_apply, course_file_preview
from tests.courseapp.course_files import dump, edit, line_of, loadcourse

pytestmark = pytest.mark.django_db

Via = AuditEntry.Via


def versions(code: str = "seminar") -> list[tuple]:
    return list(
        CourseFileVersion.objects.filter(course__code=code)
        .order_by("number")
        .values_list("number", "via", "loaded_by__username", "summary")
    )


def loads(code: str = "seminar") -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(course__code=code, action="course_file.load").order_by("pk")
    )


def test_loadcourse_keeps_the_file_it_applied_as_version_1(course_file):
    text = small_course_text()

    loadcourse(course_file(text))

    (version,) = CourseFileVersion.objects.all()
    assert (version.course.code, version.number, version.text) == ("seminar", 1, text)
    assert version.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert (version.via, version.loaded_by) == (Via.COMMAND, None)
    assert version.summary == "seminar: 22 created, 0 updated, 0 deleted"


def test_loading_the_same_file_again_keeps_no_new_version_and_writes_no_entry(course_file):
    path = course_file(small_course_text())
    loadcourse(path)
    before = dump()

    loadcourse(path)

    assert dump() == before
    assert len(versions()) == len(loads()) == 1


def test_an_edited_file_becomes_the_next_version_with_its_audit_entry(course_file):
    loadcourse(course_file(small_course_text()))
    text = small_course_text(title="Systems Seminar, revised")

    loadcourse(course_file(text))

    assert versions() == [
        (1, Via.COMMAND, None, "seminar: 22 created, 0 updated, 0 deleted"),
        (2, Via.COMMAND, None, "seminar: 0 created, 1 updated, 0 deleted"),
    ]
    entry = loads()[-1]
    assert (entry.via, entry.actor, entry.object_label) == (
        Via.COMMAND,
        None,
        "course file version 2",
    )
    assert entry.object_type == "courseapp.coursefileversion"
    assert entry.new == {
        "summary": "seminar: 0 created, 1 updated, 0 deleted",
        "version": 2,
        "changes": [
            "updated course seminar: title 'Systems Seminar' -> 'Systems Seminar, revised'",
            "recorded the file as course file version 2",
        ],
    }


def test_a_new_text_that_changes_no_row_is_still_kept(course_file):
    loadcourse(course_file(small_course_text()))
    commented = "# Reviewed for the spring term.\n" + small_course_text()

    output = loadcourse(course_file(commented))

    assert output == ["recorded the file as course file version 2", "seminar: no changes"]
    assert CourseFileVersion.objects.get(number=2).text == commented


def test_apply_records_who_loaded_the_file_and_how(db):
    prof = make_user("prof")

    report = course_file_apply(text=small_course_text(), actor=prof, via=Via.ADMIN)

    assert report.version == 1
    assert versions() == [(1, Via.ADMIN, "prof", "seminar: 22 created, 0 updated, 0 deleted")]
    (entry,) = loads()
    assert (entry.actor, entry.actor_label, entry.via) == (prof, "prof", Via.ADMIN)


def test_a_dry_run_keeps_no_version_and_writes_no_entry(course):
    before = dump()

    report = course_file_apply(text=small_course_text(title="Renamed"), via=Via.ADMIN, dry_run=True)

    assert report.version == 2
    assert report.lines() == [
        "would update course seminar: title 'Systems Seminar' -> 'Renamed'",
        "would record the file as course file version 2",
    ]
    assert dump() == before


def test_a_file_for_another_course_is_refused_on_a_courses_page(course, other_course):
    text = small_course_text(code="other-seminar", title="Taken over")
    before = dump()

    with pytest.raises(CourseFileError) as caught:
        course_file_apply(text=text, via=Via.ADMIN, course=course)

    assert caught.value.problems == [
        f"course.code (line {line_of(text, 'code:')}): this file describes the course "
        "'other-seminar', not 'seminar'"
    ]
    assert dump() == before


def test_preview_lists_the_changes_and_writes_nothing(course):
    before = dump()

    preview = course_file_preview(text=small_course_text(title="Renamed"), course=course)

    assert preview.ok
    assert preview.changed
    assert preview.lines == [
        "would update course seminar: title 'Systems Seminar' -> 'Renamed'",
        "would record the file as course file version 2",
    ]
    assert preview.summary == "seminar (dry run, nothing written): 0 created, 1 updated, 0 deleted"
    assert dump() == before


def test_preview_lists_every_problem_with_its_location(course):
    text = edit(small_course_text(), "total_points: 100", "total_points: 90")
    text = edit(text, "slots: 2, slot_minutes: 30}", "slots: 2, slot_minutes: 90}")

    preview = course_file_preview(text=text, course=course)

    assert not preview.ok
    assert preview.problems == [
        f"sessions[0].slot_minutes (line {line_of(text, '{number: 1')}): 2 slots of 90 minutes "
        "from 10:30 run to 13:30, past the end of the meeting (10:30-11:50)",
        f"grading (line {line_of(text, 'grading:')}): the leaves add up to 100 points, but "
        "course.total_points is 90",
    ]
    assert preview.lines == []


def test_the_current_file_is_the_latest_version(course, django_assert_num_queries):
    load_course_text(small_course_text(title="Second"))

    with django_assert_num_queries(1):
        current = course_file_current(course=course)
        loaded_by = current.loaded_by

    assert (current.number, current.text, loaded_by) == (2, small_course_text(title="Second"), None)
    assert [version.number for version in course_file_versions(course=course)] == [2, 1]
    assert Course.objects.get(code="seminar").title == "Second"
