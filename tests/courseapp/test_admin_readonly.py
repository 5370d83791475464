"""Rows the course file owns are read-only in the admin for everyone but superusers: an
instructor sees them, and changes them by uploading a new version of the course file."""

import pytest

from grading.models import Criterion, LetterGrade
from presentations.models import Category, FeedbackQuestion, Paper, Slot
from schedule.models import Meeting, Week

COURSE_FILE_ROWS = [Week, Meeting, Category, Paper, Slot, FeedbackQuestion, Criterion, LetterGrade]


def admin_url(model, tail: str) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{tail}"


@pytest.mark.parametrize("model", COURSE_FILE_ROWS, ids=lambda m: m.__name__)
def test_an_instructor_views_but_never_adds_changes_or_deletes(
    staff_instructor, course, client_of, model
):
    client = client_of(staff_instructor)
    row = model.objects.filter(course=course).first()

    listing = client.get(admin_url(model, ""))
    page = client.get(admin_url(model, f"{row.pk}/change/"))

    assert listing.status_code == 200
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.get(admin_url(model, "add/")).status_code == 403
    assert client.post(admin_url(model, f"{row.pk}/change/"), {}).status_code == 403
    assert client.post(admin_url(model, f"{row.pk}/delete/"), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", COURSE_FILE_ROWS, ids=lambda m: m.__name__)
def test_a_superuser_may_still_edit_them(superuser, course, client_of, model):
    row = model.objects.filter(course=course).first()

    page = client_of(superuser).get(admin_url(model, f"{row.pk}/change/"))

    assert page.context["has_change_permission"] is True
