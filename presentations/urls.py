from django.urls import path

from presentations import views

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
]
