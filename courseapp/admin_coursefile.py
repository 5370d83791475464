"""The course page's course file in the admin: its versions, the current text to download,
and a new version uploaded, previewed (the change report and every located problem) and
applied in one transaction.

The course file is the one write path of a course's structure: weeks, meetings, sessions and
slots, papers, questions, the rubric and letters are read-only everywhere else in the admin.
"""

import hashlib

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from courseapp.admin_roster import course_taught_or_404
from courseapp.audit import Via
from courseapp.coursefile import MAX_FILE_BYTES, CourseFileError, decode_course_file
from courseapp.models import Course
from courseapp.selectors import course_file_current, course_file_versions
from courseapp.services import course_file_apply, course_file_preview


class CourseFileUploadForm(forms.Form):
    file = forms.FileField(
        label="Course file (YAML)",
        help_text="The whole file, UTF-8. Nothing changes until you apply the preview.",
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        data = upload.read(MAX_FILE_BYTES + 1)
        try:
            return decode_course_file(data, size=upload.size)
        except CourseFileError as error:
            raise forms.ValidationError(error.problems) from None


def _digest(text: str) -> str:
    """The previewed text's fingerprint, line ends aside: a browser sends every line break of a
    form value back as CR LF (the HTML standard's newline normalisation), whatever the file
    had."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


class CourseFileApplyForm(forms.Form):
    """The previewed text, carried back to be applied exactly as previewed."""

    text = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=MAX_FILE_BYTES)
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("text")
        if text is not None:
            if _digest(text) != cleaned.get("sha256"):
                raise forms.ValidationError("The preview was altered; upload the file again.")
            cleaned["text"] = text.replace("\r\n", "\n")
        return cleaned


class CourseFileAdminMixin:
    """Adds the course-file pages to the course admin."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/course-file/",
                self.admin_site.admin_view(self.course_file_view),
                name="courseapp_course_file",
            ),
            path(
                "<path:object_id>/course-file/<int:number>/download/",
                self.admin_site.admin_view(self.course_file_download),
                name="courseapp_course_file_download",
            ),
            *super().get_urls(),
        ]

    def course_file_view(self, request, object_id):
        course = course_taught_or_404(request, object_id)
        if request.method == "POST" and "apply" in request.POST:
            return self._course_file_apply(request, course)
        posted = request.method == "POST"
        upload = (
            CourseFileUploadForm(request.POST, request.FILES) if posted else CourseFileUploadForm()
        )
        if posted and upload.is_valid():
            text = upload.cleaned_data["file"]
            preview = course_file_preview(text=text, actor=request.user, course=course)
            apply_form = CourseFileApplyForm(initial={"text": text, "sha256": _digest(text)})
            return self._course_file_page(
                request,
                course,
                {"preview": preview, "apply_form": apply_form if preview.ok else None},
            )
        return self._course_file_page(request, course, {"upload_form": upload})

    def _course_file_apply(self, request, course: Course):
        form = CourseFileApplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.non_field_errors()) or "Upload the file again.")
            return redirect(request.path)
        try:
            report = course_file_apply(
                text=form.cleaned_data["text"], actor=request.user, via=Via.ADMIN, course=course
            )
        except CourseFileError as error:
            # The course changed since the preview (a booking now holds a row, say).
            return self._course_file_page(
                request, course, {"upload_form": CourseFileUploadForm(), "problems": error.problems}
            )
        version = f" (version {report.version})" if report.version else ""
        self.message_user(
            request, f"Course file applied{version}. {report.summary()}", messages.SUCCESS
        )
        return redirect(reverse("admin:courseapp_course_change", args=[course.pk]))

    def course_file_download(self, request, object_id, number: int):
        course = course_taught_or_404(request, object_id)
        version = course_file_versions(course=course).filter(number=number).first()
        if version is None:
            raise Http404("No such version of this course's file.")
        response = HttpResponse(version.text, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{course.code}-v{version.number}.yaml"'
        )
        return response

    def _course_file_page(self, request, course: Course, context: dict):
        return TemplateResponse(
            request,
            "admin/courseapp/course/course_file.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": course,
                "course": course,
                "current": course_file_current(course=course),
                "versions": course_file_versions(course=course)[:50],
                "title": f"Course file of {course.code}",
                **context,
            },
        )
