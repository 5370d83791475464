from django.contrib import admin
from django.db.models import Count

from courseapp.admin import CourseRelatedFilter, CourseScopedAdmin
from presentations.models import Category, FeedbackQuestion, Paper, Slot
from schedule.models import Meeting


@admin.register(Category)
class CategoryAdmin(CourseScopedAdmin):
    list_display = ("name", "key", "position", "paper_count", "slot_count", "course")
    list_select_related = ("course",)
    list_filter = (("course", CourseRelatedFilter),)
    search_fields = ("name", "key", "description")
    fields = ("course", "key", "name", "description", "position")

    def get_queryset(self, request):
        # distinct: two joins would otherwise multiply each other's counts.
        return (
            super()
            .get_queryset(request)
            .annotate(
                paper_count=Count("papers", distinct=True), slot_count=Count("slots", distinct=True)
            )
        )

    @admin.display(description="papers", ordering="paper_count")
    def paper_count(self, category: Category) -> int:
        return category.paper_count

    @admin.display(description="slots", ordering="slot_count")
    def slot_count(self, category: Category) -> int:
        return category.slot_count


@admin.register(Paper)
class PaperAdmin(CourseScopedAdmin):
    list_display = ("title", "key", "authors", "venue", "year", "category", "course")
    list_select_related = ("category", "course")
    list_filter = (("category", CourseRelatedFilter), ("course", CourseRelatedFilter), "year")
    search_fields = ("title", "authors", "venue", "key")
    fields = ("course", "key", "title", "authors", "venue", "year", "url", "category")


@admin.register(Slot)
class SlotAdmin(CourseScopedAdmin):
    list_display = (
        "__str__",
        "session_date",
        "category",
        "starts_at",
        "duration_minutes",
        "capacity",
        "course",
    )
    list_select_related = ("meeting", "category", "course")
    list_filter = (("category", CourseRelatedFilter), ("course", CourseRelatedFilter))
    search_fields = ("meeting__topic", "category__name")
    ordering = ("course", "meeting__date", "position")
    fields = (
        "course",
        "meeting",
        "position",
        "category",
        "starts_at",
        "duration_minutes",
        "capacity",
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "meeting":
            kwargs["queryset"] = Meeting.objects.presentation_sessions()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="session date", ordering="meeting__date")
    def session_date(self, slot: Slot):
        return slot.meeting.date


@admin.register(FeedbackQuestion)
class FeedbackQuestionAdmin(CourseScopedAdmin):
    list_display = (
        "label",
        "key",
        "scale",
        "floor",
        "comment_required",
        "position",
        "course",
    )
    list_select_related = ("course",)
    list_filter = (("course", CourseRelatedFilter), "comment_required")
    search_fields = ("label", "key", "help_text")
    fields = (
        "course",
        "key",
        "label",
        "help_text",
        ("scale_min", "scale_max"),
        "floor",
        "comment_required",
        "position",
    )

    @admin.display(description="scale")
    def scale(self, question: FeedbackQuestion) -> str:
        return f"{question.scale_min}–{question.scale_max}"
