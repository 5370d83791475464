from django.urls import path

from courseapp import views

urlpatterns = [
    path("", views.home, name="home"),
]

# Pages of one course, mounted under courses/<code>/ with the namespace "courseapp".
course_patterns = (
    [path("dashboard/", views.dashboard, name="dashboard")],
    "courseapp",
)
