"""The gradebook: one selector, four formats, the same numbers everywhere; roles; a fixed
number of queries whatever the size of the class."""

import csv
import io
import json
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from conftest import enrol, make_user
from courseapp.models import Role
from grading.exporters import EXPORTERS, CanvasExporter, spreadsheet_safe
from grading.models import ScoreChange
from grading.selectors import gradebook_rows
from grading.services import ScoreInput, scores_set
from tests.grading.conftest import enrolment_of, give_talk, leaf, talk


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def enter(course, *cells):
    """cells: (enrollment, leaf key, points)"""
    scores_set(
        course=course,
        entries=[ScoreInput(e.pk, leaf(course, key).pk, D(str(p))) for e, key, p in cells],
        actor=None,
        via="command",
        path=ScoreChange.Path.BULK,
    )


@pytest.fixture
def graded(course, student, other_student):
    alice, bob = enrolment_of(student, course), enrolment_of(other_student, course)
    enter(course, (alice, "review", "40.5"), (alice, "plan", 18), (bob, "review", 25))
    return alice, bob


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-3.5", "-3.5"),
        ("+12", "+12"),
        ("Alice", "Alice"),
    ],
)
def test_formulas_are_neutralised_and_plain_numbers_kept(value, safe):
    assert spreadsheet_safe(value) == safe


def test_csv_columns_and_values(course, graded):
    rows = csv_rows(EXPORTERS["csv"](gradebook_rows(course=course)).render())
    header, *students = rows
    assert header[:7] == ["student_id", "username", "name", "email", "section", "papers", "slots"]
    assert header[7:11] == ["organisation", "feedback-given", "review", "plan"]
    assert header[11:] == [
        "presentation current %",
        "presentation final",
        "report current %",
        "report final",
        "course current %",
        "course final",
        "letter",
        "too few reviews",
        "override",
        "withdrawn",
        "late penalty",
    ]
    alice = dict(zip(header, next(row for row in students if row[1] == "alice"), strict=True))
    assert alice["review"] == "40.50"
    assert alice["plan"] == "18.00"
    assert alice["report current %"] == "83.57"  # 58.5 / 70
    assert alice["report final"] == "58.50"
    # feedback-given: alice owes no feedback (nothing to review), so she has its 5 points
    assert alice["course final"] == "63.50"
    assert alice["letter"] == "F"


def test_every_text_format_neutralises_a_hostile_name(course, student, graded):
    student.first_name = "=cmd|' /C calc'!A0"
    student.save()
    book = gradebook_rows(course=course)
    assert "'=cmd" in EXPORTERS["csv"](book).render().decode("utf-8-sig")
    assert "'=cmd" in EXPORTERS["json"](book).render().decode()
    sheet = load_workbook(io.BytesIO(EXPORTERS["xlsx"](book).render()))["Grades"]
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(name.startswith("'=cmd") for name in names)
    canvas = EXPORTERS["canvas"](book).render().decode("utf-8-sig")
    assert "\"Liddell, '=cmd" not in canvas  # Last, First: the last name comes first


def test_xlsx_has_the_csv_numbers_a_bold_frozen_header_and_a_rubric_sheet(course, graded):
    book = gradebook_rows(course=course)
    header, *rows = csv_rows(EXPORTERS["csv"](book).render())
    workbook = load_workbook(io.BytesIO(EXPORTERS["xlsx"](book).render()))
    grades = workbook["Grades"]
    assert grades.freeze_panes == "A2"
    assert all(cell.font.b for cell in grades[1])
    values = list(grades.iter_rows(values_only=True))
    assert list(values[0]) == header
    for csv_row, xlsx_row in zip(rows, values[1:], strict=True):
        for name, text, value in zip(header, csv_row, xlsx_row, strict=True):
            if text and name.endswith(("%", "final")) or name in ("review", "plan"):
                assert (f"{D(str(value)):.2f}" if value is not None else "") == text, name
    number_cell = grades.cell(row=2, column=header.index("review") + 1)
    assert number_cell.number_format == "0.00"
    rubric = list(workbook["Rubric"].iter_rows(values_only=True))
    assert rubric[0][:4] == ("key", "name", "part", "points")
    assert rubric[3][:4] == ("review", "Literature review", "report", 50)


def test_json_carries_numbers_as_exact_strings(course, graded):
    document = json.loads(EXPORTERS["json"](gradebook_rows(course=course)).render())
    alice = next(s for s in document["students"] if s["username"] == "alice")
    assert alice["leaves"]["review"] == "40.50"
    assert alice["leaves"]["organisation"] is None
    assert alice["parts"]["report"] == {"current_percent": "83.57", "final": "58.50"}
    assert alice["flags"] == {
        "too_few_reviews": False,
        "override": False,
        "withdrawn": False,
        "late_penalty": False,
    }


@pytest.mark.parametrize("items", CanvasExporter.ITEMS)
def test_canvas_export_passes_the_importers_rules(course, graded, items):
    rows = csv_rows(EXPORTERS["canvas"](gradebook_rows(course=course), items=items).render())
    header, points, *students = rows
    # canvas-lms GradebookImporter: a header starting Student, ID; with SIS User ID and SIS
    # Login ID, five student columns, the last of them Section; a Points Possible row.
    assert "Student" in header[0]
    assert "ID" in header[1]
    assert header[2:4] == ["SIS User ID", "SIS Login ID"]
    assert "Section" in header[4]
    assert "Points Possible" in points[0]
    assert points[0].startswith("    ")
    for name in header[5:]:
        assert not name.rstrip().endswith(")"), name  # "(123)" would name a Canvas assignment
        for reserved in ("Current Score", "Final Score", "Final Grade", "Current Grade"):
            assert reserved not in name
    alice = next(row for row in students if row[3] == "alice")
    assert alice[:5] == ["Liddell, Alice", "", "S001", "alice", ""]
    expected = {
        # feedback-given 5.00: alice owes no feedback, so full points (design.md section 5)
        "leaves": (["25.00", "5.00", "50.00", "20.00"], ["", "5.00", "40.50", "18.00"]),
        "parts": (["30.00", "70.00"], ["5.00", "58.50"]),
        "total": (["100.00"], ["63.50"]),
    }[items]
    assert (points[5:], alice[5:]) == expected


def test_withdrawn_students_are_flagged_in_the_export_and_left_out_of_canvas(
    course, graded, other_student
):
    from courseapp.enrollments import enrollment_withdraw

    enrollment_withdraw(
        enrollment=enrolment_of(other_student, course), actor=None, via="admin", reason="left"
    )
    book = gradebook_rows(course=course)
    header, *rows = csv_rows(EXPORTERS["csv"](book).render())
    bob = dict(zip(header, next(r for r in rows if r[1] == "bob"), strict=True))
    assert bob["withdrawn"] == "yes"
    assert "bob" not in EXPORTERS["canvas"](book).render().decode()


def _count_queries(course) -> int:
    with CaptureQueriesContext(connection) as captured:
        book = gradebook_rows(course=course)
        for exporter in EXPORTERS.values():
            exporter(book).render()
    return len(captured)


def test_the_gradebook_runs_the_same_number_of_queries_for_5_and_200_students(
    course, make_students, fake_feedback
):
    def grow(count, prefix):
        students = make_students(count, prefix)
        enter(course, *[(s, "review", 30) for s in students], *[(s, "plan", 10) for s in students])
        give_talk(
            students[0],
            position=1 if prefix == "a" else 2,
            paper_key="zero" if prefix == "a" else "vllm",
        )

    fake_feedback(aggregates={})
    grow(5, "a")
    small = _count_queries(course)
    grow(195, "b")
    large = _count_queries(course)
    assert small == large
    assert small <= 10


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "canvas"])
def test_exportgradebook_writes_each_format(course, graded, tmp_path, fmt):
    out = tmp_path / f"book.{fmt}"
    call_command("exportgradebook", course.code, "--format", fmt, "-o", str(out))
    book = gradebook_rows(course=course)
    assert out.read_bytes()[:2] == EXPORTERS[fmt](book).render()[:2]
    if fmt != "xlsx":
        assert out.read_bytes() == EXPORTERS[fmt](book).render()


def test_exportgradebook_prints_csv_and_refuses_an_unknown_course(course, graded, capsys):
    stdout = io.StringIO()
    call_command("exportgradebook", course.code, "--format", "csv", stdout=stdout)
    assert stdout.getvalue().lstrip("\ufeff").startswith("student_id,username")
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No course with the code 'nope'"):
        call_command("exportgradebook", "nope", "--format", "csv")


# --- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "canvas"])
def test_the_api_serves_each_format_to_staff(course, graded, ta, api_client_of, fmt):
    response = api_client_of(ta).get(f"/api/courses/{course.code}/gradebook/?format={fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert response.json()["students"][0]["username"] in ("alice", "bob")
    else:
        body = b"".join(response.streaming_content)
        assert response["Content-Type"] == EXPORTERS[fmt].content_type
        expected = EXPORTERS[fmt](gradebook_rows(course=course)).render()
        if fmt == "xlsx":  # the workbook's properties carry the time it was written

            def cells(data):
                return list(load_workbook(io.BytesIO(data))["Grades"].iter_rows(values_only=True))

            assert cells(body) == cells(expected)
        else:
            assert body == expected


def test_the_api_refuses_an_unknown_format(course, ta, api_client_of):
    response = api_client_of(ta).get(f"/api/courses/{course.code}/gradebook/?format=pdf")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    ("who", "status"),
    [("student", 403), ("outsider", 404), ("other_instructor", 404), ("other_ta", 404)],
)
def test_the_gradebook_is_for_this_courses_staff(
    course, other_course, client_of, api_client_of, request, who, status
):
    if who in ("other_instructor", "other_ta"):
        user = make_user(who)
        enrol(user, other_course, Role.INSTRUCTOR if who == "other_instructor" else Role.TA)
    else:
        user = request.getfixturevalue(who)
    assert api_client_of(user).get(f"/api/courses/{course.code}/gradebook/").status_code == status
    for page in ("gradebook/", "gradebook/export/?format=csv", "statistics/"):
        assert client_of(user).get(f"/courses/{course.code}/{page}").status_code == status


def test_an_instructor_of_another_course_gets_404_in_the_admin(course, other_course, client_of):
    from courseapp.enrollments import admin_access_sync

    user = make_user("elsewhere")
    enrol(user, other_course, Role.INSTRUCTOR)
    admin_access_sync(users=[user])
    client = client_of(user)
    for rest in ("", "import/", "export/?format=csv", "student/1/"):
        assert client.get(f"/admin/courseapp/course/{course.pk}/grades/{rest}").status_code == 404


def test_a_ta_sees_the_grid_read_only_unless_the_course_lets_tas_grade(
    course, graded, ta, client_of
):
    client = client_of(ta)
    page = client.get(f"/courses/{course.code}/gradebook/").content.decode()
    assert "You see the grades read-only." in page
    assert 'class="grid-input"' not in page
    alice, _ = graded
    review = leaf(course, "review")
    name = f"{alice.pk}-{review.pk}"
    refused = client.post(
        f"/courses/{course.code}/gradebook/",
        {f"cell-{name}": "1", f"orig-{name}": "40.50", f"ver-{name}": "1"},
    )
    assert refused.status_code == 302
    assert gradebook_rows(course=course).rows[0].scores  # unchanged
    course.ta_can_grade = True
    course.save()
    assert 'class="grid-input"' in client.get(f"/courses/{course.code}/gradebook/").content.decode()


def test_the_grid_shows_a_bad_cell_next_to_it_and_saves_nothing(
    course, graded, staff_instructor, client_of
):
    alice, bob = graded
    review = leaf(course, "review")
    plan = leaf(course, "plan")
    good, bad = f"{bob.pk}-{plan.pk}", f"{alice.pk}-{review.pk}"
    response = client_of(staff_instructor).post(
        f"/admin/courseapp/course/{course.pk}/grades/",
        {
            f"cell-{good}": "10",
            f"orig-{good}": "",
            f"ver-{good}": "0",
            f"cell-{bad}": "55",
            f"orig-{bad}": "40.50",
            f"ver-{bad}": "1",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="cell-{bad}-error">55 must be between 0 and 50<' in html
    assert f'aria-describedby="cell-{bad}-error"' in html
    assert 'value="55"' in html  # what was typed stays in the cell
    assert not ScoreChange.objects.filter(criterion=plan, student=bob).exists()


def test_the_grid_filters_by_section_session_and_category(
    course, graded, staff_instructor, client_of
):
    alice, bob = graded
    alice.section = "phd"
    alice.save()
    give_talk(bob)
    url = f"/admin/courseapp/course/{course.pk}/grades/"
    client = client_of(staff_instructor)

    def names(query):
        grid = client.get(url, query).context["grid"]
        return [row.row.user.get_username() for row in grid.rows]

    assert names({}) == ["bob", "alice"]
    assert names({"section": "phd"}) == ["alice"]
    session = bob.presentations.get().slot.meeting_id
    assert names({"session": session}) == ["bob"]
    assert names({"category": "training"}) == ["bob"]
    assert names({"category": "inference"}) == []


def test_peer_values_flow_into_the_gradebook(course, graded, fake_feedback):
    alice, _ = graded
    presentation = give_talk(alice)
    fake_feedback(aggregates={presentation.pk: talk(presentation.pk, 4, organisation="0.8")})
    enter(course, (alice, "organisation", 15))
    row = next(r for r in gradebook_rows(course=course).rows if r.enrollment == alice)
    # 0.7 * (25 * 0.8 = 20) + 0.3 * 15 = 14 + 4.5
    assert row.leaves["organisation"].value == D("18.50")
    assert row.papers == "ZeRO"
    assert row.slots.startswith("session 1 slot 1 (Tue 9 Sep 2025, ")
