from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("courseapp.api_urls")),
    path("accounts/", include("courseapp.account_urls")),
    path("courses/<slug:code>/", include("schedule.urls")),
    path("", include("courseapp.page_urls")),
]
