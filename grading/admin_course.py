"""Grading on the course's admin page: the grade grid, each student's grade page, the CSV
import, releases and exports. Instructors of the course only (404 for a stranger, 403 for
another member), as the roster import.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from courseapp.admin_roster import course_taught_or_404
from courseapp.audit import Via
from courseapp.errors import DomainError
from courseapp.models import Course, Enrollment
from grading.exporters import EXPORTERS, CanvasExporter
from grading.grid import GridFilters, build_grid, grid_save
from grading.imports import ImportChanged, ImportProblems, gradebook_import
from grading.models import Criterion, Release, ScoreChange
from grading.selectors import gradebook_rows
from grading.services import (
    ScoreConflict,
    ScoreInput,
    part_release,
    part_unrelease,
    points_from_text,
    score_override,
    score_override_clear,
    scores_set,
)
from grading.views import export_response

PREVIEW_LINES = 500


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="The gradebook's CSV export, edited: the columns of instructor-graded criteria "
        "are read; empty cells leave a score as it is.",
    )


class ImportApplyForm(forms.Form):
    csv_text = forms.CharField(widget=forms.HiddenInput)
    digest = forms.CharField(widget=forms.HiddenInput)


class GradingAdminMixin:
    """Adds the grading pages under /admin/courseapp/course/<id>/grades/."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/grades/", view(self.grades_view), name="courseapp_course_grades"
            ),
            path(
                "<path:object_id>/grades/student/<int:enrollment_id>/",
                view(self.student_grades_view),
                name="courseapp_course_student_grades",
            ),
            path(
                "<path:object_id>/grades/import/",
                view(self.grades_import_view),
                name="courseapp_course_grades_import",
            ),
            path(
                "<path:object_id>/grades/release/",
                view(self.grades_release_view),
                name="courseapp_course_grades_release",
            ),
            path(
                "<path:object_id>/grades/export/",
                view(self.grades_export_view),
                name="courseapp_course_grades_export",
            ),
            *super().get_urls(),
        ]

    def _grading_page(self, request, course: Course, template: str, context: dict, **kwargs):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": course,
                "course": course,
                **context,
            },
            **kwargs,
        )

    # --- the grid ---------------------------------------------------------------------------

    def grades_view(self, request, object_id):
        course = course_taught_or_404(request, object_id)
        filters = GridFilters.from_query(request.GET)
        status, posted, errors = 200, None, {}
        if request.method == "POST":
            saved = grid_save(course=course, data=request.POST, actor=request.user, via=Via.ADMIN)
            if saved.report is not None:
                self.message_user(request, f"Saved: {saved.report.summary()}.", messages.SUCCESS)
                return redirect(request.get_full_path())
            messages.error(
                request, saved.conflict or "Nothing was saved: fix the cells marked below."
            )
            status, posted, errors = 400, request.POST, saved.errors
        grid = build_grid(
            course=course, editable=True, filters=filters, posted=posted, errors=errors
        )
        releases = {
            release.part_id: release
            for release in Release.objects.for_course(course).select_related("released_by")
        }
        return self._grading_page(
            request,
            course,
            "admin/grading/grid.html",
            {
                "title": f"Grades of {course.code}",
                "grid": grid,
                "parts": [(part, releases.get(part.pk)) for part in grid.gradebook.parts],
                "student_url": reverse(
                    "admin:courseapp_course_student_grades", args=[course.pk, 0]
                ).removesuffix("0/"),
                "formats": [(key, exporter.verbose_name) for key, exporter in EXPORTERS.items()],
            },
            status=status,
        )

    def grades_release_view(self, request, object_id):
        course = course_taught_or_404(request, object_id)
        if request.method == "POST":
            part = get_object_or_404(
                Criterion.objects.for_course(course).parts(), pk=request.POST.get("part") or 0
            )
            try:
                if request.POST.get("action") == "unrelease":
                    part_unrelease(part=part, actor=request.user, via=Via.ADMIN)
                    self.message_user(
                        request, f"{part.name} is hidden from the students again.", messages.INFO
                    )
                else:
                    part_release(part=part, actor=request.user, via=Via.ADMIN)
                    self.message_user(
                        request,
                        f"{part.name} is released; the students are told by e-mail.",
                        messages.SUCCESS,
                    )
            except DomainError as error:
                messages.error(request, error.message)
        return redirect(reverse("admin:courseapp_course_grades", args=[course.pk]))

    def grades_export_view(self, request, object_id):
        course = course_taught_or_404(request, object_id)
        fmt = request.GET.get("format", "csv")
        if fmt not in EXPORTERS:
            raise Http404("No such export format.")
        items = request.GET.get("items", "")
        if items not in ("", *CanvasExporter.ITEMS):
            raise Http404("No such choice of items.")
        return export_response(gradebook_rows(course=course), fmt, items=items)

    # --- one student ------------------------------------------------------------------------

    def student_grades_view(self, request, object_id, enrollment_id: int):
        course = course_taught_or_404(request, object_id)
        enrollment = get_object_or_404(
            Enrollment.objects.for_course(course).students().select_related("user"),
            pk=enrollment_id,
        )
        errors: dict[str, str] = {}
        if request.method == "POST":
            done = self._student_post(request, course, enrollment, errors)
            if done:
                return redirect(request.path)
        book = gradebook_rows(course=course, students=[enrollment.pk])
        row = book.rows[0]
        leaves = [
            {
                "column": column,
                "leaf": row.leaves[column.key],
                "score": row.scores.get(column.key),
                "error": errors.get(str(column.criterion.pk), ""),
                "handin": row.handins.get(column.key),
                "team_leaf": column.key in book.submissions.team_leaves,
            }
            for column in book.columns
        ]
        history = (
            ScoreChange.objects.filter(student=enrollment)
            .select_related("criterion")
            .order_by("-changed_at", "-pk")
        )
        return self._grading_page(
            request,
            course,
            "admin/grading/student.html",
            {
                "title": f"Grades of {row.name} in {course.code}",
                "row": row,
                "leaves": leaves,
                "history": history,
                "book": book,
            },
            status=400 if errors else 200,
        )

    def _student_post(self, request, course, enrollment, errors: dict) -> bool:
        post = request.POST
        criteria = {c.pk: c for c in Criterion.objects.for_course(course).leaves()}
        action = post.get("action", "save")
        try:
            if action.startswith(("override-", "clear-")):
                criterion = criteria.get(int(action.split("-", 1)[1]))
                if criterion is None:
                    raise Http404("No such criterion.")
                if action.startswith("clear-"):
                    score_override_clear(
                        student=enrollment,
                        criterion=criterion,
                        actor=request.user,
                        via=Via.ADMIN,
                        reason=post.get(f"reason-{criterion.pk}", ""),
                    )
                    self.message_user(request, f"{criterion.name}: computed again.")
                    return True
                try:
                    points = points_from_text(
                        post.get(f"override-{criterion.pk}", ""), points=criterion.points
                    )
                except ValidationError as error:
                    errors[str(criterion.pk)] = " ".join(error.messages)
                    return False
                if points is None:
                    errors[str(criterion.pk)] = "Give the score that replaces the computed one."
                    return False
                score_override(
                    student=enrollment,
                    criterion=criterion,
                    points=points,
                    reason=post.get(f"reason-{criterion.pk}", ""),
                    actor=request.user,
                    via=Via.ADMIN,
                )
                self.message_user(request, f"{criterion.name}: overridden.", messages.SUCCESS)
                return True
            entries = []
            for criterion in criteria.values():
                if not criterion.takes_entry or f"points-{criterion.pk}" not in post:
                    continue
                try:
                    points = points_from_text(
                        post.get(f"points-{criterion.pk}", ""), points=criterion.points
                    )
                except ValidationError as error:
                    errors[str(criterion.pk)] = " ".join(error.messages)
                    continue
                version = post.get(f"version-{criterion.pk}", "")
                entries.append(
                    ScoreInput(
                        student_id=enrollment.pk,
                        criterion_id=criterion.pk,
                        points=points,
                        comment=post.get(f"comment-{criterion.pk}", ""),
                        expected_version=int(version) if version.isdigit() else 0,
                    )
                )
            if errors:
                messages.error(request, "Nothing was saved: fix the scores marked below.")
                return False
            report = scores_set(
                course=course,
                entries=entries,
                actor=request.user,
                via=Via.ADMIN,
                path=ScoreChange.Path.FORM,
            )
            self.message_user(request, f"Saved: {report.summary()}.", messages.SUCCESS)
            return True
        except ScoreConflict as conflict:
            messages.error(request, conflict.message.replace("the grid", "this page"))
        except ValidationError as error:
            for key, messages_ in error:
                errors[key.rsplit(":", 1)[-1]] = " ".join(messages_)
            messages.error(request, "Nothing was saved: fix the scores marked below.")
        except DomainError as error:
            messages.error(request, error.message)
        return False

    # --- import -----------------------------------------------------------------------------

    def grades_import_view(self, request, object_id):
        course = course_taught_or_404(request, object_id)
        context: dict = {"title": f"Import scores into {course.code}"}
        if request.method == "POST" and "apply" in request.POST:
            form = ImportApplyForm(request.POST)
            if not form.is_valid():
                messages.error(request, "The preview was incomplete; upload the file again.")
                return redirect(request.path)
            text = form.cleaned_data["csv_text"]
            try:
                plan = gradebook_import(
                    course=course,
                    csv_text=text,
                    expected_digest=form.cleaned_data["digest"],
                    actor=request.user,
                    via=Via.ADMIN,
                )
            except ImportChanged as error:
                messages.warning(request, error.message)
                return self._import_preview(request, course, text, context)
            except ImportProblems:
                return self._import_preview(request, course, text, context)
            except DomainError as error:
                messages.error(request, error.message)
                return self._import_preview(request, course, text, context)
            self.message_user(
                request, f"Imported: {len(plan.changes)} scores changed.", messages.SUCCESS
            )
            return redirect(reverse("admin:courseapp_course_grades", args=[course.pk]))
        if request.method == "POST":
            upload = ImportUploadForm(request.POST, request.FILES)
            if upload.is_valid():
                raw = upload.cleaned_data["file"].read()
                try:
                    text = raw.decode("utf-8-sig")
                except UnicodeDecodeError:
                    upload.add_error("file", "The file is not UTF-8 text; save it as CSV UTF-8.")
                else:
                    return self._import_preview(request, course, text, context)
        else:
            upload = ImportUploadForm()
        return self._grading_page(
            request, course, "admin/grading/import.html", {**context, "upload_form": upload}
        )

    def _import_preview(self, request, course, text: str, context: dict):
        try:
            plan = gradebook_import(
                course=course, csv_text=text, actor=request.user, via=Via.ADMIN, dry_run=True
            )
        except ImportProblems as error:
            return self._grading_page(
                request,
                course,
                "admin/grading/import.html",
                {**context, "upload_form": ImportUploadForm(), "problems": error.problems},
                status=400,
            )
        return self._grading_page(
            request,
            course,
            "admin/grading/import.html",
            {
                **context,
                "plan": plan,
                "lines": [change.line() for change in plan.changes[:PREVIEW_LINES]],
                "more": max(0, len(plan.changes) - PREVIEW_LINES),
                "apply_form": ImportApplyForm(initial={"csv_text": text, "digest": plan.digest()}),
            },
        )
