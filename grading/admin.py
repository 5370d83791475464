from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from courseapp.admin import CourseRelatedFilter, CourseScopedAdmin, CourseScopedInline
from grading.models import Criterion, LetterGrade, Release, Score, ScoreChange


class CriterionChildInline(CourseScopedInline, admin.TabularInline):
    model = Criterion
    fk_name = "parent"
    verbose_name = "child criterion"
    verbose_name_plural = "children (their points add up to this criterion's)"
    fields = ("position", "key", "name", "points", "source", "peer_share")


@admin.register(Criterion)
class CriterionAdmin(CourseScopedAdmin):
    list_display = (
        "name",
        "key",
        "parent",
        "points",
        "source",
        "peer_share",
        "questions",
        "position",
        "course",
    )
    list_select_related = ("parent", "course")
    list_filter = (("course", CourseRelatedFilter), "source")
    search_fields = ("name", "key", "description")
    fields = (
        "course",
        "parent",
        "position",
        "key",
        "name",
        "description",
        "points",
        "source",
        "peer_share",
        "drop_lowest",
        "feedback_questions",
    )
    # Set by the course file, where its rule (children of equal points) is checked.
    readonly_fields = ("drop_lowest",)
    inlines = [CriterionChildInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("feedback_questions")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # A course has a few questions: checkboxes, not Django's two-box widget, whose
        # search icons carry aria-label on a <span> (axe's aria-prohibited-attr).
        if db_field.name == "feedback_questions":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="feedback questions")
    def questions(self, criterion: Criterion) -> str:
        return ", ".join(question.key for question in criterion.feedback_questions.all())


@admin.register(LetterGrade)
class LetterGradeAdmin(CourseScopedAdmin):
    list_display = ("letter", "min_percent", "course")
    list_select_related = ("course",)
    list_filter = (("course", CourseRelatedFilter),)
    search_fields = ("letter",)
    fields = ("course", "letter", "min_percent")


class _ReadOnly:
    """Scores change through the grade grid, the student's grade page and the import, which
    keep their history; here they are only listed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Score)
class ScoreAdmin(_ReadOnly, CourseScopedAdmin):
    list_display = (
        "student",
        "criterion",
        "points",
        "override",
        "comment",
        "entered_by",
        "entered_at",
        "grade_page",
    )
    list_select_related = ("student__user", "student__course", "criterion", "entered_by")
    list_filter = (("course", CourseRelatedFilter), "criterion__key")
    search_fields = ("student__user__username", "student__user__last_name", "criterion__key")

    @admin.display(description="grade page")
    def grade_page(self, score: Score) -> str:
        url = reverse(
            "admin:courseapp_course_student_grades", args=[score.course_id, score.student_id]
        )
        return format_html('<a href="{}">Open</a>', url)


@admin.register(ScoreChange)
class ScoreChangeAdmin(_ReadOnly, CourseScopedAdmin):
    """The history of every score: filter by student or criterion."""

    list_display = (
        "changed_at",
        "student",
        "criterion",
        "field",
        "old",
        "new",
        "path",
        "changed_by_label",
        "reason",
    )
    list_select_related = ("student__user", "student__course", "criterion")
    list_filter = (
        ("course", CourseRelatedFilter),
        ("criterion", CourseRelatedFilter),
        ("student", CourseRelatedFilter),
        "path",
        "field",
    )
    search_fields = ("student__user__username", "criterion__key", "reason", "changed_by_label")
    date_hierarchy = "changed_at"


@admin.register(Release)
class ReleaseAdmin(_ReadOnly, CourseScopedAdmin):
    list_display = ("part", "released_at", "released_by", "course")
    list_select_related = ("part", "released_by", "course")
    list_filter = (("course", CourseRelatedFilter),)
