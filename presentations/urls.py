from django.urls import path

from presentations import feedback_views, views

app_name = "presentations"

# Mounted under courses/<code>/ by the project's urls.
urlpatterns = [
    path("papers/", views.papers, name="papers"),
    path("papers/<int:paper_id>/claim/", views.paper_claim, name="paper_claim"),
    path("papers/<int:paper_id>/release/", views.paper_release, name="paper_release"),
    path("papers/ranking/", views.preferences_save, name="preferences"),
    path("papers/proposals/", views.proposal_submit, name="proposal_submit"),
    path("slots/", views.slots, name="slots"),
    path("slots/<int:slot_id>/book/", views.slot_book, name="slot_book"),
    path("slots/<int:slot_id>/drop/", views.slot_drop, name="slot_drop"),
    path("sessions/<int:session_id>/waitlist/join/", views.waitlist_join, name="waitlist_join"),
    path("sessions/<int:session_id>/waitlist/leave/", views.waitlist_leave, name="waitlist_leave"),
    path("sessions/<int:session_id>/signup-sheet.csv", views.signup_sheet, name="signup_sheet"),
    path("talks/<int:talk_id>/swap/", views.swap_ask, name="swap_ask"),
    path("swaps/<int:swap_id>/accept/", views.swap_accept, name="swap_accept"),
    path("swaps/<int:swap_id>/close/", views.swap_close, name="swap_close"),
    path("programme/", views.programme, name="programme"),
    path("feedback/", feedback_views.feedback_home, name="feedback"),
    path("feedback/talks/<int:talk_id>/", feedback_views.feedback_form, name="feedback_form"),
    path("feedback/received/", feedback_views.feedback_received, name="feedback_received"),
    path("feedback/students/", feedback_views.feedback_students, name="feedback_students"),
    path(
        "feedback/students/<int:enrollment_id>/",
        feedback_views.feedback_student,
        name="feedback_student",
    ),
    path(
        "feedback/students/<int:enrollment_id>/excuse/",
        feedback_views.feedback_excuse,
        name="feedback_excuse",
    ),
    path(
        "feedback/excusals/<int:excusal_id>/withdraw/",
        feedback_views.feedback_unexcuse,
        name="feedback_unexcuse",
    ),
    path(
        "feedback/sessions/<int:session_id>/",
        feedback_views.feedback_session,
        name="feedback_session",
    ),
    path(
        "feedback/sessions/<int:session_id>/release/",
        feedback_views.feedback_release,
        name="feedback_release",
    ),
    path("feedback/<int:feedback_id>/hide/", feedback_views.feedback_hide, name="feedback_hide"),
    path(
        "feedback/<int:feedback_id>/restore/",
        feedback_views.feedback_restore,
        name="feedback_restore",
    ),
    path("feedback/allocate/", feedback_views.feedback_allocate, name="feedback_allocate"),
]
