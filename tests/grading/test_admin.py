from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from grading.models import Criterion, LetterGrade

User = get_user_model()

CRITERIA = "/admin/grading/criterion/"
LETTERS = "/admin/grading/lettergrade/"


@pytest.mark.parametrize("who", ["anonymous", "student", "other_student", "ta", "outsider"])
@pytest.mark.parametrize("url", [CRITERIA, LETTERS])
def test_grading_admin_is_closed_to_non_instructors(who, url, client_as, course, other_course):
    response = client_as(who).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", [CRITERIA, LETTERS])
def test_instructor_lists_only_their_courses_rows(
    staff_instructor, course, other_course, url, client_of
):
    rows = client_of(staff_instructor).get(url).context["cl"].result_list

    assert len(rows) > 0
    assert {row.course_id for row in rows} == {course.pk}


@pytest.mark.parametrize("url", [CRITERIA, LETTERS])
def test_superuser_lists_every_courses_rows(superuser, course, other_course, url, client_of):
    rows = client_of(superuser).get(url).context["cl"].result_list

    assert {row.course_id for row in rows} == {course.pk, other_course.pk}


@pytest.mark.parametrize(("model", "url"), [(Criterion, CRITERIA), (LetterGrade, LETTERS)])
@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_instructor_gets_404_on_another_courses_objects(
    staff_instructor, other_course, model, url, action, client_of
):
    obj = model.objects.filter(course=other_course).first()

    assert client_of(staff_instructor).get(f"{url}{obj.pk}/{action}/").status_code == 404


def test_rubric_list_shows_points_source_peer_share_and_questions(
    staff_instructor, course, client_of
):
    response = client_of(staff_instructor).get(CRITERIA, {"q": "organisation"})

    content = response.content.decode()
    row = response.context["cl"].result_list[0]
    assert row.key == "organisation"
    assert "25.00" in content
    assert "Peer feedback blended with the instructor&#x27;s score" in content
    assert "0.700" in content
    assert ">organisation<" in content  # its feedback question


def test_a_part_shows_its_children_inline(staff_instructor, course, client_of):
    report = Criterion.objects.get(course=course, key="report")

    response = client_of(staff_instructor).get(f"{CRITERIA}{report.pk}/change/")

    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.instance.key for form in formset.forms] == ["review", "plan"]


def _children_post(client, part) -> tuple[str, dict]:
    url = f"{CRITERIA}{part.pk}/change/"
    formset = client.get(url).context["inline_admin_formsets"][0].formset
    data = {
        "course": part.course_id,
        "parent": "",
        "position": part.position,
        "key": part.key,
        "name": part.name,
        "description": part.description,
        "points": part.points,
        "source": part.source,
        "peer_share": "",
        "children-TOTAL_FORMS": len(formset.forms) + 1,
        "children-INITIAL_FORMS": len(formset.forms),
        "children-MIN_NUM_FORMS": 0,
        "children-MAX_NUM_FORMS": 1000,
    }
    for index, form in enumerate(formset.forms):
        child = form.instance
        data.update(
            {
                f"children-{index}-id": child.pk,
                f"children-{index}-parent": part.pk,
                f"children-{index}-position": child.position,
                f"children-{index}-key": child.key,
                f"children-{index}-name": child.name,
                f"children-{index}-points": child.points,
                f"children-{index}-source": child.source,
                f"children-{index}-peer_share": child.peer_share or "",
            }
        )
    return url, data


def test_a_child_added_inline_joins_its_parents_course(superuser, course, client_of):
    client = client_of(superuser)
    report = Criterion.objects.get(course=course, key="report")
    url, data = _children_post(client, report)
    data.update(
        {
            "children-2-parent": report.pk,
            "children-2-position": 2,
            "children-2-key": "appendix",
            "children-2-name": "Appendix",
            "children-2-points": "0",
            "children-2-source": "instructor",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302
    appendix = Criterion.objects.get(key="appendix")
    assert (appendix.course_id, appendix.parent_id) == (course.pk, report.pk)
    assert appendix.points == Decimal("0")


def test_a_child_with_a_key_taken_in_the_course_is_a_form_error(superuser, course, client_of):
    client = client_of(superuser)
    report = Criterion.objects.get(course=course, key="report")
    url, data = _children_post(client, report)
    data.update(
        {
            "children-2-parent": report.pk,
            "children-2-position": 2,
            "children-2-key": "organisation",  # a presentation leaf's key
            "children-2-name": "Clash",
            "children-2-points": "0",
            "children-2-source": "instructor",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert errors[2] == {"__all__": ["Criterion with this Course and Key already exists."]}
    assert not Criterion.objects.filter(name="Clash").exists()


def test_a_criterion_cannot_take_another_courses_feedback_question(
    superuser, course, other_course, client_of
):
    leaf = Criterion.objects.get(course=course, key="organisation")
    foreign = other_course.feedback_questions.get()

    response = client_of(superuser).post(
        f"{CRITERIA}{leaf.pk}/change/",
        {
            "course": course.pk,
            "parent": leaf.parent_id,
            "position": leaf.position,
            "key": leaf.key,
            "name": leaf.name,
            "points": leaf.points,
            "source": leaf.source,
            "peer_share": leaf.peer_share,
            "feedback_questions": [foreign.pk],
            "children-TOTAL_FORMS": 0,
            "children-INITIAL_FORMS": 0,
            "children-MIN_NUM_FORMS": 0,
            "children-MAX_NUM_FORMS": 1000,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["feedback_questions"] == [
        "Organisation belongs to another course."
    ]
    assert list(leaf.feedback_questions.values_list("course_id", flat=True)) == [course.pk]


def test_demo_rubric_part_page_runs_a_bounded_number_of_queries(
    demo_instructor, demo_course, client_of, django_assert_max_num_queries
):
    client = client_of(demo_instructor)
    part = Criterion.objects.get(course=demo_course, key="report")

    with django_assert_max_num_queries(16):
        response = client.get(f"{CRITERIA}{part.pk}/change/")

    assert response.status_code == 200
