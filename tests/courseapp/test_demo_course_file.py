"""The demo course file encodes the syllabus exactly, once loaded into the database.

The expected values below are copied from the course's syllabus, not from the file, so a
slip in either shows up here.
"""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import DEMO_COURSE_FILE
from courseapp.coursefile import parse_course_file
from courseapp.models import Course
from courseapp.services import course_load
from grading.models import Criterion
from presentations.models import Slot
from schedule.models import Meeting, Week

# The syllabus's schedule: week, class dates (month/day, 2025), topics.
SYLLABUS_WEEKS = [
    (1, ["09/02", "09/04"], ["Introduction and Logistics", "Stochastic Gradient Descent"]),
    (2, ["09/09", "09/11"], ["Auto-Differentiation", "Nvidia GPU Computation and Communication"]),
    (3, ["09/16", "09/18"], ["LLM Pretraining", "Data-, Pipeline-, Optimizer- Parallelism"]),
    (
        4,
        ["09/23", "09/25"],
        ["Tensor Model-, Sequence-, MoE- Parallelism", "Generative Inference Introduction"],
    ),
    (
        5,
        ["09/30", "10/02"],
        ["Generative Inference Optimization", "Prompt Engineering and Inference Scaling"],
    ),
    (6, ["10/09"], ["RAG and LLM Agent"]),
    (7, ["10/14", "10/16"], ["PEFT and RL Alignment", "LLM Evaluation"]),
    (8, ["10/21", "10/23"], ["Presentation Session-1", "Presentation Session-2"]),
    (9, ["10/28", "10/30"], ["Presentation Session-3", "Presentation Session-4"]),
    (10, ["11/04", "11/06"], ["Presentation Session-5", "Presentation Session-6"]),
    (11, ["11/11", "11/13"], ["Presentation Session-7", "Presentation Session-8"]),
    (12, ["11/18", "11/20"], ["Presentation Session-9", "Presentation Session-10"]),
    (13, ["11/25", "11/27"], ["Presentation Session-11", "Final Review"]),
]

SYLLABUS_DESCRIPTION = (
    "In recent years, foundation models have fundamentally revolutionized the state-of-the-art "
    "of artificial intelligence. Thus, the computation in the training, inference, or RL "
    "alignment of the foundation model could be one of the most important workflows running "
    "on top of modern computer systems. This course unravels the secrets of the efficient "
    "deployment of such workflows from the system perspective. Specifically, we will: i) "
    "explain how a modern machine learning system (i.e., PyTorch) works; ii) understand the "
    "performance bottleneck of machine learning computation over modern hardware (e.g., Nvidia "
    "GPUs); iii) discuss four main parallel strategies in foundation model training (data-, "
    "pipeline-, tensor model-, optimizer-, sequence-, MoE- parallelism); iv) real-world "
    "deployment of foundation model including various inference time optimization; and v) "
    "adpation and systematic evaluations of LLMs."
)

# The syllabus's grading scheme as (key, points, source, peer share, description), parts
# first, each followed by its children.
SYLLABUS_RUBRIC = [
    ("presentation", 30, "", None, "One target paper only."),
    (
        "organisation",
        20,
        "blend",
        "0.7",
        "Clearly organize the material and present the problem definition, motivation, "
        "methodology, and evaluation appropriately.",
    ),
    (
        "answering",
        5,
        "blend",
        "0.7",
        "Can answer the questions from the lecturers and other students appropriately.",
    ),
    (
        "feedback-given",
        5,
        "feedback_given",
        None,
        "Submit short feedback for all the other presentation sessions under the same category.",
    ),
    ("report", 70, "", None, ""),
    (
        "literature-review",
        50,
        "",
        None,
        "Page limits: 4 pages in NeurIPS template (excluding reference).",
    ),
    ("coverage", 10, "instructor", None, "Cover the relevant techniques exhaustively."),
    ("understanding", 15, "instructor", None, "Understand the relevant techniques correctly."),
    (
        "categorisation",
        15,
        "instructor",
        None,
        "Organize the techniques using good categorization.",
    ),
    (
        "academic-english",
        10,
        "instructor",
        None,
        "The report is written in professional academic English.",
    ),
    (
        "research-plan",
        20,
        "",
        None,
        "Page limits: 4 pages in NeurIPS template (excluding reference).",
    ),
    ("executable", 10, "instructor", None, "The proposed research plan is executable."),
    (
        "novelty",
        10,
        "instructor",
        None,
        "The proposed research plan includes novelty and a concrete design.",
    ),
]


def syllabus_date(month_day: str) -> dt.date:
    month, day = month_day.split("/")
    return dt.date(2025, int(month), int(day))


def rubric_in_order(course: Course) -> list[Criterion]:
    """Depth first, parts then their children, each level in the file's order."""
    criteria = list(Criterion.objects.filter(course=course).order_by("position"))
    children: dict[int | None, list[Criterion]] = {}
    for criterion in criteria:
        children.setdefault(criterion.parent_id, []).append(criterion)

    def walk(parent_id):
        for criterion in children.get(parent_id, []):
            yield criterion
            yield from walk(criterion.pk)

    return list(walk(None))


def test_the_demo_course_is_the_syllabus_course(demo_course):
    assert demo_course.code == "mlsys-2025"
    assert demo_course.lecturer == "Binhang Yuan"
    assert demo_course.time_zone == "Asia/Hong_Kong"
    assert demo_course.description == SYLLABUS_DESCRIPTION
    assert demo_course.schedule_public is True
    assert demo_course.total_points == Decimal(100)


def test_every_class_meets_on_the_syllabus_dates_with_its_topics(demo_course):
    weeks = Week.objects.filter(course=demo_course).order_by("number")
    assert [week.number for week in weeks] == list(range(1, 14))

    for number, dates, topics in SYLLABUS_WEEKS:
        classes = (
            Meeting.objects.filter(course=demo_course, week__number=number)
            .exclude(kind=Meeting.Kind.HOLIDAY)
            .order_by("date")
        )
        assert [(m.date, m.topic) for m in classes] == [
            (syllabus_date(day), topic) for day, topic in zip(dates, topics, strict=True)
        ], f"week {number}"


def test_the_course_meets_on_tuesdays_and_thursdays_in_hong_kong(demo_course):
    meetings = Meeting.objects.filter(course=demo_course)

    assert {meeting.date.strftime("%A") for meeting in meetings} == {"Tuesday", "Thursday"}
    assert syllabus_date("09/02").strftime("%A") == "Tuesday"
    for week in Week.objects.filter(course=demo_course):
        assert week.starts_on.strftime("%A") == "Monday"
        assert all(week.contains(meeting.date) for meeting in week.meetings.all())
    first = meetings.order_by("date").first()
    assert first.starts == dt.datetime(2025, 9, 2, 2, 30, tzinfo=dt.UTC)


def test_there_is_no_class_on_october_7(demo_course):
    holidays = Meeting.objects.filter(course=demo_course, kind=Meeting.Kind.HOLIDAY)

    assert [(m.week.number, m.date) for m in holidays] == [(6, dt.date(2025, 10, 7))]
    w6 = Meeting.objects.filter(course=demo_course, week__number=6).exclude(kind="holiday")
    assert [m.date for m in w6] == [dt.date(2025, 10, 9)]


def test_weeks_1_to_7_are_lectures_and_only_the_first_two_weeks_have_slides(demo_course):
    lectures = Meeting.objects.filter(course=demo_course, kind=Meeting.Kind.LECTURE)

    assert sorted({m.week.number for m in lectures}) == [1, 2, 3, 4, 5, 6, 7]
    with_slides = sorted(m.date for m in lectures if m.slides_url)
    assert with_slides == [syllabus_date(d) for d in ["09/02", "09/04", "09/09", "09/11"]]


def test_presentation_sessions_1_to_11_then_the_final_review(demo_course):
    sessions = Meeting.objects.filter(course=demo_course, kind=Meeting.Kind.PRESENTATION)

    assert [(m.session_number, m.topic) for m in sessions.order_by("date")] == [
        (n, f"Presentation Session-{n}") for n in range(1, 12)
    ]
    (review,) = Meeting.objects.filter(course=demo_course, kind=Meeting.Kind.REVIEW)
    assert (review.date, review.topic) == (dt.date(2025, 11, 27), "Final Review")
    assert review.session_number is None


def test_every_session_has_its_slots_in_one_category(demo_course):
    slots = Slot.objects.filter(course=demo_course).select_related("meeting", "category")

    per_session: dict[int, set[str]] = {}
    for slot in slots:
        per_session.setdefault(slot.meeting.session_number, set()).add(slot.category.key)
    assert sorted(per_session) == list(range(1, 12))
    assert all(len(categories) == 1 for categories in per_session.values())
    assert slots.count() == 33  # demo data: three talks a session, for 24 students


def test_the_stored_rubric_is_the_syllabus_grading_scheme(demo_course):
    rubric = rubric_in_order(demo_course)

    assert [
        (
            c.key,
            c.points,
            c.source,
            None if c.peer_share is None else f"{c.peer_share.normalize()}",
            c.description,
        )
        for c in rubric
    ] == [
        (key, Decimal(points), source, share, description)
        for key, points, source, share, description in SYLLABUS_RUBRIC
    ]


def test_the_rubric_leaves_are_20_5_5_then_10_15_15_10_then_10_10(demo_course):
    parts = Criterion.objects.filter(course=demo_course).parts().order_by("position")
    leaves = [c for c in rubric_in_order(demo_course) if not c.children.exists()]

    assert [(part.key, part.points) for part in parts] == [("presentation", 30), ("report", 70)]
    assert [leaf.points for leaf in leaves] == [20, 5, 5, 10, 15, 15, 10, 10, 10]
    assert sum(leaf.points for leaf in leaves) == demo_course.total_points


def test_the_peer_graded_leaves_read_their_own_feedback_question(demo_course):
    linked = {
        criterion.key: list(criterion.feedback_questions.values_list("key", flat=True))
        for criterion in Criterion.objects.filter(course=demo_course, source="blend")
    }

    assert linked == {"organisation": ["organisation"], "answering": ["answering"]}


@pytest.mark.django_db
def test_the_live_copy_moves_every_date_by_whole_weeks_and_keeps_weekdays():
    spec = parse_course_file(DEMO_COURSE_FILE.read_text(encoding="utf-8"))
    course_load(spec=spec)
    course_load(spec=spec.shifted(weeks=52, code_suffix="-live", title_suffix=" (live demo)"))
    archive = Course.objects.get(code="mlsys-2025")
    live = Course.objects.get(code="mlsys-2025-live")

    def schedule(course):
        return list(
            Meeting.objects.filter(course=course)
            .order_by("date")
            .values_list("date", "kind", "topic", "starts_at", "session_number")
        )

    year = dt.timedelta(weeks=52)
    assert schedule(live) == [
        (date + year, kind, topic, starts_at, number)
        for date, kind, topic, starts_at, number in schedule(archive)
    ]
    assert {date.weekday() for date, *_ in schedule(live)} == {1, 3}  # Tuesday, Thursday
    assert live.signup_opens_at == archive.signup_opens_at + year
    assert live.title == "Machine Learning Systems (live demo)"
    assert rubric_in_order(live)[1].key == "organisation"
    assert Slot.objects.filter(course=live).count() == Slot.objects.filter(course=archive).count()


def test_a_shifted_copy_names_its_own_term():
    from courseapp.coursefile import parse_course_file

    spec = parse_course_file(DEMO_COURSE_FILE.read_text())

    assert spec.course.term == "Autumn 2025"
    assert spec.shifted(weeks=56, code_suffix="-live").course.term == "Autumn 2026"
    assert spec.shifted(weeks=4, code_suffix="-live").course.term == "Autumn 2025"
