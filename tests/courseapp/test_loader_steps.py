"""The loader's steps, one per table, each of which can run on its own."""

import pytest
from django.core.exceptions import ValidationError

from conftest import small_course_text
from courseapp import loader
from courseapp.coursefile import parse_course_file
from courseapp.models import Course
from courseapp.services import course_load
from grading.models import Criterion, LetterGrade
from presentations.models import Category, FeedbackQuestion, Paper, Slot
from schedule.models import Meeting, Week
from tests.courseapp.course_files import line_of

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    models = [
        Course,
        Category,
        Week,
        Meeting,
        Slot,
        Paper,
        FeedbackQuestion,
        Criterion,
        LetterGrade,
    ]
    return {model.__name__: model.objects.count() for model in models}


def start(text: str) -> loader.LoadState:
    spec = parse_course_file(text)
    state = loader.LoadState(spec=spec, report=loader.LoadReport(course_code=spec.course.code))
    loader.load_course(state)
    return state


def test_the_papers_step_needs_only_the_course_and_its_categories():
    state = start(small_course_text())

    categories = loader.load_categories(state)
    loader.load_papers(state, categories=categories)

    assert counts() == {
        "Course": 1,
        "Category": 2,
        "Week": 0,
        "Meeting": 0,
        "Slot": 0,
        "Paper": 2,
        "FeedbackQuestion": 0,
        "Criterion": 0,
        "LetterGrade": 0,
    }
    assert [change.row for change in state.report.changes] == [
        "course seminar",
        "category training",
        "category inference",
        "paper zero",
        "paper vllm",
    ]


def test_the_schedule_step_writes_weeks_and_meetings_only():
    state = start(small_course_text())

    weeks, meetings = loader.load_weeks_and_meetings(state)

    assert sorted(weeks.rows) == [1, 2]
    assert len(meetings.rows) == 4
    assert (Week.objects.count(), Meeting.objects.count(), Slot.objects.count()) == (2, 4, 0)
    # The session's number is set from `sessions`, even before its slots exist.
    assert Meeting.objects.get(session_number=1).kind == "presentation"


def test_the_rubric_step_writes_criteria_with_their_questions_and_letters():
    state = start(small_course_text())

    questions = loader.load_questions(state)
    criteria, letters = loader.load_rubric_and_letters(state, questions=questions)

    assert set(criteria.rows) == {
        "presentation",
        "organisation",
        "feedback-given",
        "report",
        "review",
        "plan",
    }
    assert sorted(letters.rows) == ["A", "F"]
    organisation = Criterion.objects.get(key="organisation")
    assert [q.key for q in organisation.feedback_questions.all()] == ["organisation"]


def test_a_row_its_model_refuses_is_a_located_problem(monkeypatch, course_file):
    # The file's rules match the models', so this needs a model stricter than the file.
    def strict(paper):
        if paper.title == "vLLM":
            raise ValidationError({"title": "Spell it out."})

    monkeypatch.setattr(Paper, "clean", strict)
    text = small_course_text()

    with pytest.raises(loader.CourseLoadRefused) as caught:
        course_load(spec=parse_course_file(text), text=text)

    assert caught.value.problems == [
        f"papers[1] (line {line_of(text, '{key: vllm')}): paper vllm: title: Spell it out."
    ]
    assert not Course.objects.exists()
