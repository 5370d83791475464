import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models

from courseapp.dates import format_day
from courseapp.models import Course
from schedule.times import local_datetime


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


# The title of one of a meeting's materials (a reading, a recording).
MATERIAL_TITLE_MAX_LENGTH = 200


class MeetingQuerySet(models.QuerySet):
    def for_course(self, course):
        return self.filter(course=course)

    def presentation_sessions(self):
        return self.filter(kind=Meeting.Kind.PRESENTATION)


class Meeting(models.Model):
    """One class day: a lecture, a presentation session, a review, or a holiday.

    A meeting is identified by its date and, when two meetings share a date, its `key`: never
    by its place in the course file, so inserting or moving one leaves the others alone.
    """

    class Kind(models.TextChoices):
        LECTURE = "lecture", "Lecture"
        PRESENTATION = "presentation", "Presentation session"
        REVIEW = "review", "Review"
        HOLIDAY = "holiday", "No class"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="meetings")
    week = models.ForeignKey(Week, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField()
    key = models.SlugField(
        max_length=64,
        blank=True,
        help_text="Tells meetings on the same date apart; empty for a date's only meeting.",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LECTURE)
    topic = models.CharField(max_length=300)
    note = models.CharField(
        max_length=500, blank=True, help_text="Shown with the meeting, e.g. 'Moved online'."
    )
    slides_url = models.URLField(max_length=500, blank=True)
    materials = models.JSONField(
        default=list, blank=True, help_text='Readings and recordings: [{"title", "url"}].'
    )
    starts_at = models.TimeField(null=True, blank=True, help_text="Local time of the course.")
    ends_at = models.TimeField(null=True, blank=True)
    room = models.CharField(max_length=100, blank=True)
    session_number = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For presentation sessions: Session-N."
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["course", "date", "starts_at", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "date", "key"], name="meeting_unique_date_key"
            ),
            models.UniqueConstraint(
                fields=["course", "session_number"],
                condition=models.Q(session_number__isnull=False),
                name="meeting_unique_session_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{format_day(self.date)} {self.topic}"

    def clean(self) -> None:
        if self.week_id and not self.week.contains(self.date):
            raise ValidationError({"date": f"{self.date} is outside week {self.week.number}"})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A meeting must end after it starts."})

    # The one place a meeting's times become instants. Reading them needs the course (for its
    # time zone): a list of meetings should share one course object, as the selectors do.

    @property
    def starts(self) -> dt.datetime | None:
        """The aware start in the course's time zone; None for a meeting without a time."""
        if self.starts_at is None:
            return None
        return local_datetime(self.date, self.starts_at, self.course.tzinfo)

    @property
    def ends(self) -> dt.datetime | None:
        """The aware end in the course's time zone; None for a meeting without an end."""
        if self.ends_at is None:
            return None
        return local_datetime(self.date, self.ends_at, self.course.tzinfo)

    @property
    def begins_at(self) -> dt.datetime:
        """When the meeting begins: its start, or the start of its day when it has none."""
        if self.starts_at is not None:
            return self.starts
        return local_datetime(self.date, dt.time(0), self.course.tzinfo)

    @property
    def over_at(self) -> dt.datetime:
        """When the meeting is over: its end, or the end of its day when it has none."""
        if self.ends_at is not None:
            return self.ends
        return local_datetime(self.date + dt.timedelta(days=1), dt.time(0), self.course.tzinfo)
