"""The course page's "Assign papers" in the admin: a preview (a dry run), then apply."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from courseapp.admin_roster import course_taught_or_404
from courseapp.audit import Via
from courseapp.pages import refusal_as_message
from presentations.services import papers_assign


class PaperAssignmentAdminMixin:
    """Adds /admin/courseapp/course/<id>/assign-papers/ to the course admin."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/assign-papers/",
                self.admin_site.admin_view(self.assign_papers_view),
                name="courseapp_course_assign_papers",
            ),
            *super().get_urls(),
        ]

    def assign_papers_view(self, request, object_id):
        course = course_taught_or_404(request, object_id)
        if request.method == "POST" and "apply" in request.POST:
            with refusal_as_message(request):
                report = papers_assign(course=course, actor=request.user, via=Via.ADMIN)
                self.message_user(request, f"Papers assigned. {report.summary()}", messages.SUCCESS)
            return redirect(reverse("admin:courseapp_course_change", args=[course.pk]))
        report = None
        with refusal_as_message(request):
            report = papers_assign(course=course, actor=request.user, via=Via.ADMIN, dry_run=True)
        return TemplateResponse(
            request,
            "admin/courseapp/course/assign_papers.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": course,
                "course": course,
                "report": report,
                "title": f"Assign papers in {course.code}",
            },
        )
