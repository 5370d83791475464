"""`manage.py loadcourse PATH [--dry-run]`: loading, reloading, dry runs and refusals.

Every refusal is checked the same way: the command fails, the message names the problem's
place in the file, and a dump of every course-data table is the same before and after.
The refused files are edits of an already loaded course, the harder case for atomicity.
"""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError

from conftest import DEMO_COURSE_FILE, load_course_text, small_course_text
from courseapp import inuse, services
from courseapp.coursefile import parse_course_file
from courseapp.models import Course
from grading.models import Criterion
from presentations.models import Category, Paper, Slot
from schedule.models import Meeting, Week
from tests.courseapp.course_files import dump, edit, line_of, loadcourse

REPOSITORY = Path(__file__).resolve().parents[2]


def refused(path: Path) -> list[str]:
    """Run the command on an invalid file: it must fail, list problems, and write nothing."""
    before = dump()
    with pytest.raises(CommandError) as caught:
        loadcourse(path)
    assert caught.value.returncode != 0
    assert dump() == before
    heading, *problems = str(caught.value).splitlines()
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    assert heading == f"{path} is not a valid course file ({count}; nothing was changed):"
    return problems


# --- Loading ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_a_new_course_prints_a_line_per_row_and_a_summary(course_file):
    output = loadcourse(course_file(small_course_text()))

    assert output[:4] == [
        "created course seminar",
        "created category training",
        "created category inference",
        "created week W1",
    ]
    assert "created meeting 2025-09-04 (No class)" in output
    assert "created slot 2 of session 1 on 2025-09-09" in output
    assert "created criterion organisation" in output
    assert "created letter grade F" in output
    # course 1, categories 2, weeks 2, meetings 4, slots 2, papers 2, question 1,
    # criteria 6, letters 2
    assert output[-2:] == [
        "recorded the file as course file version 1",
        "seminar: 22 created, 0 updated, 0 deleted",
    ]
    assert len(output) == 24


@pytest.mark.django_db
def test_a_loaded_course_stores_what_the_file_says(course_file):
    loadcourse(course_file(small_course_text()))

    course = Course.objects.get(code="seminar")
    assert course.time_zone == "Asia/Hong_Kong"
    lecture = Meeting.objects.get(course=course, date=dt.date(2025, 9, 2))
    # The course's meeting time and room apply to every meeting that names none.
    assert (lecture.starts_at, lecture.ends_at, lecture.room) == (
        dt.time(10, 30),
        dt.time(11, 50),
        "Room 101",
    )
    assert lecture.slides_url == "https://example.org/intro.pdf"
    session = Meeting.objects.get(course=course, session_number=1)
    assert session.date == dt.date(2025, 9, 9)
    # Slots run back to back from the start of the meeting.
    slots = Slot.objects.filter(meeting=session).order_by("position")
    assert [(slot.starts_at, slot.duration_minutes) for slot in slots] == [
        (dt.time(10, 30), 30),
        (dt.time(11, 0), 30),
    ]
    assert {slot.category.key for slot in slots} == {"training"}
    organisation = Criterion.objects.get(course=course, key="organisation")
    assert organisation.parent.key == "presentation"
    assert list(organisation.feedback_questions.values_list("key", flat=True)) == ["organisation"]


@pytest.mark.django_db
def test_the_documented_example_loads_and_reloads_without_changes(course_file):
    docs = (REPOSITORY / "docs" / "course-file.md").read_text(encoding="utf-8")
    example = docs[docs.index("```yaml\n", docs.index("## A complete example")) + 8 :]
    path = course_file(example[: example.index("```")])

    # Its rows, the deliverables included (the survey, one response per lecture).
    assert loadcourse(path)[-1] == "dbsys-2026: 42 created, 0 updated, 0 deleted"
    assert loadcourse(path) == ["dbsys-2026: no changes"]


@pytest.mark.django_db
def test_a_naive_signup_opening_is_read_in_the_course_time_zone(course_file):
    text = small_course_text() + "policies:\n  signup_opens: 2025-09-01T09:00\n"

    loadcourse(course_file(text))

    opens = Course.objects.get(code="seminar").signup_opens_at
    # 09:00 in Hong Kong (UTC+8) is 01:00 UTC.
    assert opens == dt.datetime(2025, 9, 1, 1, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_signup_opening_with_an_offset_keeps_it(course_file):
    text = small_course_text() + "policies:\n  signup_opens: 2025-09-01T09:00+00:00\n"

    loadcourse(course_file(text))

    assert Course.objects.get(code="seminar").signup_opens_at == dt.datetime(
        2025, 9, 1, 9, 0, tzinfo=dt.UTC
    )


@pytest.mark.django_db
def test_slot_times_written_like_10_30_are_stored_as_times(course_file):
    text = edit(small_course_text(), "slot_minutes: 30}", "slot_times: [10:30, 11:15]}")

    loadcourse(course_file(text))

    starts = Slot.objects.order_by("position").values_list("starts_at", flat=True)
    assert list(starts) == [dt.time(10, 30), dt.time(11, 15)]


# --- Reloading ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_the_demo_file_twice_changes_no_row(django_assert_max_num_queries):
    loadcourse(DEMO_COURSE_FILE)
    before = dump()

    # Matching rows costs one query a table, whatever the size of the course (the
    # deliverables two: their rows and the leaves they feed).
    with django_assert_max_num_queries(18):
        output = loadcourse(DEMO_COURSE_FILE)

    assert output == ["mlsys-2025: no changes"]
    assert dump() == before


@pytest.mark.django_db
def test_reloading_reports_nothing():
    spec_text = DEMO_COURSE_FILE.read_text(encoding="utf-8")
    load_course_text(spec_text)

    report = services.course_load(spec=parse_course_file(spec_text))

    assert report.changes == []
    assert not report.changed


@pytest.mark.django_db
def test_an_edited_file_updates_rows_in_place(course, course_file):
    papers = {paper.key: paper.pk for paper in Paper.objects.filter(course=course)}
    meetings = {m.date: m.pk for m in Meeting.objects.filter(course=course)}
    criteria = {c.key: c.pk for c in Criterion.objects.filter(course=course)}
    text = small_course_text(title="Systems Seminar, revised")
    text = edit(
        text,
        '{key: zero, title: "ZeRO", category: training, year: 2020}',
        '{key: zero, title: "ZeRO: Memory Optimizations", category: inference, year: 2020}',
    )
    text = edit(text, "topic: Introduction,", "topic: Introduction and Logistics,")
    # The research plan moves from the report to the presentation part.
    plan = "      - {key: plan, name: Research plan, points: 20, source: instructor}\n"
    text = edit(text, plan, "")
    text = edit(text, "name: Literature review, points: 50", "name: Literature review, points: 70")
    text = edit(text, "name: Organisation, points: 25", "name: Organisation, points: 5")
    text = edit(text, "source: feedback_given}\n", "source: feedback_given}\n" + plan)

    output = loadcourse(course_file(text))

    assert output == [
        "updated course seminar: title 'Systems Seminar' -> 'Systems Seminar, revised'",
        "updated meeting 2025-09-02 (Introduction and Logistics): "
        "topic 'Introduction' -> 'Introduction and Logistics'",
        "updated paper zero: title 'ZeRO' -> 'ZeRO: Memory Optimizations'; "
        "category training -> inference",
        "updated criterion organisation: points 25 -> 5",
        "updated criterion plan: parent report -> presentation; position 1 -> 2",
        "updated criterion review: points 50 -> 70",
        "recorded the file as course file version 2",
        "seminar: 0 created, 6 updated, 0 deleted",
    ]
    zero = Paper.objects.get(course=course, key="zero")
    assert zero.pk == papers["zero"]
    assert (zero.title, zero.category.key) == ("ZeRO: Memory Optimizations", "inference")
    assert {m.date: m.pk for m in Meeting.objects.filter(course=course)} == meetings
    assert {c.key: c.pk for c in Criterion.objects.filter(course=course)} == criteria
    moved = Criterion.objects.get(course=course, key="plan")
    assert (moved.parent.key, moved.position) == ("presentation", 2)
    course.refresh_from_db()
    assert course.title == "Systems Seminar, revised"


@pytest.mark.django_db
def test_a_paper_or_meeting_removed_from_the_file_is_deleted(course, course_file):
    kept_paper = Paper.objects.get(course=course, key="zero")
    text = edit(
        small_course_text(), '  - {key: vllm, title: "vLLM", category: inference, year: 2023}\n', ""
    )
    text = edit(text, "      - {date: 2025-09-11, kind: review, topic: Final Review}\n", "")

    output = loadcourse(course_file(text))

    assert output == [
        "deleted paper vllm",
        "deleted meeting 2025-09-11 (Final Review)",
        "recorded the file as course file version 2",
        "seminar: 0 created, 0 updated, 2 deleted",
    ]
    assert list(Paper.objects.filter(course=course)) == [kept_paper]
    assert not Meeting.objects.filter(course=course, date=dt.date(2025, 9, 11)).exists()


@pytest.mark.django_db
def test_a_removed_rubric_part_goes_children_first(course, course_file):
    text = edit(
        small_course_text(),
        "name: Presentation\n    points: 30",
        "name: Presentation\n    points: 100",
    )
    text = edit(text, "name: Organisation, points: 25", "name: Organisation, points: 95")
    text = text[: text.index("  report:\n")] + text[text.index("letters:\n") :]

    output = loadcourse(course_file(text))

    assert output == [
        "updated criterion presentation: points 30 -> 100",
        "updated criterion organisation: points 25 -> 95",
        "deleted criterion review",
        "deleted criterion plan",
        "deleted criterion report",
        "recorded the file as course file version 2",
        "seminar: 0 created, 2 updated, 3 deleted",
    ]
    assert set(Criterion.objects.filter(course=course).values_list("key", flat=True)) == {
        "presentation",
        "organisation",
        "feedback-given",
    }


@pytest.mark.django_db
def test_two_sessions_can_swap_dates(course_file):
    text = edit(
        small_course_text(),
        "{date: 2025-09-11, kind: review, topic: Final Review}",
        "{date: 2025-09-11, kind: presentation, topic: Presentation Session-2}",
    )
    text = edit(
        text,
        "slots: 2, slot_minutes: 30}\n",
        "slots: 2, slot_minutes: 30}\n"
        "  - {number: 2, date: 2025-09-11, category: inference, slots: 1}\n",
    )
    loadcourse(course_file(text))
    swapped = edit(text, "{number: 1, date: 2025-09-09", "{number: 1, date: 2025-09-11")
    swapped = edit(swapped, "{number: 2, date: 2025-09-11", "{number: 2, date: 2025-09-09")
    swapped = edit(swapped, "slots: 2, slot_minutes: 30}", "slots: 1}")
    swapped = edit(
        swapped,
        "category: inference, slots: 1}",
        "category: inference, slots: 2, slot_minutes: 30}",
    )

    output = loadcourse(course_file(swapped, "swapped.yaml"))

    assert "updated meeting 2025-09-09 (Presentation Session-1): session_number 1 -> 2" in (output)
    assert "updated meeting 2025-09-11 (Presentation Session-2): session_number 2 -> 1" in (output)
    numbers = dict(
        Meeting.objects.filter(kind="presentation").values_list("date", "session_number")
    )
    assert numbers == {dt.date(2025, 9, 9): 2, dt.date(2025, 9, 11): 1}


@pytest.mark.django_db
def test_a_row_something_else_still_uses_is_not_deleted_the_load_is_refused(
    course, other_course, course_file
):
    # Paper.category is PROTECT. A paper of the course itself cannot keep a category alive,
    # since the file may not name an unknown category; but a paper of another course, filed
    # in the admin by someone who teaches both, can point at this course's category.
    inference = Category.objects.get(course=course, key="inference")
    Paper.objects.create(course=other_course, key="orca", title="Orca", category=inference)
    text = edit(small_course_text(), "  - {key: inference, name: Inference}\n", "")
    text = edit(text, '  - {key: vllm, title: "vLLM", category: inference, year: 2023}\n', "")
    before = dump()

    with pytest.raises(CommandError) as caught:
        loadcourse(course_file(text))

    assert str(caught.value).splitlines()[1:] == [
        f"categories (line {line_of(text, 'categories:')}): category inference is no longer in "
        "the file, but 1 paper refers to it"
    ]
    assert dump() == before


@pytest.mark.django_db
def test_a_row_whose_deletion_would_take_other_data_along_counts_as_used(course):
    # No model outside the course file refers to its rows yet (bookings, scores and feedback
    # come in later issues, perhaps with CASCADE). Treating slots as such a model shows the
    # guard: the meeting is in use because deleting it would take its two slots along.
    owned = frozenset({Week, Meeting, Category, Paper, Criterion})
    session = Meeting.objects.get(course=course, session_number=1)
    lecture = Meeting.objects.get(course=course, date=dt.date(2025, 9, 2))

    assert inuse.deletion_blocker(session, owned=owned) == "deleting it would take along 2 slots"
    assert inuse.deletion_blocker(lecture, owned=owned) is None


# --- Dry runs ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_dry_run_prints_what_would_change_and_writes_nothing(course, course_file):
    text = small_course_text(title="Systems Seminar, revised")
    text = edit(text, '  - {key: vllm, title: "vLLM", category: inference, year: 2023}\n', "")
    before = dump()

    output = loadcourse(course_file(text), dry_run=True)

    assert output == [
        "would update course seminar: title 'Systems Seminar' -> 'Systems Seminar, revised'",
        "would delete paper vllm",
        "would record the file as course file version 2",
        "seminar (dry run, nothing written): 0 created, 1 updated, 1 deleted",
    ]
    assert dump() == before


@pytest.mark.django_db
def test_a_dry_run_of_a_new_course_creates_nothing(course_file):
    before = dump()

    output = loadcourse(course_file(small_course_text()), dry_run=True)

    assert output[0] == "would create course seminar"
    assert output[-1].startswith("seminar (dry run, nothing written): 22 created")
    assert dump() == before
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_a_dry_run_without_changes_says_so(course, course_file):
    assert loadcourse(course_file(small_course_text()), dry_run=True) == [
        "seminar (dry run, nothing written): no changes"
    ]


# --- Files that cannot be read -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"nope\.yaml: no such course file$"):
        loadcourse(tmp_path / "nope.yaml")


@pytest.mark.django_db
def test_a_directory_is_not_a_course_file(tmp_path):
    with pytest.raises(CommandError, match="is a directory, not a course file"):
        loadcourse(tmp_path)


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(small_course_text(title="Séminaire").encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8 text"):
        loadcourse(path)
    assert not Course.objects.exists()


# --- Every invalid case: refused, located, nothing written ---------------------------------------


@pytest.mark.django_db
def test_refuses_a_yaml_syntax_error_with_its_line(course, course_file):
    text = edit(small_course_text(), "  room: Room 101", "  room: Room: 101")

    problems = refused(course_file(text))

    line = line_of(text, "room: Room: 101")
    assert len(problems) == 1
    # The wording after "not allowed" depends on whether PyYAML was built with libyaml.
    assert problems[0].startswith(
        f"line {line}, column 13: YAML syntax error: mapping values are not allowed"
    )


@pytest.mark.django_db
def test_refuses_a_missing_key(course, course_file):
    text = edit(small_course_text(), "  title: Systems Seminar\n", "")

    problems = refused(course_file(text))

    assert problems == [f"course.title (line {line_of(text, 'course:')}): missing required key"]


@pytest.mark.django_db
def test_refuses_an_unknown_key(course, course_file):
    text = edit(
        small_course_text(),
        "    starts: 2025-09-01\n",
        "    starts: 2025-09-01\n    colour: blue\n",
    )

    problems = refused(course_file(text))

    assert problems == [
        f"weeks[0].colour (line {line_of(text, 'colour')}): unknown key "
        "(known keys: number, starts, title, meetings)"
    ]


@pytest.mark.django_db
def test_refuses_a_bad_date(course, course_file):
    text = edit(small_course_text(), "starts: 2025-09-01", "starts: 2025-09-31")

    problems = refused(course_file(text))

    assert problems == [
        f"weeks[0].starts (line {line_of(text, '2025-09-31')}): '2025-09-31' is not a date like "
        "2025-09-02 (day value is outside expected range)"
    ]


@pytest.mark.django_db
def test_refuses_a_bad_time(course, course_file):
    text = edit(small_course_text(), "meeting_time: 10:30-11:50", "meeting_time: 10:30-11:70")

    problems = refused(course_file(text))

    assert problems == [
        f"course.meeting_time (line {line_of(text, 'meeting_time')}): '10:30-11:70' is not a "
        "time range like 10:30-11:50 (the minute must be 0 to 59)"
    ]


@pytest.mark.django_db
def test_refuses_a_meeting_outside_its_week(course, course_file):
    text = edit(
        small_course_text(), "{date: 2025-09-04, kind: holiday", "{date: 2025-09-08, kind: holiday"
    )

    problems = refused(course_file(text))

    assert problems == [
        f"weeks[0].meetings[1].date (line {line_of(text, '2025-09-08, kind')}): 2025-09-08 is "
        "outside week 1 (2025-09-01 to 2025-09-07)"
    ]


@pytest.mark.django_db
def test_refuses_a_duplicate_week(course, course_file):
    text = edit(small_course_text(), "  - number: 2\n", "  - number: 1\n")

    problems = refused(course_file(text))

    line = line_of(text, "  - number: 1\n    starts: 2025-09-08")
    assert problems == [f"weeks[1].number (line {line}): duplicate week 1 (first at weeks[0])"]


@pytest.mark.django_db
def test_refuses_a_duplicate_category_key(course, course_file):
    text = edit(
        small_course_text(), "{key: inference, name: Inference}", "{key: training, name: Inference}"
    )

    problems = refused(course_file(text))

    line = line_of(text, "{key: training, name: Inference}")
    assert problems[0] == (
        f"categories[1].key (line {line}): duplicate category 'training' (first at categories[0])"
    )
    # The vLLM paper's category is gone with it.
    assert problems[1].startswith("papers[1].category")


@pytest.mark.django_db
def test_refuses_a_duplicate_paper_key(course, course_file):
    text = edit(small_course_text(), '{key: vllm, title: "vLLM"', '{key: zero, title: "vLLM"')

    problems = refused(course_file(text))

    line = line_of(text, '{key: zero, title: "vLLM"')
    assert problems == [f"papers[1].key (line {line}): duplicate paper 'zero' (first at papers[0])"]


@pytest.mark.django_db
def test_refuses_a_duplicate_feedback_question_key(course, course_file):
    text = edit(
        small_course_text(),
        "  - {key: organisation, label: Organisation, scale: [1, 5]}\n",
        "  - {key: organisation, label: Organisation, scale: [1, 5]}\n"
        "  - {key: organisation, label: Structure}\n",
    )

    problems = refused(course_file(text))

    line = line_of(text, "{key: organisation, label: Structure}")
    assert problems == [
        f"feedback_questions[1].key (line {line}): duplicate question 'organisation' "
        "(first at feedback_questions[0])"
    ]


@pytest.mark.django_db
def test_refuses_a_duplicate_criterion_key(course, course_file):
    text = edit(
        small_course_text(), "{key: plan, name: Research plan", "{key: review, name: Research plan"
    )

    problems = refused(course_file(text))

    line = line_of(text, "{key: review, name: Research plan")
    assert problems == [
        f"grading.report.children[1].key (line {line}): duplicate criterion key 'review' "
        "(first at grading.report.children[0])"
    ]


@pytest.mark.django_db
def test_refuses_a_key_written_twice_in_one_mapping(course, course_file):
    text = edit(
        small_course_text(), "  term: Autumn 2025\n", "  term: Autumn 2025\n  title: Again\n"
    )

    problems = refused(course_file(text))

    assert problems == [
        f"course.title (line {line_of(text, 'title: Again')}): key written twice in one mapping "
        f"(first on line {line_of(text, 'title: Systems')})"
    ]


@pytest.mark.django_db
def test_refuses_children_whose_points_do_not_add_up_to_their_parent(course, course_file):
    text = edit(
        small_course_text(), "name: Research plan, points: 20", "name: Research plan, points: 15"
    )
    text = edit(text, "total_points: 100", "total_points: 95")

    problems = refused(course_file(text))

    assert problems == [
        f"grading.report.points (line {line_of(text, 'points: 70')}): 70 points, but its "
        "children add up to 65"
    ]


@pytest.mark.django_db
def test_refuses_leaf_points_that_do_not_add_up_to_the_course_total(course, course_file):
    text = edit(small_course_text(), "total_points: 100", "total_points: 120")

    problems = refused(course_file(text))

    assert problems == [
        f"grading (line {line_of(text, 'grading:')}): the leaves add up to 100 points, but "
        "course.total_points is 120"
    ]


@pytest.mark.django_db
def test_refuses_an_unknown_source(course, course_file):
    text = edit(small_course_text(), "source: feedback_given", "source: feedback")

    problems = refused(course_file(text))

    assert problems == [
        f"grading.presentation.children[1].source (line {line_of(text, 'source: feedback}')}): "
        "'feedback' is not one of: 'instructor', 'peer', 'blend', 'feedback_given' or 'responses'"
    ]


@pytest.mark.django_db
def test_refuses_a_peer_share_outside_0_to_1(course, course_file):
    text = edit(small_course_text(), "peer_share: 0.7", "peer_share: 70")

    problems = refused(course_file(text))

    assert problems == [
        f"grading.presentation.children[0].peer_share (line {line_of(text, 'peer_share')}): "
        "70 is outside [0, 1] (0.7 means 70%)"
    ]


@pytest.mark.django_db
def test_refuses_a_blend_leaf_without_a_feedback_question(course, course_file):
    text = edit(small_course_text(), ",\n         questions: [organisation]}", "}")

    problems = refused(course_file(text))

    line = line_of(text, "{key: organisation, name")
    assert problems == [
        f"grading.presentation.children[0].questions (line {line}): "
        "a blend leaf needs at least one feedback question"
    ]


@pytest.mark.django_db
def test_refuses_a_peer_leaf_without_a_feedback_question(course, course_file):
    text = edit(
        small_course_text(),
        "name: Research plan, points: 20, source: instructor",
        "name: Research plan, points: 20, source: peer",
    )

    problems = refused(course_file(text))

    assert problems == [
        f"grading.report.children[1].questions (line {line_of(text, '{key: plan')}): "
        "a peer leaf needs at least one feedback question"
    ]


@pytest.mark.django_db
def test_refuses_a_session_naming_an_unknown_category(course, course_file):
    text = edit(small_course_text(), "category: training, slots: 2", "category: serving, slots: 2")

    problems = refused(course_file(text))

    assert problems == [
        f"sessions[0].category (line {line_of(text, 'category: serving')}): unknown category "
        "'serving' (known: inference, training)"
    ]


@pytest.mark.django_db
def test_a_file_with_several_problems_lists_them_all(course, course_file):
    text = edit(small_course_text(), "time_zone: Asia/Hong_Kong", "time_zone: Asia/Hongkong")
    text = edit(text, "{date: 2025-09-04, kind: holiday", "{date: 2025-09-04, kind: vacation")
    text = edit(text, "category: training, slots: 2", "category: serving, slots: 2")
    text = edit(text, "peer_share: 0.7", "peer_share: 1.5")
    text = edit(text, "name: Research plan, points: 20", "name: Research plan, points: 25")

    problems = refused(course_file(text))

    assert problems == [
        f"course.time_zone (line {line_of(text, 'time_zone')}): unknown time zone "
        "'Asia/Hongkong' (use an IANA name like Asia/Hong_Kong)",
        f"weeks[0].meetings[1].kind (line {line_of(text, 'kind: vacation')}): 'vacation' is "
        "not one of: 'lecture', 'presentation', 'review' or 'holiday'",
        f"sessions[0].category (line {line_of(text, 'category: serving')}): unknown category "
        "'serving' (known: inference, training)",
        f"grading.presentation.children[0].peer_share (line {line_of(text, 'peer_share')}): "
        "1.5 is outside [0, 1] (0.7 means 70%)",
        f"grading.report.points (line {line_of(text, 'points: 70')}): 70 points, but its "
        "children add up to 75",
    ]


@pytest.mark.django_db
def test_an_invalid_new_course_creates_nothing(course_file):
    text = edit(small_course_text(code="brand-new"), "total_points: 100", "total_points: 90")

    refused(course_file(text))

    assert not Course.objects.exists()


# --- The command as a process: exit status and error stream ---------------------------------------


def run_manage(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    # A refused file never reaches the database; point it at an empty one all the same. The
    # system checks import every URL and view, which is not what these tests are about.
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--skip-checks"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_invalid_file_exits_non_zero_and_lists_its_problems(tmp_path):
    path = tmp_path / "bad.yaml"
    text = edit(small_course_text(), "total_points: 100", "total_points: 120")
    path.write_text(edit(text, "source: feedback_given", "source: feedback"), encoding="utf-8")

    result = run_manage("loadcourse", str(path), tmp_path=tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert f"CommandError: {path} is not a valid course file (1 problem; nothing" in result.stderr
    assert "grading.presentation.children[1].source (line " in result.stderr


def test_a_missing_file_exits_non_zero(tmp_path):
    result = run_manage("loadcourse", str(tmp_path / "nope.yaml"), tmp_path=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip() == f"CommandError: {tmp_path / 'nope.yaml'}: no such course file"


# --- Hostile and awkward input: refused with a location, never a traceback ------------------
#
# Each of these was accepted, misread or crashed the command before; they run on SQLite and on
# PostgreSQL, where a NUL byte that got through would fail as a DataError.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        # An escape in a quoted value.
        ("topic: Introduction,", 'topic: "Intro\\0duction",', "weeks[0].meetings[0].topic"),
        ('title: "ZeRO"', 'title: "ZeRO\\e[31m"', "papers[0].title"),
        ("name: Training}", 'name: "Train\\x7fing"}', "categories[0].name"),
        ("lecturer: Ada Lovelace", 'lecturer: "Ada\\rLovelace"', "course.lecturer"),
    ],
)
def test_refuses_a_control_character_in_a_value(course, course_file, old, new, where):
    text = edit(small_course_text(), old, new)

    problems = refused(course_file(text))

    assert len(problems) == 1
    assert problems[0].startswith(f"{where} (line {line_of(text, new)}): control character U+")
    assert problems[0].endswith("is not allowed in a course file")


@pytest.mark.django_db
def test_refuses_a_nul_byte_written_into_the_file_with_its_line_and_column(course, course_file):
    text = edit(small_course_text(), "room: Room 101", "room: Room\x00101")

    problems = refused(course_file(text))

    assert problems == [
        f"line {line_of(text, 'room: Room')}, column 13: control character U+0000 (NUL) is not "
        "allowed in a course file"
    ]


@pytest.mark.django_db
def test_a_course_file_path_with_a_nul_byte_is_a_clear_error():
    with pytest.raises(CommandError, match="no such course file"):
        loadcourse(Path("course\x00.yaml"))


@pytest.mark.django_db
@pytest.mark.parametrize("starts", ["9999-12-31", "1899-12-25", "2201-01-05"])
def test_refuses_a_date_outside_the_years_1900_to_2200(course, course_file, starts):
    # 9999-12-31 made the week's end overflow Python's calendar: a traceback.
    text = edit(small_course_text(), "starts: 2025-09-01", f"starts: {starts}")

    problems = refused(course_file(text))

    assert problems[0] == (
        f"weeks[0].starts (line {line_of(text, starts)}): {starts} is outside the years "
        "1900 to 2200"
    )


def new_york(text: str) -> str:
    return edit(text, "time_zone: Asia/Hong_Kong", "time_zone: America/New_York")


@pytest.mark.django_db
def test_refuses_a_signup_opening_that_does_not_exist_in_the_course_zone(course_file):
    # The clocks in New York went from 02:00 to 03:00 on 2011-03-13: 02:30 never happened.
    text = new_york(small_course_text()) + "policies:\n  signup_opens: 2011-03-13T02:30\n"

    problems = refused(course_file(text))

    assert problems == [
        f"policies.signup_opens (line {line_of(text, 'signup_opens')}): 2011-03-13 02:30 does "
        "not exist in America/New_York: the clocks go forward by 1 hour around then and skip it"
    ]


@pytest.mark.django_db
def test_refuses_a_meeting_time_that_happens_twice(course, course_file):
    # New York's clocks went back from 02:00 to 01:00 on 2025-11-02: 01:30 happened twice.
    text = new_york(small_course_text())
    text = edit(
        text,
        "sessions:",
        "  - number: 3\n    starts: 2025-10-27\n    meetings:\n"
        "      - {date: 2025-11-02, topic: Sunday lab, time: 01:30-02:30}\n"
        "sessions:",
    )

    problems = refused(course_file(text))

    assert problems == [
        f"weeks[2].meetings[0].time (line {line_of(text, 'Sunday lab')}): 2025-11-02 01:30 is "
        "ambiguous in America/New_York: the clocks go back by 1 hour around then and it happens "
        "twice"
    ]


@pytest.mark.django_db
def test_refuses_a_course_meeting_time_that_falls_in_the_gap_on_one_date(course, course_file):
    text = new_york(small_course_text())
    text = edit(text, "meeting_time: 10:30-11:50", "meeting_time: 1:30-2:30")
    text = edit(
        text,
        "sessions:",
        "  - number: 3\n    starts: 2026-03-02\n    meetings:\n"
        "      - {date: 2026-03-08, topic: Sunday lab}\n"
        "sessions:",
    )

    problems = refused(course_file(text))

    assert problems == [
        f"weeks[2].meetings[0].date (line {line_of(text, 'Sunday lab')}): 2026-03-08 02:30 does "
        "not exist in America/New_York: the clocks go forward by 1 hour around then and skip it "
        "(the time is course.meeting_time)"
    ]


@pytest.mark.django_db
def test_refuses_a_slot_that_starts_in_the_gap(course, course_file):
    text = new_york(small_course_text())
    text = edit(
        text,
        "sessions:\n",
        "  - number: 3\n    starts: 2026-03-02\n    meetings:\n"
        "      - {date: 2026-03-08, kind: presentation, topic: Night session, time: 1:00-4:00}\n"
        "sessions:\n"
        "  - {number: 2, date: 2026-03-08, category: training, slots: 2,\n"
        "     slot_times: [1:00, 2:15]}\n",
    )

    problems = refused(course_file(text))

    assert problems == [
        f"sessions[0].slot_times[1] (line {line_of(text, '2:15]')}): 2026-03-08 02:15 does not "
        "exist in America/New_York: the clocks go forward by 1 hour around then and skip it"
    ]


@pytest.mark.django_db
def test_a_course_across_a_daylight_saving_change_reloads_without_changes(course_file):
    text = new_york(small_course_text()) + "policies:\n  signup_opens: 2025-11-02T03:00\n"
    path = course_file(text)
    loadcourse(path)

    assert loadcourse(path) == ["seminar: no changes"]
    assert Course.objects.get(code="seminar").signup_opens_at == dt.datetime(
        2025, 11, 2, 8, 0, tzinfo=dt.UTC
    )


@pytest.mark.django_db
def test_times_are_written_the_same_way_everywhere(course_file):
    # `9:00` was a time in a range but not in slot_times or signup_opens.
    text = edit(small_course_text(), "meeting_time: 10:30-11:50", "meeting_time: 9:00-10:15")
    text = edit(text, "slots: 2, slot_minutes: 30}", "slots: 2, slot_times: [9:00, 09:30]}")
    text += "policies:\n  signup_opens: 2025-09-01T9:00\n"

    loadcourse(course_file(text))

    session = Meeting.objects.get(session_number=1)
    assert (session.starts_at, session.ends_at) == (dt.time(9, 0), dt.time(10, 15))
    starts = Slot.objects.order_by("position").values_list("starts_at", flat=True)
    assert list(starts) == [dt.time(9, 0), dt.time(9, 30)]
    opens = Course.objects.get(code="seminar").signup_opens_at
    assert opens == dt.datetime(2025, 9, 1, 1, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_refuses_slot_times_outside_the_meeting_hours(course, course_file):
    # `1:30` read as 01:30, before a meeting that runs 10:30-11:50.
    text = edit(
        small_course_text(), "slots: 2, slot_minutes: 30}", "slots: 2, slot_times: [1:30, 11:50]}"
    )

    problems = refused(course_file(text))

    line = line_of(text, "slot_times")
    assert problems == [
        f"sessions[0].slot_times[0] (line {line}): 01:30 is outside the meeting's hours "
        "(10:30-11:50)",
        f"sessions[0].slot_times[1] (line {line}): 11:50 is outside the meeting's hours "
        "(10:30-11:50)",
    ]


@pytest.mark.django_db
def test_refuses_back_to_back_slots_that_run_past_the_end_of_the_meeting(course, course_file):
    text = edit(small_course_text(), "slots: 2, slot_minutes: 30}", "slots: 3, slot_minutes: 30}")

    problems = refused(course_file(text))

    assert problems == [
        f"sessions[0].slot_minutes (line {line_of(text, 'slots: 3')}): 3 slots of 30 minutes "
        "from 10:30 run to 12:00, past the end of the meeting (10:30-11:50)"
    ]


@pytest.mark.django_db
def test_refuses_a_listed_slot_that_runs_past_the_end_of_the_meeting(course, course_file):
    text = edit(
        small_course_text(),
        "slots: 2, slot_minutes: 30}",
        "slots: 2, slot_minutes: 30, slot_times: [10:30, 11:30]}",
    )

    problems = refused(course_file(text))

    assert problems == [
        f"sessions[0].slot_times[1] (line {line_of(text, 'slot_times')}): a 30-minute slot from "
        "11:30 runs to 12:00, past the end of the meeting (10:30-11:50)"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!binary Um9vbSAxMDE=", "!!binary"),
        ("!!python/object/apply:os.system [ls]", "!!python/object/apply:os.system"),
        ("!custom Room 101", "!custom"),
        ("!!set {Room 101}", "!!set"),
    ],
)
def test_refuses_yaml_tags(course, course_file, value, tag):
    text = edit(small_course_text(), "room: Room 101", f"room: {value}")

    problems = refused(course_file(text))

    assert problems[0] == (
        f"course.room (line {line_of(text, value)}): YAML tags such as {tag} are not supported: "
        "write the value as text"
    )


@pytest.mark.django_db
def test_refuses_a_description_over_20000_characters(course, course_file):
    text = edit(
        small_course_text(),
        "lecturer: Ada Lovelace",
        f"lecturer: Ada Lovelace\n  description: {'x' * 20_001}",
    )

    problems = refused(course_file(text))

    assert problems == [
        f"course.description (line {line_of(text, 'description')}): is 20,001 characters long; "
        "at most 20,000 are allowed"
    ]


@pytest.mark.django_db
def test_refuses_a_file_over_2_mb_without_reading_it_all(course, course_file):
    # A 20 MB description: the file is refused as a whole, before YAML reads any of it.
    text = edit(
        small_course_text(),
        "lecturer: Ada Lovelace",
        f"lecturer: Ada\n  description: {'x' * 20_000_000}",
    )
    path = course_file(text)

    problems = refused(path)

    assert problems == [
        f"(top level): the file is {path.stat().st_size:,} bytes; a course file may be at most "
        "2,000,000 bytes (2 MB)"
    ]
