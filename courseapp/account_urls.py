from django.urls import path

from courseapp import views

# Not namespaced: Django's auth views and LOGIN_URL refer to these names as they are.
urlpatterns = [
    path("", views.account, name="account"),
    path("api-token/", views.account_api_token_create, name="account_api_token_create"),
    path("api-token/reset/", views.account_api_token_reset, name="account_api_token_reset"),
    path("calendar-key/", views.account_feed_key_create, name="account_feed_key_create"),
    path("calendar-key/reset/", views.account_feed_key_reset, name="account_feed_key_reset"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
