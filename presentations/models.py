import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models

from courseapp.models import Course
from schedule.models import Meeting
from schedule.times import local_datetime


class CourseScopedQuerySet(models.QuerySet):
    def for_course(self, course):
        return self.filter(course=course)


class Category(models.Model):
    """A presentation category; students give feedback on talks of their own category."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="categories")
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position", "key"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="category_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name


class Paper(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="papers")
    key = models.SlugField(max_length=64, help_text="Stable identifier from the course file.")
    title = models.CharField(max_length=400)
    authors = models.CharField(max_length=500, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="papers")

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "category__position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="paper_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Slot(models.Model):
    """A place to present in a presentation session (a Meeting of kind presentation)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="slots")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slots")
    # Empty for a session without a category: it takes talks of every category.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="slots"
    )
    position = models.PositiveSmallIntegerField(help_text="1 for the first talk of the session.")
    starts_at = models.TimeField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(default=1)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "meeting__date", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="slot_unique_position"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="slot_capacity_gte_1"),
        ]

    def __str__(self) -> str:
        return f"Session {self.meeting.session_number} slot {self.position}"

    def clean(self) -> None:
        if self.meeting_id and self.meeting.kind != Meeting.Kind.PRESENTATION:
            raise ValidationError({"meeting": "Slots belong to presentation sessions only."})

    @property
    def starts(self) -> dt.datetime | None:
        """The aware start in the course's time zone; None for a slot without a time."""
        if self.starts_at is None:
            return None
        return local_datetime(self.meeting.date, self.starts_at, self.meeting.course.tzinfo)


class FeedbackQuestion(models.Model):
    """A rating question of the peer-feedback form, e.g. 'Clear organisation' on 1-5."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="feedback_questions")
    key = models.SlugField(max_length=64)
    label = models.CharField(max_length=300)
    help_text = models.TextField(blank=True)
    scale_min = models.PositiveSmallIntegerField(default=1)
    scale_max = models.PositiveSmallIntegerField(default=5)
    floor = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Share of the points the lowest rating earns; empty means min/max.",
    )
    comment_required = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="feedbackquestion_unique_key"),
            models.CheckConstraint(
                condition=models.Q(scale_max__gt=models.F("scale_min")),
                name="feedbackquestion_scale_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def effective_floor(self) -> Decimal:
        if self.floor is not None:
            return self.floor
        return Decimal(self.scale_min) / Decimal(self.scale_max)
