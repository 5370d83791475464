"""The course-file parser: reading YAML safely, the two checking passes, located messages.

The invalid cases the issue lists run through the command in test_loadcourse.py; these tests
cover the parser's own behaviour and need no database.
"""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import small_course_text
from courseapp import coursefile
from courseapp.coursefile import CourseFileError, format_location, parse_course_file

DOCS = Path(__file__).resolve().parents[2] / "docs" / "course-file.md"


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"the test's edit no longer applies: {old!r}"
    return text.replace(old, new, 1)


def line_of(text: str, snippet: str) -> int:
    return text[: text.index(snippet)].count("\n") + 1


def problems_of(text: str) -> list[str]:
    with pytest.raises(CourseFileError) as caught:
        parse_course_file(text)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_the_small_course_file_parses_into_typed_values():
    spec = parse_course_file(small_course_text())

    assert spec.course.code == "seminar"
    assert spec.course.public is False
    assert spec.course.total_points == Decimal(100)
    assert [week.number for week in spec.weeks] == [1, 2]
    assert spec.weeks[0].meetings[0].date == dt.date(2025, 9, 2)
    assert spec.weeks[0].meetings[1].kind == "holiday"
    assert spec.sessions[0].slot_minutes == 30
    assert spec.feedback_questions[0].scale == (1, 5)
    organisation = spec.grading["presentation"].children[0]
    assert organisation.peer_share == Decimal("0.7")
    assert organisation.questions == ["organisation"]
    assert [letter.letter for letter in spec.letters] == ["A", "F"]


def test_a_time_like_10_30_is_not_read_as_a_base_60_integer():
    # YAML 1.1 reads an unquoted 10:30 as 630; the loader keeps the text and reads a time.
    text = edit(
        small_course_text(),
        "slots: 2, slot_minutes: 30}",
        "slots: 2, slot_minutes: 30, slot_times: [10:30, 11:05]}",
    )
    text = edit(
        text,
        "{date: 2025-09-11, kind: review, topic: Final Review}",
        "{date: 2025-09-11, kind: review, topic: Final Review, time: 9:05-10:30}",
    )

    spec = parse_course_file(text)

    assert spec.course.meeting_time.start == dt.time(10, 30)
    assert spec.course.meeting_time.end == dt.time(11, 50)
    assert spec.sessions[0].slot_times == [dt.time(10, 30), dt.time(11, 5)]
    review = spec.weeks[1].meetings[1]
    assert (review.time.start, review.time.end) == (dt.time(9, 5), dt.time(10, 30))


def test_unquoted_values_keep_the_text_the_author_wrote():
    # YAML 1.1 would make these False, the octal number 493, and the float 1.1.
    text = edit(small_course_text(), "room: Room 101", "room: 0755")
    text = edit(text, "topic: No class}", "topic: No}")
    text = edit(text, "{key: training, name: Training}", "{key: training, name: 1.10}")

    spec = parse_course_file(text)

    assert spec.course.room == "0755"
    assert spec.weeks[0].meetings[1].topic == "No"
    assert spec.categories[0].name == "1.10"


def test_numbers_are_read_exactly_as_decimals():
    text = edit(
        small_course_text(),
        "points: 25, source: blend, peer_share: 0.7",
        "points: 24.9, source: blend, peer_share: 0.1",
    )
    text = edit(
        text,
        "{key: feedback-given, name: Feedback given, points: 5,",
        "{key: feedback-given, name: Feedback given, points: 5.1,",
    )

    spec = parse_course_file(text)

    children = spec.grading["presentation"].children
    assert children[0].points == Decimal("24.9")
    assert children[0].peer_share == Decimal("0.1")
    assert children[0].points + children[1].points == Decimal(30)  # no float rounding


def test_booleans_may_be_written_yes_or_true():
    spec = parse_course_file(edit(small_course_text(), "public: false", "public: yes"))

    assert spec.course.public is True


def test_a_problem_reads_location_line_and_message():
    text = edit(
        small_course_text(), "points: 50, source: instructor", "points: 45, source: instructor"
    )

    problems = problems_of(text)

    assert problems == [
        f"grading (line {line_of(text, 'grading:')}): "
        "the leaves add up to 95 points, but course.total_points is 100",
        f"grading.report.points (line {line_of(text, 'points: 70')}): "
        "70 points, but its children add up to 65",
    ]


def test_problems_are_listed_in_file_order_whatever_pass_found_them():
    text = edit(
        small_course_text(), "title: Systems Seminar", "title: Systems Seminar\n  colour: blue"
    )
    text = edit(text, "category: inference, year: 2023", "category: serving, year: 2023")
    text = edit(text, "{letter: F, min: 0}", "{letter: F, min: -1}")

    problems = problems_of(text)

    assert [problem.split(" ")[0] for problem in problems] == [
        "course.colour",
        "papers[1].category",
        "letters[1].min",
    ]
    assert (
        problems[2]
        == f"letters[1].min (line {line_of(text, 'letter: F')}): '-1' must be at least 0"
    )


def test_a_broken_section_does_not_hide_the_rules_of_the_sound_ones():
    text = edit(
        small_course_text(),
        "{date: 2025-09-02, topic: Introduction",
        "{date: 2025-09-31, topic: Introduction",
    )
    text = edit(text, "name: Research plan, points: 20", "name: Research plan, points: 25")

    problems = problems_of(text)

    assert problems == [
        f"weeks[0].meetings[0].date (line {line_of(text, '2025-09-31')}): '2025-09-31' is not a "
        "date like 2025-09-02 (day value is outside expected range)",
        f"grading (line {line_of(text, 'grading:')}): "
        "the leaves add up to 105 points, but course.total_points is 100",
        f"grading.report.points (line {line_of(text, 'points: 70')}): "
        "70 points, but its children add up to 75",
    ]


def test_rules_that_read_a_broken_section_stay_quiet():
    # With the categories themselves broken, "unknown category" on every session and paper
    # would only bury the real problem.
    text = edit(small_course_text(), "{key: training, name: Training}", "{key: training}")

    problems = problems_of(text)

    assert problems == [
        f"categories[0].name (line {line_of(text, '{key: training}')}): missing required key"
    ]


def test_a_missing_section_has_no_line():
    text = small_course_text().replace("course:\n", "cours:\n", 1)

    problems = problems_of(text)

    assert problems[0] == "course: missing required key"
    assert (
        problems[1]
        == f"cours (line {line_of(text, 'cours:')}): unknown key (did you mean 'course'?)"
    )


def test_an_unknown_key_without_a_close_match_lists_the_known_ones():
    text = edit(
        small_course_text(),
        "{key: training, name: Training}",
        "{key: training, name: Training, colour: blue}",
    )

    problems = problems_of(text)

    assert problems == [
        f"categories[0].colour (line {line_of(text, 'colour')}): unknown key "
        "(known keys: key, name, description)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "location", "message"),
    [
        (
            "code: seminar",
            "code: Seminar 1",
            "course.code",
            "'Seminar 1' is not a valid key: use lowercase letters, digits, '-' and '_', "
            "starting with a letter or digit",
        ),
        (
            "time_zone: Asia/Hong_Kong",
            "time_zone: Hong Kong",
            "course.time_zone",
            "unknown time zone 'Hong Kong' (use an IANA name like Asia/Hong_Kong)",
        ),
        (
            "meeting_time: 10:30-11:50",
            "meeting_time: 11:50-10:30",
            "course.meeting_time",
            "the range must end after it starts",
        ),
        (
            "meeting_time: 10:30-11:50",
            "meeting_time: 10:30",
            "course.meeting_time",
            "'10:30' is not a time range like 10:30-11:50",
        ),
        (
            'slides: "https://example.org/intro.pdf"',
            "slides: example.org/intro.pdf",
            "weeks[0].meetings[0].slides",
            "'example.org/intro.pdf' is not a web address (http://... or https://...)",
        ),
        (
            "scale: [1, 5]",
            "scale: [5, 1]",
            "feedback_questions[0].scale",
            "the scale [5, 1] must go up: [min, max] with min < max",
        ),
        (
            "slots: 2, slot_minutes: 30",
            "slots: two, slot_minutes: 30",
            "sessions[0].slots",
            "'two' is not a whole number",
        ),
        ("public: false", "public: maybe", "course.public", "'maybe' is not true or false"),
        ("title: Systems Seminar", "title:", "course.title", "needs a value"),
        (
            "sessions:\n  - {number: 1, date: 2025-09-09, category: training, slots: 2, "
            "slot_minutes: 30}\n",
            "sessions: none\n",
            "sessions",
            "'none' is not a list",
        ),
        (
            "{number: 1, date: 2025-09-09,",
            "{number: 1, date: 2025-13-09,",
            "sessions[0].date",
            "'2025-13-09' is not a date like 2025-09-02 "
            "(month value is outside expected range of 1-12)",
        ),
        (
            "slots: 2, slot_minutes: 30",
            "slots: 2, slot_times: [10:30, 25:00]",
            "sessions[0].slot_times[1]",
            "'25:00' is not a time like 10:30 (the hour must be 0 to 23)",
        ),
        (
            "points: 30",
            "points: [30]",
            "grading.presentation.points",
            "expected a number, not a list",
        ),
    ],
)
def test_shape_messages_say_what_is_expected(old, new, location, message):
    text = edit(small_course_text(), old, new)

    problems = problems_of(text)

    assert f"{location} (line {line_of(text, new)}): {message}" in problems


def test_a_session_on_a_day_without_a_presentation_meeting_is_refused():
    text = edit(small_course_text(), "{number: 1, date: 2025-09-09", "{number: 1, date: 2025-09-11")

    problems = problems_of(text)

    assert problems == [
        f"sessions[0].date (line {line_of(text, '{number: 1')}): "
        "no meeting of kind presentation on 2025-09-11"
    ]


def test_slot_times_must_match_the_number_of_slots():
    text = edit(small_course_text(), "slots: 2, slot_minutes: 30", "slots: 2, slot_times: [10:30]")

    problems = problems_of(text)

    assert problems == [
        f"sessions[0].slot_times (line {line_of(text, 'slot_times')}): 1 times given for 2 slots"
    ]


def test_a_rubric_inner_node_takes_no_source_and_a_leaf_needs_one():
    text = edit(
        small_course_text(),
        "name: Report\n    points: 70",
        "name: Report\n    source: instructor\n    points: 70",
    )
    report_source = line_of(text, "name: Report") + 1
    text = edit(
        text,
        "name: Research plan, points: 20, source: instructor",
        "name: Research plan, points: 20",
    )

    problems = problems_of(text)

    assert problems == [
        f"grading.report.source (line {report_source}): "
        "only a leaf (a node without children) has one",
        f"grading.report.children[1].source (line {line_of(text, '{key: plan')}): "
        "a leaf needs a source: instructor, peer, blend, feedback_given, responses",
    ]


def test_a_leaf_naming_an_unknown_feedback_question_is_refused():
    text = edit(small_course_text(), "questions: [organisation]", "questions: [organization]")

    problems = problems_of(text)

    assert problems == [
        f"grading.presentation.children[0].questions[0] (line {line_of(text, 'organization]')}): "
        "unknown feedback question 'organization' (known: organisation)"
    ]


def test_yaml_merge_keys_are_refused_rather_than_misread():
    text = edit(
        small_course_text(),
        "  - {key: inference, name: Inference}",
        "  - {<<: {name: Inference}, key: inference}",
    )

    problems = problems_of(text)

    line = line_of(text, "<<")
    assert problems == [
        f"categories[1] (line {line}): YAML merge keys (<<) are not supported",
        f"categories[1].name (line {line}): missing required key",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "(top level): the file is empty"),
        ("# only a comment\n", "(top level): the file is empty"),
        ("- course\n", "(top level): expected a mapping of sections (course, weeks, grading, ...)"),
    ],
)
def test_a_file_that_is_not_a_course_at_all(text, problem):
    assert problems_of(text) == [problem]


def test_a_yaml_syntax_error_names_its_line_and_what_was_being_read():
    (problem,) = problems_of("course: [1, 2\n")

    # The wording in between depends on whether PyYAML was built with libyaml.
    assert problem.startswith("line 2, column 1: YAML syntax error: ")
    assert "',' or ']'" in problem
    assert problem.endswith("(while parsing a flow sequence on line 1)")


def test_a_character_yaml_refuses_is_reported_on_one_line():
    (problem,) = problems_of("course:\n  title: not a character \ufffe\n")

    assert problem.startswith("(top level): YAML syntax error: unacceptable character #xfffe")
    assert "\n" not in problem


def test_aliases_that_expand_without_end_are_refused():
    text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
    for name, previous in zip("bcdef", "abcde", strict=True):
        text += f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]\n"

    (problem,) = problems_of(text)
    assert problem.endswith(": the file nests or repeats too deeply (YAML aliases?)")


def test_an_alias_may_repeat_a_small_anchor():
    text = edit(
        small_course_text(),
        "  - {key: training, name: Training}",
        "  - {key: training, name: &training Training}",
    )
    text = edit(text, "{key: inference, name: Inference}", "{key: inference, name: *training}")

    spec = parse_course_file(text)

    assert [category.name for category in spec.categories] == ["Training", "Training"]


def test_format_location_reads_like_the_file():
    assert format_location(("grading", "report", "children", 1, "points")) == (
        "grading.report.children[1].points"
    )
    assert format_location(("weeks", 0)) == "weeks[0]"
    assert format_location(()) == "(top level)"


def test_shifted_moves_every_date_by_whole_weeks_and_keeps_weekdays():
    text = small_course_text() + "policies:\n  signup_opens: 2025-09-01T09:00\n"
    spec = parse_course_file(text)

    live = spec.shifted(weeks=60, code_suffix="-live", title_suffix=" (live)")

    assert live.course.code == "seminar-live"
    assert live.course.title == "Systems Seminar (live)"
    shift = dt.timedelta(weeks=60)
    assert live.policies.signup_opens == dt.datetime(2025, 9, 1, 9, 0) + shift
    for week, moved in zip(spec.weeks, live.weeks, strict=True):
        assert moved.starts == week.starts + shift
        assert moved.starts.weekday() == week.starts.weekday()
        for meeting, moved_meeting in zip(week.meetings, moved.meetings, strict=True):
            assert moved_meeting.date == meeting.date + shift
            assert moved_meeting.date.weekday() == meeting.date.weekday()
            assert moved_meeting.topic == meeting.topic
    assert [s.date for s in live.sessions] == [s.date + shift for s in spec.sessions]
    # Everything else is the same course.
    assert live.grading == spec.grading
    assert live.papers == spec.papers
    assert spec.course.code == "seminar"  # the original is untouched


def test_a_shifted_copy_still_passes_every_rule():
    spec = parse_course_file(small_course_text())

    live = spec.shifted(weeks=-3, code_suffix="-live")

    assert parse_course_file(small_course_text(code="seminar-live")).course.code == live.course.code
    assert [week.starts for week in live.weeks] == [dt.date(2025, 8, 11), dt.date(2025, 8, 18)]


def docs_example() -> str:
    """The complete example of docs/course-file.md."""
    text = DOCS.read_text(encoding="utf-8")
    return re.search(r"## A complete example.*?```yaml\n(.*?)```", text, re.DOTALL).group(1)


def test_the_documented_example_is_a_valid_course_file():
    spec = parse_course_file(docs_example())

    assert spec.course.code == "dbsys-2026"
    assert spec.sessions[1].slot_times == [dt.time(10, 15), dt.time(11, 0)]


def test_the_documented_example_uses_every_key_of_the_format():
    data = yaml.safe_load(docs_example())  # only its keys matter here
    meetings = [meeting for week in data["weeks"] for meeting in week.get("meetings", [])]
    meetings += data["weekly"]["extra"]
    dates = data["weekly"]["dates"]
    materials = [item for entry in meetings + dates for item in entry.get("materials", [])]

    def children(nodes):
        for node in nodes:
            yield node
            yield from children(node.get("children", []))

    def keys(entries):
        return {key for entry in entries for key in entry}

    used = {
        coursefile.CourseSpec: set(data),
        coursefile.CourseMeta: set(data["course"]),
        coursefile.Policies: set(data["policies"]),
        coursefile.CategorySpec: keys(data["categories"]),
        coursefile.WeekSpec: keys(data["weeks"]),
        coursefile.MeetingSpec: keys(meetings),
        coursefile.MaterialSpec: keys(materials),
        coursefile.WeeklySpec: set(data["weekly"]),
        coursefile.PatternDateSpec: keys(dates),
        coursefile.SessionSpec: keys(data["sessions"]),
        coursefile.PaperSpec: keys(data["papers"]),
        coursefile.QuestionSpec: keys(data["feedback_questions"]),
        # Parts and their children are the same kind of node (a part takes its key from
        # the mapping), so between them they must show every key.
        coursefile.CriterionSpec: keys(children(data["grading"].values())),
        coursefile.LetterSpec: keys(data["letters"]),
        coursefile.DeliverableSpec: keys(data["deliverables"]),
        coursefile.LateSpec: keys(
            item["late"] for item in data["deliverables"] if isinstance(item["late"], dict)
        )
        | {"accepted"},  # written `late: refuse`
        coursefile.EverySpec: keys(
            item["every"] for item in data["deliverables"] if "every" in item
        ),
    }
    for model, keys_used in used.items():
        assert set(model.model_fields) - keys_used == set(), model.__name__


def test_a_shifted_copy_whose_dates_leave_the_calendar_is_refused():
    spec = parse_course_file(small_course_text())

    with pytest.raises(CourseFileError) as beyond_python:
        spec.shifted(weeks=1_000_000, code_suffix="-live")
    with pytest.raises(CourseFileError) as beyond_2200:
        spec.shifted(weeks=10_000, code_suffix="-live")

    assert beyond_python.value.problems == [
        "(top level): moved by 1000000 weeks, the dates leave the calendar"
    ]
    assert beyond_2200.value.problems[0] == (
        "weeks[0].starts: 2217-04-28 is outside the years 1900 to 2200 (moved by 10000 weeks)"
    )


def test_a_shifted_copy_is_checked_for_daylight_saving_changes_again():
    # 02:30 on Sunday 2025-03-02 exists in New York; a week later it falls in the gap.
    text = small_course_text().replace("Asia/Hong_Kong", "America/New_York")
    text = edit(
        text,
        "sessions:",
        "  - number: 3\n    starts: 2025-02-24\n    meetings:\n"
        "      - {date: 2025-03-02, topic: Night lab, time: 02:30-03:30}\n"
        "sessions:",
    )
    spec = parse_course_file(text)

    with pytest.raises(CourseFileError) as caught:
        spec.shifted(weeks=1, code_suffix="-live")

    assert caught.value.problems == [
        "weeks[2].meetings[0].time: 2025-03-09 02:30 does not exist in America/New_York: the "
        "clocks go forward by 1 hour around then and skip it (moved by 1 weeks)"
    ]


def test_a_control_character_in_a_key_is_refused():
    text = edit(small_course_text(), "  term: Autumn 2025", '  "te\\u0000rm": Autumn 2025')

    problems = problems_of(text)

    line = line_of(text, '"te')
    assert problems == [
        f"course (line {line}): in a key: control character U+0000 (NUL) is not "
        "allowed in a course file"
    ]


def test_a_long_value_is_quoted_by_its_start_and_length():
    text = edit(small_course_text(), "time_zone: Asia/Hong_Kong", f"time_zone: {'Z' * 5000}")

    problems = problems_of(text)

    assert problems == [
        f"course.time_zone (line {line_of(text, 'time_zone')}): unknown time zone "
        f"'{'Z' * 40}'... (5,000 characters) (use an IANA name like Asia/Hong_Kong)"
    ]


def test_grading_policies_are_read_and_loaded(db):
    from conftest import load_course_text, small_course_text

    text = small_course_text().replace(
        "  room: Room 101\n",
        "  room: Room 101\npolicies:\n  multi_talk_rule: best\n  ta_can_grade: true\n",
    )
    course = load_course_text(text)
    assert (course.multi_talk_rule, course.ta_can_grade) == ("best", True)
    with pytest.raises(CourseFileError, match="multi_talk_rule"):
        parse_course_file(text.replace("multi_talk_rule: best", "multi_talk_rule: median"))
