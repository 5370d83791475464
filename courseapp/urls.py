from django.contrib import admin
from django.urls import include, path

from courseapp.page_urls import course_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("courseapp.api_urls")),
    path("accounts/", include("courseapp.account_urls")),
    path("courses/<slug:code>/", include("schedule.urls")),
    path("courses/<slug:code>/", include("presentations.urls")),
    path("courses/<slug:code>/", include("grading.urls")),
    path("courses/<slug:code>/", include(course_patterns)),
    path("", include("courseapp.page_urls")),
]
