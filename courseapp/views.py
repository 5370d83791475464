"""Pages of the core app: the course list, the course dashboard, and the account pages."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courseapp.accounts import (
    api_token_create,
    api_token_reset,
    credentials_revoke,
    feed_key_create,
    feed_key_reset,
    password_reset_request,
)
from courseapp.models import AuditEntry
from courseapp.pages import course_view
from courseapp.selectors import account_overview, dashboard_cards, home_courses
from schedule.ical import feed_address


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


# The account page: who you are, your API token and your calendar links. Secrets are on it,
# so it is never cached, and each is shown to its owner only: there is no page for anyone
# else's.


@never_cache
@login_required
def account(request):
    overview = account_overview(user=request.user)
    key = overview.feed_key.key if overview.feed_key else None
    feeds = [
        {
            "course": mine.course,
            "role": mine.role,
            "url": feed_address(request, course=mine.course, key=key),
        }
        for mine in overview.courses
    ]
    context = {
        "api_token": overview.api_token,
        "feed_key": overview.feed_key,
        "feeds": feeds,
        "private_courses": any(not mine.course.schedule_public for mine in overview.courses),
    }
    return render(request, "accounts/account.html", context)


def _back_to_account(anchor: str):
    return redirect(reverse("account") + f"#{anchor}")


@require_POST
@login_required
def account_api_token_create(request):
    _token, created = api_token_create(
        user=request.user, actor=request.user, via=AuditEntry.Via.PAGE
    )
    if created:
        messages.success(
            request, "Your API token is ready. Treat it like a password: it acts as you."
        )
    else:
        messages.info(request, "You already have an API token; reset it to get a new one.")
    return _back_to_account("api-token")


@require_POST
@login_required
def account_api_token_reset(request):
    api_token_reset(user=request.user, actor=request.user, via=AuditEntry.Via.PAGE)
    messages.success(
        request, "Your API token was reset. The old one no longer works: give scripts the new one."
    )
    return _back_to_account("api-token")


@require_POST
@login_required
def account_feed_key_create(request):
    _key, created = feed_key_create(user=request.user, actor=request.user, via=AuditEntry.Via.PAGE)
    if created:
        messages.success(request, "Your calendar links are ready.")
    else:
        messages.info(request, "You already have calendar links; reset them to get new ones.")
    return _back_to_account("calendar")


@require_POST
@login_required
def account_feed_key_reset(request):
    feed_key_reset(user=request.user, actor=request.user, via=AuditEntry.Via.PAGE)
    messages.success(
        request,
        "Your calendar key was reset. The old links no longer work: subscribe again with the "
        "new ones.",
    )
    return _back_to_account("calendar")
