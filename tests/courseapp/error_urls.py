"""The project's URLs plus views that fail, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.urls import path

from courseapp.urls import handler400, handler403, handler404, handler500  # noqa: F401
from courseapp.urls import urlpatterns as project_patterns


def database_down(request):
    raise OperationalError("could not connect to server: Connection refused")


def denied(request):
    raise PermissionDenied("Your role in this course does not allow this.")


urlpatterns = [
    path("broken/", database_down),
    path("api/broken/", database_down),
    path("denied/", denied),
    path("api/denied/", denied),
    *project_patterns,
]
