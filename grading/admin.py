from django.contrib import admin

from courseapp.admin import CourseRelatedFilter, CourseScopedAdmin, CourseScopedInline
from grading.models import Criterion, LetterGrade


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
        "feedback_questions",
    )
    filter_horizontal = ("feedback_questions",)
    inlines = [CriterionChildInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("feedback_questions")

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
