from django.urls import path

from grading import views

app_name = "grading"

# Mounted under courses/<code>/ by the project's urls.
urlpatterns = [
    path("grades/", views.my_grades, name="my_grades"),
    path("gradebook/", views.gradebook, name="gradebook"),
    path("gradebook/export/", views.gradebook_export, name="gradebook_export"),
    path("statistics/", views.course_statistics, name="statistics"),
]
