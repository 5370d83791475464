"""`rubric_check`: the rubric's rules on the stored Criterion rows, the same rules the course
file is checked with before a load."""

from decimal import Decimal

import pytest

from conftest import small_course_text
from courseapp import loader
from courseapp.coursefile import CourseFileError, parse_course_file
from courseapp.services import course_load
from grading.models import Criterion
from grading.rubric import RubricNode, RubricProblem, rubric_check
from tests.courseapp.course_files import dump, edit, line_of

pytestmark = pytest.mark.django_db


def messages(problems: list[RubricProblem]) -> list[str]:
    return [
        f"{problem.node.key if problem.node else '(rubric)'}: {problem.message}"
        for problem in problems
    ]


def test_a_loaded_rubric_keeps_every_rule(course, demo_course):
    assert rubric_check(course=course) == []
    assert rubric_check(course=demo_course) == []


def test_rubric_check_finds_what_an_edit_of_the_rows_broke(course, django_assert_num_queries):
    Criterion.objects.filter(course=course, key="plan").update(points=Decimal(25))
    Criterion.objects.filter(course=course, key="review").update(source="")
    Criterion.objects.filter(course=course, key="organisation").update(peer_share=None)

    with django_assert_num_queries(2):  # the criteria, and their feedback questions
        problems = rubric_check(course=course)

    assert messages(problems) == [
        "organisation: a blend leaf needs a peer_share in [0, 1]",
        "report: 70 points, but its children add up to 75",
        "review: a leaf needs a source: instructor, peer, blend, feedback_given, responses",
        "(rubric): the leaves add up to 105 points, but course.total_points is 100",
    ]
    assert problems[1].field == "points"
    assert problems[1].node.ref == Criterion.objects.get(course=course, key="report")


def test_the_file_and_the_rows_are_checked_with_the_same_rules(course):
    # The same mistake, made in the file or in the rows, breaks the same rules.
    text = edit(
        small_course_text(), "name: Research plan, points: 20", "name: Research plan, points: 25"
    )
    with pytest.raises(CourseFileError) as caught:
        parse_course_file(text)
    Criterion.objects.filter(course=course, key="plan").update(points=Decimal(25))

    in_file = sorted(problem.split(": ", 1)[1] for problem in caught.value.problems)
    in_rows = sorted(problem.message for problem in rubric_check(course=course))

    assert (
        in_file
        == in_rows
        == [
            "70 points, but its children add up to 75",
            "the leaves add up to 105 points, but course.total_points is 100",
        ]
    )


def test_the_loader_checks_the_stored_rubric_before_it_commits(course, monkeypatch):
    # The file's rules ran before anything was written, so the stored rubric breaks them only
    # when the rows and the file disagree. Pretend they do: the load is refused, located at
    # the criterion, and rolled back.
    def disagreeing(*, course, criteria=None):
        criteria = criteria or Criterion.objects.for_course(course)
        report = next(criterion for criterion in criteria if criterion.key == "report")
        node = RubricNode(key=report.key, points=report.points, ref=report)
        return [RubricProblem(node, "points", "70 points, but its children add up to 75")]

    monkeypatch.setattr(loader, "rubric_check", disagreeing)
    text = small_course_text(title="Renamed")
    before = dump()

    with pytest.raises(loader.CourseLoadRefused) as caught:
        course_load(spec=parse_course_file(text), text=text)

    assert caught.value.problems == [
        f"grading.report.points (line {line_of(text, 'points: 70')}): criterion report: "
        "70 points, but its children add up to 75"
    ]
    assert dump() == before


# --- drop_lowest --------------------------------------------------------------------------

HOMEWORK = """
      - key: homework
        name: Homework
        points: {points}
        drop_lowest: {drop}
        children:
          - {{key: hw1, name: HW 1, points: 10, source: instructor}}
          - {{key: hw2, name: HW 2, points: {second}, source: instructor}}
          - {{key: hw3, name: HW 3, points: 10, source: instructor}}
"""


def _with_homework(points="20", drop=1, second=10) -> str:
    # The report's 70 = review 30 + plan 20 + homework 20 (three of 10, the lowest dropped).
    text = edit(
        small_course_text(),
        "name: Literature review, points: 50",
        "name: Literature review, points: 30",
    )
    return edit(
        text,
        "      - {key: plan, name: Research plan, points: 20, source: instructor}\n",
        "      - {key: plan, name: Research plan, points: 20, source: instructor}\n"
        + HOMEWORK.format(points=points, drop=drop, second=second).lstrip("\n"),
    )


def test_a_node_dropping_its_lowest_counts_the_children_it_keeps():
    spec = parse_course_file(_with_homework())
    course_load(spec=spec)
    homework = Criterion.objects.get(key="homework")
    assert homework.drop_lowest == 1
    assert rubric_check(course=homework.course) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"second": 5, "points": "20"},
            "the children of a node that drops some must have equal points (they have 5, 10)",
        ),
        ({"drop": 3, "points": "0"}, "it drops 3 of its 3 children; at least one must count"),
        (
            {"points": "30"},
            "30 points, but its children add up to 20 once the lowest 1 are dropped",
        ),
    ],
)
def test_drop_lowest_rules(options, message):
    with pytest.raises(CourseFileError) as caught:
        parse_course_file(_with_homework(**options))
    assert any(message in problem for problem in caught.value.problems), caught.value.problems


def test_only_a_node_with_children_drops_any():
    node = RubricNode(key="x", points=Decimal(5), source="instructor", drop_lowest=1)
    problems = rubric_check.__globals__["rubric_problems"](
        [node], total_points=None, questions=None
    )
    assert [p.message for p in problems] == ["only a node with children drops any"]
