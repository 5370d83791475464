"""The HTTP API under /api/ (design.md section 4). Names live in the `api` namespace."""

from django.urls import path
from drf_spectacular.views import SpectacularSwaggerView

from courseapp import api
from schedule import api as schedule_api

app_name = "api"

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token"),
    path("schema/", api.SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("courses/", api.CourseListView.as_view(), name="courses"),
    path(
        "courses/<slug:code>/schedule/",
        schedule_api.ScheduleView.as_view(),
        name="schedule",
    ),
]
