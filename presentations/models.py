import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from courseapp.models import Course, CourseScopedQuerySet
from schedule.models import Meeting
from schedule.times import local_datetime


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


class PaperQuerySet(CourseScopedQuerySet):
    def from_file(self):
        """The course file's catalogue (approved proposals are not the file's)."""
        return self.filter(proposed_for__isnull=True)

    def visible_to(self, enrollment):
        """The catalogue as a student sees it: the file's papers and their own proposals."""
        return self.filter(models.Q(proposed_for__isnull=True) | models.Q(proposed_for=enrollment))


class Paper(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="papers")
    key = models.SlugField(max_length=64, help_text="Stable identifier from the course file.")
    title = models.CharField(max_length=400)
    authors = models.CharField(max_length=500, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="papers")
    proposed_for = models.ForeignKey(
        "courseapp.Enrollment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_papers",
        help_text="A student's approved proposal: in the catalogue for that student only.",
    )

    objects = PaperQuerySet.as_manager()

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
    # Talks booked here, kept by the booking services under a row lock. The check constraint
    # is the database's own guarantee that a slot is never overbooked, whatever the code.
    booked = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "meeting__date", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="slot_unique_position"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="slot_capacity_gte_1"),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")),
                name="slot_never_overbooked",
            ),
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


class PresentationQuerySet(CourseScopedQuerySet):
    def booked(self):
        return self.filter(slot__isnull=False)

    def of_active_students(self):
        return self.filter(student__status="active")


class Presentation(models.Model):
    """One talk a student gives: its paper and its slot, each empty until decided.

    A student has as many as the course's talks-per-student policy gives them, numbered
    from 1. The database refuses two talks on one paper and two rows for one talk.
    """

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="presentations")
    student = models.ForeignKey(
        "courseapp.Enrollment", on_delete=models.PROTECT, related_name="presentations"
    )
    number = models.PositiveSmallIntegerField(default=1, help_text="1 for the first talk.")
    paper = models.ForeignKey(
        Paper, on_delete=models.PROTECT, null=True, blank=True, related_name="presentations"
    )
    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="presentations"
    )
    booked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PresentationQuerySet.as_manager()

    class Meta:
        ordering = ["course", "slot__meeting__date", "slot__position", "student_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "number"], name="presentation_one_row_per_talk"
            ),
            models.UniqueConstraint(
                fields=["course", "paper"],
                condition=models.Q(paper__isnull=False),
                name="presentation_one_talk_per_paper",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="presentation_number_gte_1"
            ),
        ]

    def __str__(self) -> str:
        talk = f" (talk {self.number})" if self.number > 1 else ""
        return f"{self.student.user.get_username()}{talk}"


class PaperPreference(models.Model):
    """A student's ranking of a paper (1 = their first choice), for preference mode."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="paper_preferences")
    student = models.ForeignKey(
        "courseapp.Enrollment", on_delete=models.CASCADE, related_name="paper_preferences"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="preferences")
    rank = models.PositiveSmallIntegerField()

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["student", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["student", "rank"], name="preference_unique_rank"),
            models.UniqueConstraint(fields=["student", "paper"], name="preference_unique_paper"),
            models.CheckConstraint(condition=models.Q(rank__gte=1), name="preference_rank_gte_1"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.paper}"


class PaperProposal(models.Model):
    """A paper a student proposes to present; an instructor approves or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="paper_proposals")
    student = models.ForeignKey(
        "courseapp.Enrollment", on_delete=models.PROTECT, related_name="paper_proposals"
    )
    title = models.CharField(max_length=400)
    authors = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=500, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="proposals")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    note = models.TextField(blank=True, help_text="The instructor's note or reason.")
    paper = models.OneToOneField(
        Paper, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "-created_at"]

    def __str__(self) -> str:
        return self.title


class WaitlistEntry(models.Model):
    """A talk waiting for a seat in a full presentation session, first come first served."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="waitlist")
    session = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="waitlist")
    presentation = models.ForeignKey(
        Presentation, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    created_at = models.DateTimeField(db_index=True)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["session", "created_at", "pk"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "presentation"], name="waitlist_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.presentation} waiting for session {self.session.session_number}"


class SwapRequest(models.Model):
    """One booked talk asks another to trade slots; the other accepts or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="swap_requests")
    requester = models.ForeignKey(
        Presentation, on_delete=models.CASCADE, related_name="swaps_asked"
    )
    target = models.ForeignKey(Presentation, on_delete=models.CASCADE, related_name="swaps_offered")
    # The slots at the time of asking: a swap is of these two, or of nothing.
    requester_slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="+")
    target_slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "target"],
                condition=models.Q(status="pending"),
                name="swap_one_pending_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} ⇄ {self.target} ({self.get_status_display()})"


# --- peer feedback ------------------------------------------------------------------------


class FeedbackQuerySet(CourseScopedQuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def peer(self):
        """Reviews by students: staff ratings are never counted as peer reviews."""
        return self.filter(by_staff=False)


class Feedback(models.Model):
    """One reviewer's feedback on one talk: ratings on the course's questions and a comment.

    The database keeps one row per reviewer and talk, whatever the timing of two submits.
    A staff member's rating (`by_staff`) uses the same form but is the instructor part of a
    `blend` leaf, never a peer review.
    """

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="feedback")
    presentation = models.ForeignKey(
        Presentation, on_delete=models.PROTECT, related_name="feedback"
    )
    reviewer = models.ForeignKey(
        "courseapp.Enrollment", on_delete=models.PROTECT, related_name="feedback_given"
    )
    by_staff = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(help_text="First submitted.")
    updated_at = models.DateTimeField(help_text="Last changed by its reviewer.")
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["course", "presentation", "pk"]
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "presentation"], name="feedback_one_per_reviewer_and_talk"
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.presentation}"


class FeedbackRating(models.Model):
    """A rating of one question in one feedback (a row each: aggregation is one query)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="ratings")
    question = models.ForeignKey(FeedbackQuestion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["feedback", "question__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["feedback", "question"], name="feedbackrating_one_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.key}: {self.value}"


class FeedbackExcusal(models.Model):
    """An instructor excused a student from giving feedback on one session."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="feedback_excusals")
    student = models.ForeignKey(
        "courseapp.Enrollment", on_delete=models.CASCADE, related_name="feedback_excusals"
    )
    session = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "session__date", "student"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "session"], name="feedbackexcusal_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} excused from session {self.session.session_number}"


class ReviewAssignment(models.Model):
    """Scope `assigned`: the app asked this student to review this talk."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="review_assignments")
    reviewer = models.ForeignKey(
        "courseapp.Enrollment", on_delete=models.CASCADE, related_name="review_assignments"
    )
    presentation = models.ForeignKey(
        Presentation, on_delete=models.CASCADE, related_name="review_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "reviewer", "presentation"]
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "presentation"], name="reviewassignment_once_per_talk"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} reviews {self.presentation}"


class FeedbackRelease(models.Model):
    """Release policy `instructor`: the feedback of this session is released to presenters."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="feedback_releases")
    session = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="+")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    released_at = models.DateTimeField()

    objects = CourseScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Feedback of session {self.session.session_number} released"


class FeedbackReminder(models.Model):
    """A reminder e-mail sent: one per student and session window, so cron can re-run."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="feedback_reminders")
    student = models.ForeignKey(
        "courseapp.Enrollment", on_delete=models.CASCADE, related_name="feedback_reminders"
    )
    session = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "session"], name="feedbackreminder_once_per_window"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.student} for session {self.session.session_number}"
