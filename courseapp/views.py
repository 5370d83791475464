"""Pages of the core app: the course list, the course dashboard, and the account pages."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone

from courseapp.accounts import credentials_revoke, password_reset_request
from courseapp.models import AuditEntry
from courseapp.permissions import course_for_member
from courseapp.selectors import dashboard_cards, home_courses


def home(request):
    # Everyone sees the list, even a member of a single course: a page that sometimes
    # redirects and sometimes does not leaves people unsure where they are.
    return render(request, "courseapp/home.html", {"courses": home_courses(user=request.user)})


@login_required
def dashboard(request, code: str):
    course, role = course_for_member(user=request.user, code=code)
    request.course, request.course_role = course, role
    # Dates on the cards are the course's local dates, whatever the server's zone.
    with timezone.override(course.tzinfo):
        cards = dashboard_cards(course=course, role=role, user=request.user, now=timezone.now())
        return render(
            request,
            "courseapp/dashboard.html",
            {"course": course, "role": role, "cards": cards},
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
        with transaction.atomic():
            response = super().form_valid(form)
            revoked = credentials_revoke(
                user=form.user,
                actor=self.request.user,
                via=AuditEntry.Via.PAGE,
                reason="password changed",
            )
        message = "Password changed."
        if revoked:
            message += " Your API token was deleted with the old password."
        messages.success(self.request, message)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def _site(request) -> str:
    # get_host() only returns a host named in ALLOWED_HOSTS, so a forged Host header cannot
    # point a reset link at another site.
    return f"{request.scheme}://{request.get_host()}"


class PasswordResetView(auth_views.PasswordResetView):
    """The "Forgot your password?" page: an address in, a link out to each account using it."""

    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        password_reset_request(
            email=email,
            actor=self.request.user,
            via=AuditEntry.Via.PAGE,
            base_url=_site(self.request),
        )
        # The same answer whether or not an account uses the address: the page must not
        # tell a stranger who has an account here.
        messages.success(
            self.request,
            f"If an account uses {email}, a link to choose a new password is on its way.",
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            credentials_revoke(
                user=form.user,
                actor=form.user,
                via=AuditEntry.Via.PAGE,
                reason="password reset by e-mail",
            )
        messages.success(self.request, "Your password is set. Log in with it.")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
