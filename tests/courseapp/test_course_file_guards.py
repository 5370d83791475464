"""The loader's guards: an update or delete that would break data attached to a row is
refused, located, and changes nothing.

Bookings, scores and ratings do not exist yet; the features that bring them register an "in
use" check (courseapp.inuse). These tests register checks that pretend such data exists, one
per kind of guard the later features need.
"""

import pytest
from django.core.management import CommandError

from conftest import small_course_text
from courseapp.inuse import RowChange, register_in_use, unregister_in_use
from grading.models import Criterion
from presentations.models import FeedbackQuestion, Slot
from tests.courseapp.course_files import dump, edit, line_of, loadcourse

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered():
    """`registered(model, check)`: register an in-use check for this test only."""
    added = []

    def register(model, check):
        register_in_use(model, check)
        added.append((model, check))
        return check

    yield register
    for model, check in added:
        unregister_in_use(model, check)


def plural(count: int) -> str:
    return f"{count} booking{'s' if count != 1 else ''}"


@pytest.fixture
def bookings(registered):
    """Pretend bookings: `bookings[slot_pk] = count`; refuses what a booking system would."""
    counts: dict[int, int] = {}

    def slot_bookings(changes: list[RowChange]) -> dict[int, str]:
        refused = {}
        for change in changes:
            booked = counts.get(change.row.pk, 0)
            if not booked:
                continue
            if change.deleting:
                refused[change.row.pk] = f"it has {plural(booked)}"
            elif change.changes_any("capacity") and change.new("capacity") < booked:
                refused[change.row.pk] = (
                    f"capacity {change.new('capacity')} is below its {booked} bookings"
                )
            elif change.changes_any("category"):
                refused[change.row.pk] = f"its category changed under {plural(booked)}"
        return refused

    registered(Slot, slot_bookings)
    return counts


@pytest.fixture
def scores(registered):
    """Pretend scores: `scores[criterion_key] = count`."""
    counts: dict[str, int] = {}

    def criterion_scores(changes: list[RowChange]) -> dict[int, str]:
        return {
            change.row.pk: f"{counts[change.row.key]} scores were given on it"
            for change in changes
            if counts.get(change.row.key)
            and (change.deleting or change.changes_any("points", "source", "questions"))
        }

    registered(Criterion, criterion_scores)
    return counts


@pytest.fixture
def ratings(registered):
    """Pretend peer ratings: `ratings[question_key] = count`."""
    counts: dict[str, int] = {}

    def question_ratings(changes: list[RowChange]) -> dict[int, str]:
        return {
            change.row.pk: f"its scale changed after {counts[change.row.key]} ratings"
            for change in changes
            if counts.get(change.row.key)
            and (change.deleting or change.changes_any("scale_min", "scale_max"))
        }

    registered(FeedbackQuestion, question_ratings)
    return counts


def slot(course, position: int) -> Slot:
    return Slot.objects.get(course=course, meeting__session_number=1, position=position)


def refused_load(course_file, text: str) -> list[str]:
    """Load `text` over the loaded course: refused, nothing changed; the problems."""
    path = course_file(text)
    before = dump()
    with pytest.raises(CommandError) as caught:
        loadcourse(path)
    assert dump() == before
    heading, *problems = str(caught.value).splitlines()
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    assert heading == f"{path} could not be loaded ({count}; nothing was changed):"
    return problems


TWO_SEATS = ("slots: 2, slot_minutes: 30}", "slots: 2, capacity: 2, slot_minutes: 30}")


def test_a_capacity_below_the_current_bookings_is_refused(course, course_file, bookings):
    text = edit(small_course_text(), *TWO_SEATS)
    loadcourse(course_file(text))
    bookings[slot(course, 1).pk] = 2

    problems = refused_load(course_file, small_course_text())

    assert problems == [
        f"sessions[0].capacity (line {line_of(small_course_text(), '{number: 1')}): slot 1 of "
        "session 1 on 2025-09-09: capacity 1 is below its 2 bookings"
    ]


def test_a_capacity_the_bookings_still_fit_is_allowed(course, course_file, bookings):
    bookings[slot(course, 1).pk] = 1

    output = loadcourse(course_file(edit(small_course_text(), *TWO_SEATS)))

    assert "updated slot 1 of session 1 on 2025-09-09: capacity 1 -> 2" in output
    assert slot(course, 1).capacity == 2


def test_a_slots_category_changed_under_bookings_is_refused(course, course_file, bookings):
    bookings[slot(course, 2).pk] = 1
    text = edit(
        small_course_text(), "category: training, slots: 2", "category: inference, slots: 2"
    )

    problems = refused_load(course_file, text)

    # Slot 1 has no bookings: its change alone would have gone through.
    assert problems == [
        f"sessions[0].category (line {line_of(text, '{number: 1')}): slot 2 of session 1 on "
        "2025-09-09: its category changed under 1 booking"
    ]


def test_a_session_removed_with_bookings_is_refused(course, course_file, bookings):
    bookings[slot(course, 1).pk] = 1
    text = small_course_text()
    text = edit(text, text[text.index("sessions:") : text.index("papers:")], "")

    problems = refused_load(course_file, text)

    # The file has no sessions left: the problem is located at the top.
    assert problems == [
        "sessions: slot 1 of session 1 on 2025-09-09 is no longer in the file, but it has 1 booking"
    ]


def test_a_booked_slot_cut_from_its_session_is_refused(course, course_file, bookings):
    bookings[slot(course, 2).pk] = 3
    text = edit(small_course_text(), "slots: 2, slot_minutes: 30}", "slots: 1, slot_minutes: 30}")

    problems = refused_load(course_file, text)

    assert problems == [
        f"sessions[0].slots (line {line_of(text, '{number: 1')}): slot 2 of session 1 on "
        "2025-09-09 is no longer in the file, but it has 3 bookings"
    ]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("name: Research plan, points: 20", "name: Research plan, points: 25", "points"),
        (
            "name: Research plan, points: 20, source: instructor",
            "name: Research plan, points: 20, source: feedback_given",
            "source",
        ),
    ],
)
def test_points_or_source_changed_on_a_scored_criterion_is_refused(
    course, course_file, scores, old, new, field
):
    scores["plan"] = 3
    text = edit(small_course_text(), old, new)
    if field == "points":  # keep the rubric adding up: the review part gives 5 points
        text = edit(
            text, "name: Literature review, points: 50", "name: Literature review, points: 45"
        )

    problems = refused_load(course_file, text)

    assert problems == [
        f"grading.report.children[1].{field} (line {line_of(text, '{key: plan')}): criterion "
        "plan: 3 scores were given on it"
    ]


def test_a_scored_criterion_keeps_its_name_editable(course, course_file, scores):
    scores["plan"] = 3
    text = edit(small_course_text(), "name: Research plan,", "name: Research proposal,")

    output = loadcourse(course_file(text))

    assert "updated criterion plan: name 'Research plan' -> 'Research proposal'" in output


def test_a_rating_scale_changed_after_ratings_exist_is_refused(course, course_file, ratings):
    ratings["organisation"] = 5
    text = edit(
        small_course_text(),
        "label: Organisation, scale: [1, 5]",
        "label: Organisation, scale: [1, 10]",
    )

    problems = refused_load(course_file, text)

    assert problems == [
        f"feedback_questions[0].scale (line {line_of(text, 'scale: [1, 10]')}): feedback "
        "question organisation: its scale changed after 5 ratings"
    ]


def test_every_refusal_of_a_load_is_listed_at_once(course, course_file, bookings, scores):
    bookings[slot(course, 2).pk] = 1
    scores["plan"] = 1
    text = edit(small_course_text(), "slots: 2, slot_minutes: 30}", "slots: 1, slot_minutes: 30}")
    text = edit(
        text,
        "name: Research plan, points: 20, source: instructor",
        "name: Research plan, points: 20, source: feedback_given",
    )

    problems = refused_load(course_file, text)

    assert [problem.split(" (line")[0] for problem in problems] == [
        "sessions[0].slots",
        "grading.report.children[1].source",
    ]


def test_a_check_is_asked_once_per_load_with_every_change(course, course_file, registered):
    seen: list[list[RowChange]] = []

    def record(changes):
        seen.append(changes)
        return {}

    registered(Slot, record)
    text = edit(
        small_course_text(),
        "slots: 2, slot_minutes: 30}",
        "slots: 2, capacity: 3, slot_minutes: 30}",
    )

    loadcourse(course_file(text))

    (updates,) = [changes for changes in seen if changes]
    assert [(change.row.position, change.changes) for change in updates] == [
        (1, {"capacity": (1, 3)}),
        (2, {"capacity": (1, 3)}),
    ]
    assert not any(change.deleting for change in updates)


@pytest.fixture
def rated(course, student, other_student):
    """Real peer feedback: `other_student` rated `student`'s talk on the question."""
    from django.utils import timezone

    from courseapp.models import Enrollment
    from presentations.models import Feedback, FeedbackRating, Paper, Presentation

    presenter = Enrollment.objects.get(course=course, user=student)
    reviewer = Enrollment.objects.get(course=course, user=other_student)
    talk = Presentation.objects.create(
        course=course,
        student=presenter,
        paper=Paper.objects.get(course=course, key="zero"),
        slot=slot(course, 1),
    )
    now = timezone.now()
    feedback = Feedback.objects.create(
        course=course, presentation=talk, reviewer=reviewer, submitted_at=now, updated_at=now
    )
    FeedbackRating.objects.create(
        feedback=feedback,
        question=FeedbackQuestion.objects.get(course=course, key="organisation"),
        value=4,
    )


def test_real_ratings_hold_their_question_s_scale(course, course_file, rated):
    text = edit(
        small_course_text(),
        "label: Organisation, scale: [1, 5]",
        "label: Organisation, scale: [0, 10]",
    )

    problems = refused_load(course_file, text)

    assert problems == [
        f"feedback_questions[0].scale (line {line_of(text, 'scale: [0, 10]')}): feedback "
        "question organisation: its scale changed after 1 rating"
    ]


def test_real_ratings_keep_their_question_s_label_editable(course, course_file, rated):
    text = edit(small_course_text(), "label: Organisation,", "label: Organisation of the talk,")

    output = loadcourse(course_file(text))

    assert (
        "updated feedback question organisation: label 'Organisation' -> 'Organisation of the talk'"
        in output
    )
