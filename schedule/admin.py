from django.contrib import admin
from django.db.models import Count

from courseapp.admin import CourseRelatedFilter, CourseScopedAdmin, CourseScopedInline
from presentations.models import Slot
from schedule.models import Meeting, Week


class MeetingInline(CourseScopedInline, admin.TabularInline):
    model = Meeting
    fields = (
        "date",
        "key",
        "kind",
        "topic",
        "slides_url",
        "starts_at",
        "ends_at",
        "room",
        "session_number",
    )


@admin.register(Week)
class WeekAdmin(CourseScopedAdmin):
    list_display = ("__str__", "starts_on", "ends_on", "title", "meeting_count", "course")
    list_display_links = ("__str__",)
    list_select_related = ("course",)
    list_filter = (("course", CourseRelatedFilter),)
    search_fields = ("title", "meetings__topic")
    ordering = ("course", "number")
    fields = ("course", "number", "starts_on", "title")
    inlines = [MeetingInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meeting_count=Count("meetings"))

    @admin.display(description="meetings", ordering="meeting_count")
    def meeting_count(self, week: Week) -> int:
        return week.meeting_count


class SlotInline(CourseScopedInline, admin.TabularInline):
    model = Slot
    fields = ("position", "category", "starts_at", "duration_minutes", "capacity")


@admin.register(Meeting)
class MeetingAdmin(CourseScopedAdmin):
    list_display = (
        "date",
        "week",
        "kind",
        "topic",
        "session_number",
        "starts_at",
        "room",
        "course",
    )
    list_select_related = ("week", "course")
    list_filter = ("kind", ("course", CourseRelatedFilter))
    search_fields = ("topic", "room")
    date_hierarchy = "date"
    fields = (
        "course",
        "week",
        "date",
        "key",
        "kind",
        "topic",
        "note",
        "slides_url",
        "materials",
        ("starts_at", "ends_at"),
        "room",
        "session_number",
    )

    def get_inlines(self, request, obj):
        # Slots belong to presentation sessions only (Slot.clean refuses the others).
        if obj is not None and obj.kind == Meeting.Kind.PRESENTATION:
            return [SlotInline]
        return []
