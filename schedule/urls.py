from django.urls import path

from schedule import views

app_name = "schedule"

# Mounted under courses/<code>/ by the project's urls.
urlpatterns = [
    path("", views.course_page, name="course"),
    path("schedule.ics", views.ical_feed, name="ical"),
    path("calendar-link/", views.calendar_link, name="calendar_link"),
]
