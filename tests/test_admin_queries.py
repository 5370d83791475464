"""Every registered ModelAdmin's list and change page run a fixed number of queries, whatever
the size of the class: a model that a feature adds to the admin is covered here without
being named.

Each page is read twice, in the demo (24 students with a term's activity) and again once
30 more students have enrolled and been graded; the count must not grow, and stays under a
bound.
"""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from conftest import make_user
from courseapp.admin import CourseScopedAdmin
from courseapp.demo import demo_load
from courseapp.enrollments import enrollment_create
from courseapp.models import Course, Role
from grading.models import Criterion
from grading.services import score_set

LIST_QUERIES = 14
CHANGE_QUERIES = 20


def _pages(model, model_admin, user) -> list[str]:
    """The model's list, and the change page of the first row this user's admin lists."""
    info = (model._meta.app_label, model._meta.model_name)
    request = RequestFactory().get("/admin/")
    request.user = user
    first = model_admin.get_queryset(request).order_by("pk").first()
    pages = [reverse("admin:{}_{}_changelist".format(*info))]
    if first is not None:
        pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    return pages


def _count(client, url: str) -> int:
    # Read once first: a change page's first read fills Django's content-type cache.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _grow_the_class(course: Course, number: int) -> None:
    teacher = course.enrollments.get(user__username="instructor").user
    leaf = Criterion.objects.for_course(course).leaves().filter(source="instructor").first()
    for n in range(number):
        student = enrollment_create(
            user=make_user(f"late{n:02}"),
            course=course,
            role=Role.STUDENT,
            actor=teacher,
            via="admin",
            student_id=f"9{n:07}",
        )
        score_set(student=student, criterion=leaf, points=Decimal(1), actor=teacher, via="admin")


@pytest.fixture
def demo(db):
    with override_settings(DEBUG=True):
        demo_load()
    return Course.objects.get(code="mlsys-2025-live")


@pytest.mark.parametrize("who", ["superuser", "instructor"])
def test_every_admin_list_and_change_page_runs_a_fixed_number_of_queries(
    demo, superuser, client_of, who
):
    user = superuser if who == "superuser" else demo.enrollments.get(role=Role.INSTRUCTOR).user
    client = client_of(user)
    pages = []
    for model, model_admin in admin.site._registry.items():
        if who == "instructor" and not isinstance(model_admin, CourseScopedAdmin):
            continue  # the instructor's admin is course data; the rest is the superuser's
        pages.extend(_pages(model, model_admin, user))
    small = {url: _count(client, url) for url in pages}

    _grow_the_class(demo, 30)
    large = {url: _count(client, url) for url in pages}

    assert large == small
    limits = {url: CHANGE_QUERIES if url.endswith("/change/") else LIST_QUERIES for url in pages}
    assert {url: n for url, n in large.items() if n > limits[url]} == {}
    # Every course-scoped model with rows in the demo had its change page read, by the
    # instructor too (a model without demo rows has its list read only).
    changed = {url.split("/")[3] for url in pages if url.endswith("/change/")}
    assert {
        model._meta.model_name
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, CourseScopedAdmin) and model._default_manager.exists()
    } <= changed
