from django.contrib import admin
from django.urls import include, path

from courseapp.page_urls import course_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("courseapp.api_urls")),
    path("accounts/", include("courseapp.account_urls")),
    path("courses/<slug:code>/", include("schedule.urls")),
    path("courses/<slug:code>/", include(course_patterns)),
    path("", include("courseapp.page_urls")),
]

# Under /api/ errors are JSON in the API's shape; elsewhere, our pages (templates/4xx.html).
handler400 = "courseapp.http_errors.bad_request"
handler403 = "courseapp.http_errors.permission_denied"
handler404 = "courseapp.http_errors.page_not_found"
handler500 = "courseapp.http_errors.server_error"
