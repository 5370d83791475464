from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count

from courseapp.admin import CourseRelatedFilter, CourseScopedAdmin, taught_course_ids
from courseapp.admin_actions import ReasonActionsMixin, ReasonForm
from courseapp.audit import Via
from courseapp.dates import format_day
from presentations.models import (
    Category,
    Feedback,
    FeedbackExcusal,
    FeedbackQuestion,
    FeedbackRating,
    Paper,
    PaperProposal,
    Presentation,
    ReviewAssignment,
    Slot,
    SwapRequest,
    WaitlistEntry,
)
from presentations.services import booking_move, paper_override, proposal_decide
from schedule.models import Meeting


class MoveForm(ReasonForm):
    slot = forms.ModelChoiceField(
        queryset=Slot.objects.none(),
        required=False,
        label="Move to",
        help_text="Empty takes the talk out of its slot. Capacity still holds.",
    )
    field_order = ["slot", "reason"]

    def __init__(self, *args, course_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        slots = Slot.objects.select_related("meeting", "course").order_by(
            "course", "meeting__date", "position"
        )
        if course_ids is not None:
            slots = slots.filter(course__in=course_ids)
        self.fields["slot"].queryset = slots
        self.fields["slot"].label_from_instance = lambda slot: (
            f"{slot.course.code}: session {slot.meeting.session_number} "
            f"({format_day(slot.meeting.date)}) slot {slot.position} "
            f"[{slot.booked}/{slot.capacity}]"
        )


class PaperChangeForm(ReasonForm):
    paper = forms.ModelChoiceField(
        queryset=Paper.objects.none(), required=False, label="Paper", help_text="Empty: no paper."
    )
    field_order = ["paper", "reason"]

    def __init__(self, *args, course_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        papers = Paper.objects.select_related("course").order_by("course", "title")
        if course_ids is not None:
            papers = papers.filter(course__in=course_ids)
        self.fields["paper"].queryset = papers


class BookedTalkInline(admin.TabularInline):
    """Who is booked in a slot; changed through the talk's actions, never typed here."""

    model = Presentation
    fk_name = "slot"
    fields = ("student", "number", "paper", "booked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "booked talk"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("student__user", "paper")


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
        "booked",
        "presenters",
        "course",
    )
    list_select_related = ("meeting", "category", "course")
    inlines = [BookedTalkInline]
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

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                models.Prefetch(
                    "presentations", queryset=Presentation.objects.select_related("student__user")
                )
            )
        )

    @admin.display(description="session date", ordering="meeting__date")
    def session_date(self, slot: Slot):
        return slot.meeting.date

    @admin.display(description="presenters")
    def presenters(self, slot: Slot) -> str:
        return ", ".join(str(talk.student.user) for talk in slot.presentations.all()) or "-"


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


@admin.register(Presentation)
class PresentationAdmin(ReasonActionsMixin, CourseScopedAdmin):
    """Talks: who presents which paper in which slot.

    Paper and slot change only through the actions, each with a reason in the audit log.
    """

    list_display = ("student", "number", "paper", "session", "slot_position", "booked_at", "course")
    list_select_related = ("student__user", "student__course", "paper", "slot__meeting", "course")
    list_filter = (("course", CourseRelatedFilter), ("slot__meeting", CourseRelatedFilter))
    search_fields = ("student__user__username", "student__user__last_name", "paper__title")
    fields = ("course", "student", "number", "paper", "slot", "booked_at", "created_at")
    readonly_fields = fields
    actions = ["move", "change_paper"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="session", ordering="slot__meeting__date")
    def session(self, talk: Presentation) -> str:
        if talk.slot is None:
            return "-"
        meeting = talk.slot.meeting
        return f"{meeting.session_number} ({format_day(meeting.date)})"

    @admin.display(description="slot", ordering="slot__position")
    def slot_position(self, talk: Presentation):
        return talk.slot.position if talk.slot else "-"

    @admin.action(description="Move the selected talks to another slot", permissions=["change"])
    def move(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            title="Move talks",
            verb="Move",
            form_class=MoveForm,
            form_kwargs={"course_ids": taught_course_ids(request)},
            apply=lambda talk, data: booking_move(
                talk=talk,
                slot=data["slot"],
                actor=request.user,
                via=Via.ADMIN,
                reason=data["reason"],
            ),
            done="moved",
        )

    @admin.action(description="Give the selected talk another paper", permissions=["change"])
    def change_paper(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            title="Change papers",
            verb="Change",
            form_class=PaperChangeForm,
            form_kwargs={"course_ids": taught_course_ids(request)},
            apply=lambda talk, data: paper_override(
                talk=talk,
                paper=data["paper"],
                actor=request.user,
                via=Via.ADMIN,
                reason=data["reason"],
            ),
            done="changed",
        )


@admin.register(PaperProposal)
class PaperProposalAdmin(ReasonActionsMixin, CourseScopedAdmin):
    list_display = ("title", "student", "category", "status", "created_at", "course")
    list_select_related = ("student__user", "category", "course")
    list_filter = (("course", CourseRelatedFilter), "status")
    search_fields = ("title", "authors", "student__user__username")
    fields = (
        "course",
        "student",
        "title",
        "authors",
        "url",
        "category",
        "status",
        "note",
        "paper",
        "decided_by",
        "decided_at",
    )
    readonly_fields = fields
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Approve the selected proposals", permissions=["change"])
    def approve(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            title="Approve proposals",
            verb="Approve",
            reason_required=False,
            apply=lambda proposal, data: proposal_decide(
                proposal=proposal,
                approve=True,
                actor=request.user,
                via=Via.ADMIN,
                note=data["reason"],
            ),
            done="approved",
        )

    @admin.action(description="Reject the selected proposals", permissions=["change"])
    def reject(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            title="Reject proposals",
            verb="Reject",
            apply=lambda proposal, data: proposal_decide(
                proposal=proposal,
                approve=False,
                actor=request.user,
                via=Via.ADMIN,
                note=data["reason"],
            ),
            done="rejected",
        )


class _ReadOnlyAdmin(CourseScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(_ReadOnlyAdmin):
    list_display = ("presentation", "session", "created_at", "course")
    list_select_related = ("presentation__student__user", "session", "course")
    list_filter = (("course", CourseRelatedFilter), ("session", CourseRelatedFilter))


@admin.register(SwapRequest)
class SwapRequestAdmin(_ReadOnlyAdmin):
    list_display = ("requester", "target", "status", "created_at", "course")
    list_select_related = ("requester__student__user", "target__student__user", "course")
    list_filter = (("course", CourseRelatedFilter), "status")


class FeedbackRatingInline(admin.TabularInline):
    model = FeedbackRating
    fields = ("question", "value")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(_ReadOnlyAdmin):
    """Read-only: feedback is given on the course's pages and moderated there (hide,
    restore), through services that keep the audit log."""

    list_display = ("presentation", "reviewer", "by_staff", "hidden", "updated_at", "course")
    list_select_related = (
        "presentation__student__user",
        "reviewer__user",
        "reviewer__course",
        "course",
    )
    list_filter = (("course", CourseRelatedFilter), "by_staff", "hidden")
    inlines = [FeedbackRatingInline]


@admin.register(FeedbackExcusal)
class FeedbackExcusalAdmin(_ReadOnlyAdmin):
    list_display = ("student", "session", "reason", "created_by", "created_at", "course")
    list_select_related = ("student__user", "student__course", "session", "created_by", "course")
    list_filter = (("course", CourseRelatedFilter),)


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(_ReadOnlyAdmin):
    list_display = ("reviewer", "presentation", "created_at", "course")
    list_select_related = (
        "reviewer__user",
        "reviewer__course",
        "presentation__student__user",
        "course",
    )
    list_filter = (("course", CourseRelatedFilter),)
