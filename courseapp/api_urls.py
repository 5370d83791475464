"""The HTTP API under /api/ (design.md section 4). Names live in the `api` namespace."""

from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView

from courseapp import api
from schedule import api as schedule_api

app_name = "api"

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token"),
    path("schema/", api.SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from ?script instead of inline,
    # so that the page keeps the site's Content-Security-Policy.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("courses/", api.CourseListView.as_view(), name="courses"),
    path(
        "courses/<slug:code>/schedule/",
        schedule_api.ScheduleView.as_view(),
        name="schedule",
    ),
]
