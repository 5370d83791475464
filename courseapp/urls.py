from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from courseapp.page_urls import course_patterns


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's).

    The static file's address is resolved per request: with hashed static files it exists
    only once collectstatic has run, which must not be needed to import the URLs.
    """

    def get_redirect_url(self, *args, **kwargs):
        return static("courseapp/favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view()),
    path("admin/", admin.site.urls),
    path("api/", include("courseapp.api_urls")),
    path("accounts/", include("courseapp.account_urls")),
    path("courses/<slug:code>/", include("schedule.urls")),
    path("courses/<slug:code>/", include("presentations.urls")),
    path("courses/<slug:code>/", include("grading.urls")),
    path("courses/<slug:code>/", include("submissions.urls")),
    path("courses/<slug:code>/", include(course_patterns)),
    path("", include("courseapp.page_urls")),
]

# Under /api/ errors are JSON in the API's shape; elsewhere, our pages (templates/4xx.html).
handler400 = "courseapp.http_errors.bad_request"
handler403 = "courseapp.http_errors.permission_denied"
handler404 = "courseapp.http_errors.page_not_found"
handler500 = "courseapp.http_errors.server_error"
