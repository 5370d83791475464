from django.urls import path

from submissions import views

app_name = "submissions"

# Mounted under courses/<code>/ by the project's urls.
urlpatterns = [
    path("deliverables/", views.deliverable_list, name="deliverables"),
    path("deliverables/<slug:key>/", views.deliverable_detail, name="deliverable"),
    path("deliverables/<slug:key>/extensions/", views.extension_grant, name="extension"),
    path("deliverables/<slug:key>/waive/", views.penalty_waive, name="waive"),
    path("deliverables/<slug:key>/submissions.zip", views.deliverable_zip, name="zip"),
    path("submissions/<int:submission_id>/file/", views.submission_file, name="file"),
    path("teams/", views.teams, name="teams"),
]
