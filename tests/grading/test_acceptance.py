"""Issue 9's acceptance: four students of the demo course in different situations, worked out
by hand below, match the gradebook to the cent in every format.

The demo rubric: presentation 30 = organisation 20 (blend, 0.7 peer) + answering 5 (blend,
0.7 peer) + feedback-given 5; report 70 = coverage 10 + understanding 15 + categorisation
15 + academic-english 10 + executable 10 + novelty 10. min_reviews is 2. Letters: A 93, A- 90, B+
87, B 83, B- 80, C+ 77, C 73, C- 70, D 60, F 0.

Peer feedback comes in through the feedback contract's selectors; here they are stood in for
by `fake_feedback` with the values each student's situation needs.
"""

import csv
import io
import json
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from conftest import enrol, make_user
from courseapp.models import Role
from grading.exporters import EXPORTERS
from grading.models import Criterion, ScoreChange
from grading.selectors import gradebook_rows
from grading.services import ScoreInput, score_override, scores_set
from presentations.models import Paper, Presentation, Slot
from tests.grading.conftest import FakeCredit, talk

LEAVES = [
    "organisation",
    "answering",
    "feedback-given",
    "coverage",
    "understanding",
    "categorisation",
    "academic-english",
    "executable",
    "novelty",
]

# Each student: the peer shares of their talk (reviews, organisation, answering), the
# instructor parts entered (organisation, answering), the feedback credit (given, owed), the
# report's six scores (None: not graded), an override; and what the gradebook must say.
SITUATIONS = {
    "all-graded": {
        "talk": (5, "0.8", "0.9"),
        "instructor": ("18", "4.5"),
        "credit": (9, 9),
        "report": ("9", "13.5", "12", "8.5", "8", "7.5"),
        # organisation 0.7 * (20 * 0.8) + 0.3 * 18 = 11.2 + 5.4 = 16.60
        # answering 0.7 * (5 * 0.9) + 0.3 * 4.5 = 3.15 + 1.35 = 4.50; feedback 5 * 9/9 = 5
        # presentation 26.10; report 58.50; total 84.60 -> B
        "expect": {
            "leaves": ["16.60", "4.50", "5.00", "9.00", "13.50", "12.00", "8.50", "8.00", "7.50"],
            "presentation": ("87.00", "26.10"),
            "report": ("83.57", "58.50"),
            "total": ("84.60", "84.60"),
            "letter": "B",
            "flags": (False, False),
        },
    },
    "missing-report": {
        "talk": (4, "0.7", "0.6"),
        "instructor": ("15", "4"),
        "credit": (7, 9),
        "report": (None,) * 6,
        # organisation 0.7 * 14 + 0.3 * 15 = 9.8 + 4.5 = 14.30
        # answering 0.7 * 3 + 0.3 * 4 = 2.1 + 1.2 = 3.30; feedback 5 * 7/9 = 3.888... -> 3.89
        # presentation 21.49 (71.63% of 30); report 0 and no current %; total final 21.49,
        # current 21.49 / 30 = 71.63% -> final letter F
        "expect": {
            "leaves": ["14.30", "3.30", "3.89", "", "", "", "", "", ""],
            "presentation": ("71.63", "21.49"),
            "report": ("", "0.00"),
            "total": ("71.63", "21.49"),
            "letter": "F",
            "flags": (False, False),
        },
    },
    "too-few-reviews": {
        "talk": (1, "0.2", "0.2"),
        "instructor": ("17", "3.5"),
        "credit": (8, 9),
        "report": ("10", "15", "14", "9", "10", "9"),
        # 1 review < 2: the instructor parts stand alone: 17.00 and 3.50
        # feedback 5 * 8/9 = 4.444... -> 4.44; presentation 24.94; report 67; total 91.94 -> A-
        "expect": {
            "leaves": ["17.00", "3.50", "4.44", "10.00", "15.00", "14.00", "9.00", "10.00", "9.00"],
            "presentation": ("83.13", "24.94"),
            "report": ("95.71", "67.00"),
            "total": ("91.94", "91.94"),
            "letter": "A-",
            "flags": (True, False),
        },
    },
    "override": {
        "talk": (5, "0.6", "0.8"),
        "instructor": ("14", "4"),
        "credit": (4, 8),
        "report": ("7", "10", "11", "6.5", "6", "5.5"),
        "override": ("organisation", "19"),
        # organisation computed 0.7 * 12 + 0.3 * 14 = 12.60, overridden to 19.00
        # answering 0.7 * 4 + 0.3 * 4 = 4.00; feedback 5 * 4/8 = 2.50; presentation 25.50
        # report 46.00; total 71.50 -> C-
        "expect": {
            "leaves": ["19.00", "4.00", "2.50", "7.00", "10.00", "11.00", "6.50", "6.00", "5.50"],
            "presentation": ("85.00", "25.50"),
            "report": ("65.71", "46.00"),
            "total": ("71.50", "71.50"),
            "letter": "C-",
            "flags": (False, True),
        },
    },
}


@pytest.fixture
def situations(demo_course, demo_instructor, fake_feedback):
    course = demo_course
    leaves = {c.key: c for c in Criterion.objects.for_course(course).leaves()}
    slots = list(Slot.objects.for_course(course).order_by("meeting__date", "position")[:4])
    papers = list(Paper.objects.for_course(course).order_by("pk")[:4])
    aggregates, credit, entries = {}, {}, []
    students = {}
    for number, (name, situation) in enumerate(SITUATIONS.items()):
        user = make_user(name, first_name=name.title(), last_name="Student")
        student = enrol(user, course, Role.STUDENT, student_id=f"A{number:03d}")
        students[name] = student
        presentation = Presentation.objects.create(
            course=course, student=student, paper=papers[number], slot=slots[number]
        )
        reviews, organisation, answering = situation["talk"]
        aggregates[presentation.pk] = talk(
            presentation.pk, reviews, organisation=organisation, answering=answering
        )
        given, owed = situation["credit"]
        credit[student.pk] = FakeCredit(student.pk, owed, given, D(given) / D(owed))
        for key, value in zip(("organisation", "answering"), situation["instructor"], strict=True):
            entries.append(ScoreInput(student.pk, leaves[key].pk, D(value)))
        for key, value in zip(LEAVES[3:], situation["report"], strict=True):
            if value is not None:
                entries.append(ScoreInput(student.pk, leaves[key].pk, D(value)))
    fake_feedback(aggregates=aggregates, credit=credit)
    scores_set(
        course=course,
        entries=entries,
        actor=demo_instructor,
        via="admin",
        path=ScoreChange.Path.GRID,
    )
    key, value = SITUATIONS["override"]["override"]
    score_override(
        student=students["override"],
        criterion=leaves[key],
        points=D(value),
        reason="the talk was cut short by a fire alarm",
        actor=demo_instructor,
        via="admin",
    )
    return gradebook_rows(course=course)


def _csv(data: bytes) -> dict[str, dict[str, str]]:
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    return {row[1]: dict(zip(header, row, strict=True)) for row in rows}


def _text(value) -> str:
    if value is None or value == "":
        return ""
    return f"{D(str(value)):.2f}"


def test_csv_matches_the_hand_computation(situations):
    rows = _csv(EXPORTERS["csv"](situations).render())
    for name, situation in SITUATIONS.items():
        expect, row = situation["expect"], rows[name]
        assert [row[key] for key in LEAVES] == expect["leaves"], name
        for part in ("presentation", "report"):
            assert (row[f"{part} current %"], row[f"{part} final"]) == expect[part], name
        assert (row["course current %"], row["course final"]) == expect["total"], name
        assert row["letter"] == expect["letter"], name
        flags = (row["too few reviews"] == "yes", row["override"] == "yes")
        assert flags == expect["flags"], name


def test_json_matches_the_hand_computation(situations):
    document = json.loads(EXPORTERS["json"](situations).render())
    students = {s["username"]: s for s in document["students"]}
    for name, situation in SITUATIONS.items():
        expect, student = situation["expect"], students[name]
        assert [student["leaves"][key] or "" for key in LEAVES] == expect["leaves"], name
        for part in ("presentation", "report"):
            got = student["parts"][part]
            assert (got["current_percent"] or "", got["final"]) == expect[part], name
        total = student["total"]
        assert (total["current_percent"] or "", total["final"]) == expect["total"], name
        assert student["letter"] == expect["letter"]
        assert (student["flags"]["too_few_reviews"], student["flags"]["override"]) == expect[
            "flags"
        ]


def test_xlsx_matches_the_hand_computation_and_the_csv(situations):
    sheet = load_workbook(io.BytesIO(EXPORTERS["xlsx"](situations).render()))["Grades"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    from_csv = _csv(EXPORTERS["csv"](situations).render())
    for name, situation in SITUATIONS.items():
        expect, row = situation["expect"], rows[name]
        assert [_text(row[key]) for key in LEAVES] == expect["leaves"], name
        assert _text(row["course final"]) == expect["total"][1]
        assert row["letter"] == expect["letter"]
        for column, text in from_csv[name].items():
            if column in LEAVES or column.endswith(("%", "final")):
                assert _text(row[column]) == text, (name, column)


@pytest.mark.parametrize("items", ["leaves", "parts", "total"])
def test_canvas_matches_the_hand_computation(situations, items):
    data = EXPORTERS["canvas"](situations, items=items).render()
    header, points, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    by_login = {row[3]: row[5:] for row in rows}
    for name, situation in SITUATIONS.items():
        expect = situation["expect"]
        want = {
            "leaves": expect["leaves"],
            "parts": [expect["presentation"][1], expect["report"][1]],
            "total": [expect["total"][1]],
        }[items]
        assert by_login[name] == want, name
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert points[0] == "    Points Possible"


def test_the_student_sees_the_same_numbers_once_released(situations, demo_instructor, client_of):
    from django.contrib.auth import get_user_model

    from grading.services import part_release

    course = situations.course
    for part in situations.parts:
        part_release(part=part, actor=demo_instructor, via="admin")
    user = get_user_model().objects.get(username="override")
    body = client_of(user).get(f"/api/courses/{course.code}/grades/me/").json()
    leaves = {c["key"]: c["earned"] for part in body["parts"] for c in part["criteria"]}
    assert [leaves[key] for key in LEAVES] == SITUATIONS["override"]["expect"]["leaves"]
    assert body["total"]["final"] == "71.50"
    assert body["letter"] == "C-"
    organisation = next(
        c for p in body["parts"] for c in p["criteria"] if c["key"] == "organisation"
    )
    assert organisation["overridden"] is True
