"""Pages of the core app: the course list, the course dashboard, and the account pages."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone

from courseapp.pages import course_view
from courseapp.selectors import dashboard_cards, home_courses


def home(request):
    # Everyone sees the list, even a member of a single course: a page that sometimes
    # redirects and sometimes does not leaves people unsure where they are.
    return render(request, "courseapp/home.html", {"courses": home_courses(user=request.user)})


@course_view()
def dashboard(request, course, role):
    cards = dashboard_cards(course=course, role=role, user=request.user, now=timezone.now())
    return render(
        request, "courseapp/dashboard.html", {"course": course, "role": role, "cards": cards}
    )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"Signed in as {form.get_user().get_username()}.")
        return response


class LogoutView(auth_views.LogoutView):
    """Logs out on POST only (Django's rule: a link could be followed by a prefetcher)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Added after the session is flushed, so the message survives the logout.
        messages.success(request, "Signed out.")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Password changed.")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
