"""Submissions in the admin: listed, never written around the services. Deliverables come
from the course file; hand-ins, extensions and waivers from their pages (with their audit
entries); teams are set from a CSV (team,username) on the team list's import page, or
formed by the students."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from courseapp.admin import CourseRelatedFilter, CourseScopedAdmin
from courseapp.admin_roster import course_taught_or_404
from courseapp.audit import Via
from courseapp.errors import DomainError
from courseapp.models import Course
from submissions.forms import teams_csv_text
from submissions.models import Deliverable, Extension, PenaltyWaiver, Submission, Team
from submissions.services import teams_import


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Deliverable)
class DeliverableAdmin(_ReadOnly, CourseScopedAdmin):
    list_display = ("title", "key", "due", "kind", "team", "page_limit", "course")
    list_select_related = ("course",)
    list_filter = (("course", CourseRelatedFilter), "kind", "team")
    search_fields = ("key", "title")


@admin.register(Submission)
class SubmissionAdmin(_ReadOnly, CourseScopedAdmin):
    list_display = (
        "deliverable",
        "owner",
        "version",
        "submitted_at",
        "pages",
        "size",
        "sha256_start",
        "download",
    )
    list_select_related = ("deliverable", "student__user", "student__course", "team", "course")
    list_filter = (("course", CourseRelatedFilter), "deliverable__key")
    search_fields = ("student__user__username", "team__name", "sha256")
    exclude = ("file",)

    @admin.display(description="SHA-256", ordering="sha256")
    def sha256_start(self, submission: Submission) -> str:
        # The whole digest (64 characters that cannot wrap) is on the submission's own page;
        # in the list its start tells versions apart and keeps the list inside the page.
        return f"{submission.sha256[:12]}…"

    @admin.display(description="owner")
    def owner(self, submission: Submission) -> str:
        return submission.team.name if submission.team_id else str(submission.student)

    @admin.display(description="file")
    def download(self, submission: Submission) -> str:
        url = reverse("submissions:file", args=[submission.course.code, submission.pk])
        return format_html('<a href="{}">Download</a>', url)


@admin.register(Extension)
class ExtensionAdmin(_ReadOnly, CourseScopedAdmin):
    list_display = ("deliverable", "student", "team", "due", "reason", "granted_by", "course")
    list_select_related = (
        "deliverable",
        "student__user",
        "student__course",
        "team",
        "granted_by",
        "course",
    )
    list_filter = (("course", CourseRelatedFilter),)


@admin.register(PenaltyWaiver)
class PenaltyWaiverAdmin(_ReadOnly, CourseScopedAdmin):
    list_display = ("deliverable", "student", "reason", "waived_by", "waived_at", "course")
    list_select_related = ("deliverable", "student__user", "student__course", "waived_by", "course")
    list_filter = (("course", CourseRelatedFilter),)


class TeamsCSVForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.none())
    csv_file = forms.FileField(label="CSV file (team,username)")


@admin.register(Team)
class TeamAdmin(_ReadOnly, CourseScopedAdmin):
    list_display = ("name", "members", "course")
    list_select_related = ("course",)
    list_filter = (("course", CourseRelatedFilter),)
    search_fields = ("name", "memberships__student__user__username")
    change_list_template = "admin/submissions/team/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__student__user")

    @admin.display(description="members")
    def members(self, team: Team) -> str:
        return ", ".join(m.student.user.get_username() for m in team.memberships.all())

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="submissions_team_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        from courseapp.permissions import courses_taught_by

        taught = (
            Course.objects.all() if request.user.is_superuser else courses_taught_by(request.user)
        )
        form = TeamsCSVForm(request.POST or None, request.FILES or None)
        form.fields["course"].queryset = taught
        if request.method == "POST" and form.is_valid():
            course = course_taught_or_404(request, str(form.cleaned_data["course"].pk))
            try:
                text = teams_csv_text(form.cleaned_data["csv_file"])
                result = teams_import(
                    course=course, csv_text=text, actor=request.user, via=Via.ADMIN
                )
            except ValidationError as error:
                form.add_error("csv_file", error.messages)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    f"Teams set: {result.members} students in {result.teams} teams.",
                    messages.SUCCESS,
                )
                return redirect("admin:submissions_team_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Set teams from a CSV",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request,
            "admin/submissions/team/import.html",
            context,
            status=400 if form.errors else 200,
        )
