"""Importing scores from an edited export: a preview of every change and every problem,
located; nothing applied while a problem remains; an apply that checks nothing moved."""

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grading.exporters import EXPORTERS
from grading.imports import ImportChanged, ImportProblems, gradebook_import, import_plan
from grading.models import Score
from grading.selectors import gradebook_rows
from grading.services import score_set
from tests.grading.conftest import enrolment_of, leaf


@pytest.fixture
def alice(course, student):
    return enrolment_of(student, course)


@pytest.fixture
def bob(course, other_student):
    return enrolment_of(other_student, course)


def test_an_edited_export_previews_each_change_old_to_new(course, alice, bob, instructor):
    score_set(
        student=alice, criterion=leaf(course, "review"), points=D(30), actor=instructor, via="admin"
    )
    exported = EXPORTERS["csv"](gradebook_rows(course=course)).render().decode("utf-8-sig")
    lines = exported.splitlines()
    header = lines[0].split(",")
    review, plan = header.index("review"), header.index("plan")
    edited = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[1] == "alice":
            cells[review], cells[plan] = "35", "15.5"
        edited.append(",".join(cells))

    plan_ = import_plan(course=course, csv_text="\n".join(edited))

    assert plan_.problems == []
    assert [change.line() for change in plan_.changes] == [
        "row 3: alice, review: 30 → 35",
        "row 3: alice, plan: (none) → 15.5",
    ]
    assert "organisation (computed from feedback; override it instead)" in plan_.ignored


def test_every_problem_is_located_and_nothing_is_applied(course, alice, bob, instructor):
    text = "\n".join(
        [
            "username,review,plan,remarks",
            "alice,51,=SUM(A1:A3)",
            "nobody,10,10",
            "bob,abc,-2+1",
            "alice,10,10",
        ]
    )
    with pytest.raises(ImportProblems) as caught:
        gradebook_import(course=course, csv_text=text, actor=instructor, via="admin")
    assert caught.value.problems == [
        "row 1, column D (remarks): not a column of the gradebook export",
        "row 2, column B (review): 51 must be between 0 and 50",
        "row 2, column C (plan): '=SUM(A1:A3)' is a formula; type the number instead",
        "row 3, column A (username): unknown student 'nobody'",
        "row 4, column B (review): 'abc' is not a number",
        "row 4, column C (plan): '-2+1' is a formula; type the number instead",
        "row 5, column A (username): alice is also on row 2",
    ]
    assert not Score.objects.exists()


def test_students_are_found_by_student_id_without_a_username_column(course, alice, instructor):
    plan = gradebook_import(
        course=course, csv_text="student_id,plan\nS001,12\n", actor=instructor, via="admin"
    )
    assert len(plan.changes) == 1
    assert Score.objects.get(student=alice).points == D(12)


def test_an_apply_refuses_when_scores_moved_since_the_preview(course, alice, instructor):
    text = "username,review\nalice,40\n"
    preview = gradebook_import(
        course=course, csv_text=text, actor=instructor, via="admin", dry_run=True
    )
    score_set(
        student=alice, criterion=leaf(course, "review"), points=D(20), actor=instructor, via="admin"
    )
    with pytest.raises(ImportChanged):
        gradebook_import(
            course=course,
            csv_text=text,
            actor=instructor,
            via="admin",
            expected_digest=preview.digest(),
        )
    assert Score.objects.get(student=alice).points == D(20)


def test_the_admin_import_page_shows_problems_then_a_preview(
    course, alice, staff_instructor, client_of
):
    client = client_of(staff_instructor)
    url = f"/admin/courseapp/course/{course.pk}/grades/import/"
    bad = client.post(url, {"file": SimpleUploadedFile("g.csv", b"username,review\nzed,1\n")})
    assert bad.status_code == 400
    assert "row 2, column A (username): unknown student &#x27;zed&#x27;" in bad.content.decode()
    good = client.post(
        url, {"file": SimpleUploadedFile("g.csv", b"\xef\xbb\xbfusername,review\nalice,1\n")}
    )
    assert "row 2: alice, review: (none) → 1" in good.content.decode()
    assert not Score.objects.exists()
