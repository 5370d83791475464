import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models

from courseapp.models import Course


class WeekQuerySet(models.QuerySet):
    def for_course(self, course):
        return self.filter(course=course)


class Week(models.Model):
    """A teaching week: seven days from `starts_on`, numbered from 1."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="weeks")
    number = models.PositiveSmallIntegerField()
    starts_on = models.DateField(help_text="First day of the week; meetings fall within 7 days.")
    title = models.CharField(max_length=200, blank=True)

    objects = WeekQuerySet.as_manager()

    class Meta:
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="week_unique_number"),
        ]

    def __str__(self) -> str:
        return f"W{self.number}"

    @property
    def ends_on(self) -> dt.date:
        return self.starts_on + dt.timedelta(days=6)

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


class MeetingQuerySet(models.QuerySet):
    def for_course(self, course):
        return self.filter(course=course)

    def presentation_sessions(self):
        return self.filter(kind=Meeting.Kind.PRESENTATION)


class Meeting(models.Model):
    """One class day: a lecture, a presentation session, a review, or a holiday."""

    class Kind(models.TextChoices):
        LECTURE = "lecture", "Lecture"
        PRESENTATION = "presentation", "Presentation session"
        REVIEW = "review", "Review"
        HOLIDAY = "holiday", "No class"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="meetings")
    week = models.ForeignKey(Week, on_delete=models.CASCADE, related_name="meetings")
    position = models.PositiveSmallIntegerField(
        help_text="Order within the week, as listed in the course file."
    )
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LECTURE)
    topic = models.CharField(max_length=300)
    slides_url = models.URLField(max_length=500, blank=True)
    starts_at = models.TimeField(null=True, blank=True, help_text="Local time of the course.")
    ends_at = models.TimeField(null=True, blank=True)
    room = models.CharField(max_length=100, blank=True)
    session_number = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For presentation sessions: Session-N."
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["course", "date", "starts_at", "position"]
        constraints = [
            models.UniqueConstraint(fields=["week", "position"], name="meeting_unique_position"),
            models.UniqueConstraint(
                fields=["course", "session_number"],
                condition=models.Q(session_number__isnull=False),
                name="meeting_unique_session_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.topic}"

    def clean(self) -> None:
        if self.week_id and not self.week.contains(self.date):
            raise ValidationError({"date": f"{self.date} is outside week {self.week.number}"})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A meeting must end after it starts."})

    def start_datetime(self) -> dt.datetime:
        """Aware start in the course's time zone (midnight when no time is set)."""
        return dt.datetime.combine(self.date, self.starts_at or dt.time(0), self.course.tzinfo)

    @property
    def is_class(self) -> bool:
        return self.kind != self.Kind.HOLIDAY
