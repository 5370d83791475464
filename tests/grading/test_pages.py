"""The grading pages: statistics with server-drawn histograms, the dashboard cards, and no
inline script or style anywhere (the Content-Security-Policy allows files only)."""

import re
from decimal import Decimal as D

import pytest

from grading.models import ScoreChange
from grading.services import ScoreInput, scores_set
from grading.statistics import histogram
from tests.grading.conftest import enrolment_of, leaf


@pytest.fixture
def graded(course, student, other_student):
    alice, bob = enrolment_of(student, course), enrolment_of(other_student, course)
    cells = [(alice, "review", 45), (alice, "plan", 18), (bob, "review", 20), (bob, "plan", 5)]
    scores_set(
        course=course,
        entries=[ScoreInput(e.pk, leaf(course, k).pk, D(p)) for e, k, p in cells],
        actor=None,
        via="command",
        path=ScoreChange.Path.BULK,
    )
    return alice, bob


def test_a_histogram_counts_values_into_equal_ranges():
    bars = histogram([D(0), D(5), D(69), D(70), D(35)], D(70))
    assert [bar.count for bar in bars] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bars[0].label == "0 to 7: 2"
    assert bars[0].height == max(bar.height for bar in bars)


def test_the_statistics_page_draws_the_parts_and_the_total(course, graded, ta, client_of):
    response = client_of(ta).get(f"/courses/{course.code}/statistics/")
    html = response.content.decode()
    stats = response.context["stats"]
    report = next(d for d in stats.distributions if d.key == "report")
    assert (report.count, report.missing, report.mean, report.median) == (
        2,
        0,
        D("44.00"),
        D("44.00"),
    )
    presentation = next(d for d in stats.distributions if d.key == "presentation")
    assert presentation.missing == 2  # nobody's presentation is graded
    assert html.count('<svg class="histogram"') == 3
    assert '<rect class="bar"' in html
    assert "Students with every talk booked: 0 of 2" in html


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("ta", "/courses/{code}/gradebook/"),
        ("ta", "/courses/{code}/statistics/"),
        ("student", "/courses/{code}/grades/"),
        ("staff_instructor", "/admin/courseapp/course/{pk}/grades/"),
        ("staff_instructor", "/admin/courseapp/course/{pk}/grades/import/"),
        ("staff_instructor", "/admin/courseapp/course/{pk}/grades/student/{alice}/"),
    ],
)
def test_no_inline_script_or_style(course, graded, client_of, request, who, url):
    alice, _ = graded
    page = client_of(request.getfixturevalue(who)).get(
        url.format(code=course.code, pk=course.pk, alice=alice.pk)
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_staff_card_links_the_gradebook_and_its_downloads(course, graded, ta, client_of):
    html = client_of(ta).get(f"/courses/{course.code}/dashboard/").content.decode()
    assert "4 scores entered on 4 graded criteria." in html
    assert f'href="/courses/{course.code}/gradebook/export/?format=xlsx"' in html
    assert f'href="/courses/{course.code}/gradebook/">Open the gradebook' in html


def test_the_course_admin_page_links_the_grid_and_the_export(course, staff_instructor, client_of):
    html = client_of(staff_instructor).get(f"/admin/courseapp/course/{course.pk}/change/").content
    html = html.decode()
    assert f'href="/admin/courseapp/course/{course.pk}/grades/">Grade grid</a>' in html
    assert f'href="/admin/courseapp/course/{course.pk}/grades/export/?format=csv">' in html


def test_the_admin_action_exports_one_courses_gradebook(
    course, graded, staff_instructor, client_of
):
    response = client_of(staff_instructor).post(
        "/admin/courseapp/course/",
        {"action": "export_gradebook", "_selected_action": [course.pk]},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.startswith("student_id,username")
    assert "alice" in body
