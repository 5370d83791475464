"""The HTTP API under /api/ (design.md section 4). Names live in the `api` namespace."""

from django.urls import path

from courseapp import api
from grading import api as grading_api
from presentations import api as presentations_api
from presentations import feedback_api
from schedule import api as schedule_api

app_name = "api"

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token"),
    path("schema/", api.SchemaView.as_view(), name="schema"),
    path("docs/", api.DocsView.as_view(url_name="api:schema"), name="docs"),
    path("courses/", api.CourseListView.as_view(), name="courses"),
    path(
        "courses/<slug:code>/schedule/",
        schedule_api.ScheduleView.as_view(),
        name="schedule",
    ),
    path("courses/<slug:code>/papers/", presentations_api.PaperListView.as_view(), name="papers"),
    path(
        "courses/<slug:code>/papers/preferences/",
        presentations_api.PreferencesView.as_view(),
        name="preferences",
    ),
    path(
        "courses/<slug:code>/papers/proposals/",
        presentations_api.ProposalListView.as_view(),
        name="proposals",
    ),
    path(
        "courses/<slug:code>/papers/<int:paper_id>/claim/",
        presentations_api.ClaimView.as_view(),
        name="paper-claim",
    ),
    path("courses/<slug:code>/slots/", presentations_api.SlotListView.as_view(), name="slots"),
    path(
        "courses/<slug:code>/slots/<int:slot_id>/signup/",
        presentations_api.SignUpView.as_view(),
        name="slot-signup",
    ),
    path(
        "courses/<slug:code>/sessions/<int:session_id>/waitlist/",
        presentations_api.WaitlistView.as_view(),
        name="waitlist",
    ),
    path("courses/<slug:code>/swaps/", presentations_api.SwapListView.as_view(), name="swaps"),
    path(
        "courses/<slug:code>/swaps/<int:swap_id>/",
        presentations_api.SwapDetailView.as_view(),
        name="swap",
    ),
    path(
        "courses/<slug:code>/feedback/todo/", feedback_api.TodoView.as_view(), name="feedback-todo"
    ),
    path(
        "courses/<slug:code>/presentations/<int:presentation_id>/feedback/",
        feedback_api.SubmitView.as_view(),
        name="feedback-submit",
    ),
    path(
        "courses/<slug:code>/feedback/given/",
        feedback_api.GivenView.as_view(),
        name="feedback-given",
    ),
    path(
        "courses/<slug:code>/feedback/received/",
        feedback_api.ReceivedView.as_view(),
        name="feedback-received",
    ),
    path(
        "courses/<slug:code>/feedback/sessions/<int:session_id>/",
        feedback_api.SessionView.as_view(),
        name="feedback-session",
    ),
    path(
        "courses/<slug:code>/feedback/students/",
        feedback_api.StudentsView.as_view(),
        name="feedback-students",
    ),
    path(
        "courses/<slug:code>/feedback/<int:feedback_id>/hide/",
        feedback_api.HideView.as_view(),
        name="feedback-hide",
    ),
    path(
        "courses/<slug:code>/feedback/<int:feedback_id>/restore/",
        feedback_api.RestoreView.as_view(),
        name="feedback-restore",
    ),
    path(
        "courses/<slug:code>/feedback/excusals/",
        feedback_api.ExcusalsView.as_view(),
        name="feedback-excusals",
    ),
    path("courses/<slug:code>/grades/me/", grading_api.MyGradesView.as_view(), name="grades-me"),
    path("courses/<slug:code>/gradebook/", grading_api.GradebookView.as_view(), name="gradebook"),
]
