"""Grading pages: a student's grades, the staff gradebook (grid and exports), statistics."""

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from courseapp.audit import Via
from courseapp.models import STAFF_ROLES, Enrollment, Role
from courseapp.pages import course_view
from grading import statistics
from grading.exporters import EXPORTERS, CanvasExporter
from grading.grid import GridFilters, build_grid, grid_save
from grading.selectors import gradebook_rows, student_grades
from grading.services import can_grade

STAFF = list(STAFF_ROLES)


@course_view(roles=[Role.STUDENT])
def my_grades(request, course, role):
    enrollment = Enrollment.objects.select_related("user").get(course=course, user=request.user)
    grades = student_grades(course=course, enrollment=enrollment)
    return render(request, "grading/my_grades.html", {"course": course, "grades": grades})


def export_response(gradebook, fmt: str, *, items: str = "") -> StreamingHttpResponse:
    """The gradebook as a download in format `fmt` (a key of EXPORTERS)."""
    exporter = EXPORTERS[fmt](gradebook, items=items or None)
    response = StreamingHttpResponse(exporter.chunks(), content_type=exporter.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exporter.filename()}"'
    return response


@course_view(roles=STAFF)
def gradebook(request, course, role):
    editable = can_grade(user=request.user, course=course)
    if request.method == "POST":
        if not editable:
            messages.error(request, "Your role in this course sees the grades read-only.")
            return redirect(request.get_full_path())
        saved = grid_save(course=course, data=request.POST, actor=request.user, via=Via.PAGE)
        if saved.report is not None:
            messages.success(request, f"Saved: {saved.report.summary()}.")
            return redirect(request.get_full_path())
        if saved.conflict:
            messages.error(request, saved.conflict)
        else:
            messages.error(request, "Nothing was saved: fix the cells marked below.")
        grid = build_grid(
            course=course,
            editable=editable,
            filters=GridFilters.from_query(request.GET),
            posted=request.POST,
            errors=saved.errors,
        )
        return render(request, "grading/gradebook.html", _context(course, role, grid), status=400)
    grid = build_grid(course=course, editable=editable, filters=GridFilters.from_query(request.GET))
    return render(request, "grading/gradebook.html", _context(course, role, grid))


def _context(course, role, grid) -> dict:
    return {
        "course": course,
        "role": role,
        "grid": grid,
        "formats": [(key, exporter.verbose_name) for key, exporter in EXPORTERS.items()],
        "canvas_items": CanvasExporter.ITEMS,
        "admin_grid": reverse("admin:courseapp_course_grades", args=[course.pk])
        if role == Role.INSTRUCTOR
        else "",
    }


@course_view(roles=STAFF)
def gradebook_export(request, course, role):
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORTERS:
        raise Http404("No such export format.")
    items = request.GET.get("items", "")
    if items and items not in CanvasExporter.ITEMS:
        return HttpResponseBadRequest("items must be leaves, parts or total")
    include_withdrawn = request.GET.get("withdrawn", "1") != "0"
    book = gradebook_rows(course=course, include_withdrawn=include_withdrawn)
    return export_response(book, fmt, items=items)


@course_view(roles=STAFF)
def course_statistics(request, course, role):
    stats = statistics.course_statistics(course=course, now=timezone.now())
    return render(request, "grading/statistics.html", {"course": course, "stats": stats})
