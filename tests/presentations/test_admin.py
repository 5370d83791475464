import pytest
from django.contrib.auth import get_user_model

from presentations.models import Category, FeedbackQuestion, Paper, Slot

User = get_user_model()

CHANGELISTS = {
    Category: "/admin/presentations/category/",
    Paper: "/admin/presentations/paper/",
    Slot: "/admin/presentations/slot/",
    FeedbackQuestion: "/admin/presentations/feedbackquestion/",
}


@pytest.mark.parametrize("who", ["anonymous", "student", "other_student", "ta", "outsider"])
@pytest.mark.parametrize("url", CHANGELISTS.values())
def test_presentations_admin_is_closed_to_non_instructors(
    who, url, client_as, course, other_course
):
    response = client_as(who).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", CHANGELISTS.values())
def test_instructor_lists_only_their_courses_rows(
    staff_instructor, course, other_course, url, client_of
):
    rows = client_of(staff_instructor).get(url).context["cl"].result_list

    assert len(rows) > 0
    assert {row.course_id for row in rows} == {course.pk}


@pytest.mark.parametrize("url", CHANGELISTS.values())
def test_superuser_lists_every_courses_rows(superuser, course, other_course, url, client_of):
    rows = client_of(superuser).get(url).context["cl"].result_list

    assert {row.course_id for row in rows} == {course.pk, other_course.pk}


@pytest.mark.parametrize(("model", "url"), CHANGELISTS.items())
@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_instructor_gets_404_on_another_courses_objects(
    staff_instructor, other_course, model, url, action, client_of
):
    obj = model.objects.filter(course=other_course).first()

    response = client_of(staff_instructor).get(f"{url}{obj.pk}/{action}/")

    assert response.status_code == 404


@pytest.mark.parametrize(("model", "url"), CHANGELISTS.items())
def test_instructor_opens_their_own_objects(staff_instructor, course, model, url, client_of):
    obj = model.objects.filter(course=course).first()

    assert client_of(staff_instructor).get(f"{url}{obj.pk}/change/").status_code == 200


def test_papers_search_by_title_and_filter_by_category(staff_instructor, course, client_of):
    client = client_of(staff_instructor)
    training = Category.objects.get(course=course, key="training")

    found = client.get(CHANGELISTS[Paper], {"q": "vllm"}).context["cl"].result_list
    filtered = client.get(CHANGELISTS[Paper], {"category__id__exact": training.pk})

    assert [paper.key for paper in found] == ["vllm"]
    assert [paper.key for paper in filtered.context["cl"].result_list] == ["zero"]


def test_paper_filters_offer_only_the_taught_courses_categories(
    staff_instructor, course, other_course, client_of
):
    response = client_of(staff_instructor).get(CHANGELISTS[Paper])

    category_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.field_path == "category"
    )
    assert {pk for pk, _ in category_filter.lookup_choices} == set(
        Category.objects.filter(course=course).values_list("pk", flat=True)
    )


def test_superuser_sees_which_course_each_category_filter_belongs_to(
    superuser, course, other_course, client_of
):
    response = client_of(superuser).get(CHANGELISTS[Paper])

    category_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.field_path == "category"
    )
    labels = {label for _, label in category_filter.lookup_choices}
    assert {"Training (seminar)", "Training (other-seminar)"} <= labels


def test_a_paper_cannot_take_another_courses_category(superuser, course, other_course, client_of):
    # Course-file rows are read-only for instructors; a superuser may still edit them, and
    # the form keeps every related row in the paper's course.
    foreign = Category.objects.get(course=other_course, key="training")

    response = client_of(superuser).post(
        f"{CHANGELISTS[Paper]}add/",
        {"course": course.pk, "key": "new", "title": "New paper", "category": foreign.pk},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["category"] == [
        "Training belongs to another course."
    ]
    assert not Paper.objects.filter(key="new").exists()


def test_a_duplicate_paper_key_is_a_form_error(superuser, course, client_of):
    training = Category.objects.get(course=course, key="training")

    response = client_of(superuser).post(
        f"{CHANGELISTS[Paper]}add/",
        {"course": course.pk, "key": "zero", "title": "Again", "category": training.pk},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Paper.objects.filter(course=course, key="zero").count() == 1


def test_slot_form_offers_only_presentation_sessions(superuser, course, other_course, client_of):
    form = client_of(superuser).get(f"{CHANGELISTS[Slot]}add/").context["adminform"].form

    meetings = list(form.fields["meeting"].queryset)
    assert {(m.course_id, m.kind) for m in meetings} == {
        (course.pk, "presentation"),
        (other_course.pk, "presentation"),
    }
