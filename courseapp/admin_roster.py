"""The course page's roster import in the admin: upload, preview, apply.

As everywhere in the app: 404 for a stranger to the course, 403 for a member who is not one
of its instructors (a TA given staff status by hand, say).
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from courseapp.forms import RosterApplyForm, RosterUploadForm
from courseapp.models import Course, Role
from courseapp.permissions import role_in
from courseapp.roster import RosterChangedError, RosterError, roster_import

# A preview lists at most this many lines a section; a class of thousands would otherwise
# make a page nobody reads and a browser struggles with.
PREVIEW_LINES = 200


def int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def course_taught_or_404(request, object_id) -> Course:
    course = Course.objects.filter(pk=int_or_none(unquote(object_id))).first()
    role = role_in(user=request.user, course=course) if course else None
    if role is None:
        raise Http404("No such course among yours.")
    if role != Role.INSTRUCTOR:
        raise PermissionDenied("Only the course's instructors do this.")
    return course


class RosterImportAdminMixin:
    """Adds /admin/courseapp/course/<id>/roster/ to the course admin."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/roster/",
                self.admin_site.admin_view(self.roster_import_view),
                name="courseapp_course_roster_import",
            ),
            *super().get_urls(),
        ]

    def roster_import_view(self, request, object_id):
        course = course_taught_or_404(request, object_id)
        if request.method == "POST" and "apply" in request.POST:
            return self._roster_apply(request, course)
        if request.method == "POST":
            upload_form = RosterUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                return self._roster_preview(
                    request,
                    course,
                    upload_form.cleaned_data["file"],
                    invite=upload_form.cleaned_data["invite"],
                )
        else:
            upload_form = RosterUploadForm()
        return self._roster_page(request, course, {"upload_form": upload_form})

    def _roster_apply(self, request, course: Course):
        apply_form = RosterApplyForm(request.POST)
        if not apply_form.is_valid():
            messages.error(request, "The preview was incomplete; upload the file again.")
            return redirect(request.path)
        csv_text = apply_form.cleaned_data["csv_text"]
        invite = apply_form.cleaned_data["invite"]
        try:
            report = roster_import(
                course=course,
                csv_text=csv_text,
                expected_digest=apply_form.cleaned_data["digest"],
                actor=request.user,
                invite=invite,
                base_url=request.build_absolute_uri("/"),
            )
        except RosterChangedError as error:
            messages.warning(request, error.problems[0])
            return self._roster_preview(request, course, csv_text, invite=invite)
        except RosterError:
            return self._roster_preview(request, course, csv_text, invite=invite)
        level = messages.SUCCESS if report.changed else messages.INFO
        invited = f". Invitations sent: {len(report.invited)}" if invite else ""
        self.message_user(request, f"Roster imported. {report.summary()}{invited}", level)
        return redirect(reverse("admin:courseapp_course_change", args=[course.pk]))

    def _roster_preview(self, request, course: Course, csv_text: str, *, invite: bool):
        try:
            report = roster_import(course=course, csv_text=csv_text, dry_run=True)
        except RosterError as error:
            return self._roster_page(
                request, course, {"upload_form": RosterUploadForm(), "problems": error.problems}
            )
        apply_form = RosterApplyForm(
            initial={"csv_text": csv_text, "digest": report.digest(), "invite": invite}
        )
        sections = [
            (title, lines[:PREVIEW_LINES], len(lines), max(0, len(lines) - PREVIEW_LINES))
            for title, lines in report.sections()
        ]
        return self._roster_page(
            request,
            course,
            {"report": report, "sections": sections, "apply_form": apply_form, "invite": invite},
        )

    def _roster_page(self, request, course: Course, context: dict):
        return TemplateResponse(
            request,
            "admin/courseapp/course/roster_import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": course,
                "course": course,
                "title": f"Import the roster of {course.code}",
                **context,
            },
        )
