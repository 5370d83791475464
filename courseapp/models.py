import functools
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from courseapp.dates import format_moment


@functools.cache
def known_time_zones() -> frozenset[str]:
    # Reads the zone database from disk: once a process is enough.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Asia/Hong_Kong)")


class CourseScopedQuerySet(models.QuerySet):
    """Base of every queryset of course data: `Model.objects.for_course(course)`."""

    def for_course(self, course):
        return self.filter(course=course)


class CourseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Courses a visitor may see: public ones, plus every course the user belongs to."""
        if user.is_authenticated and user.is_superuser:
            return self
        public = models.Q(schedule_public=True)
        if not user.is_authenticated:
            return self.filter(public)
        return self.filter(public | models.Q(enrollments__user=user)).distinct()

    def for_member(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(enrollments__user=user)


class Course(models.Model):
    """One run of a course (a term, a section). Every row of course data belongs to one."""

    class PeerAggregate(models.TextChoices):
        MEAN = "mean", "Mean"
        MEDIAN = "median", "Median"
        TRIMMED_MEAN = "trimmed_mean", "Trimmed mean"

    class MultiTalkRule(models.TextChoices):
        MEAN = "mean", "Mean of the talks"
        BEST = "best", "Best talk"

    class FeedbackScope(models.TextChoices):
        OTHER_SESSIONS_IN_CATEGORY = (
            "other_sessions_in_category",
            "Every talk of the other sessions of one's category",
        )
        OTHER_TALKS_IN_CATEGORY = "other_talks_in_category", "Every other talk of one's category"
        ALL_OTHER_SESSIONS = "all_other_sessions", "Every talk of the other sessions"
        ASSIGNED = "assigned", "A number of talks the app assigns"

    class FeedbackAnonymity(models.TextChoices):
        ANONYMOUS = "anonymous", "Anonymous to presenters"
        NAMED = "named", "Named"

    class FeedbackRelease(models.TextChoices):
        WINDOW_CLOSE = "window_close", "When the feedback window closes"
        INSTRUCTOR = "instructor", "When the instructor releases it"

    class PaperAssignment(models.TextChoices):
        CLAIM = "claim", "Students claim free papers"
        PREFERENCES = "preferences", "Students rank papers; the instructor assigns"

    code = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    term = models.CharField(max_length=100, blank=True)
    lecturer = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    schedule_public = models.BooleanField(
        default=False, help_text="Anyone, signed in or not, may read the schedule."
    )
    total_points = models.DecimalField(
        max_digits=7, decimal_places=2, default=Decimal("100"), validators=[MinValueValidator(1)]
    )

    # Policies, all set by the course file.
    signup_opens_at = models.DateTimeField(
        null=True, blank=True, help_text="Students may book presentation slots from this moment."
    )
    signup_freeze_hours = models.PositiveIntegerField(
        default=24, help_text="A slot closes to booking and dropping this long before its session."
    )
    feedback_window_hours = models.PositiveIntegerField(
        default=72, help_text="Peer feedback counts as given in time within this many hours."
    )
    feedback_free_misses = models.PositiveIntegerField(
        default=0, help_text="Feedback a student may miss without losing points."
    )
    peer_aggregate = models.CharField(
        max_length=16, choices=PeerAggregate.choices, default=PeerAggregate.MEAN
    )
    peer_trim_fraction = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.10"),
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("0.49"))],
        help_text="Share of ratings cut from each end for the trimmed mean.",
    )
    min_reviews = models.PositiveIntegerField(
        default=3, help_text="Fewer peer reviews than this and the instructor's score stands alone."
    )
    feedback_scope = models.CharField(
        max_length=32,
        choices=FeedbackScope.choices,
        default=FeedbackScope.OTHER_SESSIONS_IN_CATEGORY,
        help_text="Which talks each student owes feedback on.",
    )
    feedback_reviews_per_student = models.PositiveSmallIntegerField(
        default=3, help_text="Assigned scope: talks each student reviews."
    )
    feedback_assignment_seed = models.PositiveIntegerField(
        default=0, help_text="Assigned scope: the same seed gives the same allocation."
    )
    feedback_anonymity = models.CharField(
        max_length=16, choices=FeedbackAnonymity.choices, default=FeedbackAnonymity.ANONYMOUS
    )
    feedback_release = models.CharField(
        max_length=16,
        choices=FeedbackRelease.choices,
        default=FeedbackRelease.WINDOW_CLOSE,
        help_text="When presenters see the feedback on their talk.",
    )
    feedback_comment_required = models.BooleanField(
        default=False, help_text="Every feedback needs a comment."
    )
    feedback_comment_min_length = models.PositiveSmallIntegerField(
        default=0, help_text="A comment, when given, has at least this many characters."
    )
    feedback_disagreement_spread = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.25"),
        validators=[MinValueValidator(0)],
        help_text="A talk is flagged when a question's standard deviation is above this.",
    )
    ta_can_rate = models.BooleanField(
        default=False, help_text="TAs may rate talks with the feedback form, as staff."
    )
    paper_assignment = models.CharField(
        max_length=16,
        choices=PaperAssignment.choices,
        default=PaperAssignment.CLAIM,
        help_text="How students get their papers.",
    )
    papers_close_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Claim mode: claims close. Preference mode: rankings close.",
    )
    preferences_max = models.PositiveSmallIntegerField(
        default=5, help_text="Preference mode: how many papers a student may rank."
    )
    proposals_allowed = models.BooleanField(
        default=False, help_text="Students may propose a paper for the instructor to approve."
    )
    talks_per_student = models.PositiveSmallIntegerField(
        default=1, help_text="Talks each student gives (each with its own paper and slot)."
    )
    talks_by_section = models.JSONField(
        default=dict,
        blank=True,
        help_text='Talks per roster section where it differs, e.g. {"phd": 2}.',
    )
    signup_category_must_match = models.BooleanField(
        default=True,
        help_text="A student with a paper books only sessions of the paper's category.",
    )
    multi_talk_rule = models.CharField(
        max_length=8,
        choices=MultiTalkRule.choices,
        default=MultiTalkRule.MEAN,
        help_text="A student with several talks: how their talk-based scores combine.",
    )
    ta_can_grade = models.BooleanField(
        default=False, help_text="TAs may enter scores (otherwise they see grades read-only)."
    )
    team_min_size = models.PositiveSmallIntegerField(
        default=1, help_text="Students form teams of at least this many members."
    )
    team_max_size = models.PositiveSmallIntegerField(
        default=4, help_text="Students form teams of at most this many members."
    )
    teams_close_at = models.DateTimeField(
        null=True, blank=True, help_text="Students may form and leave teams until then."
    )

    # Counts changes to the rows the course file owns (schedule, sessions, papers, rubric):
    # rendered schedules are cached under it, so a change makes every cached copy unreachable.
    schedule_version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "code"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def schedule_cache_key(self, *parts) -> str:
        """A cache key for something rendered from the course file's rows (and `parts`)."""
        return ":".join(str(part) for part in ("course", self.pk, self.schedule_version, *parts))

    def talks_for(self, enrollment: "Enrollment") -> int:
        """How many talks this student gives: by their section when the course says so."""
        by_section = self.talks_by_section or {}
        return int(by_section.get(enrollment.section, self.talks_per_student))


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    TA = "ta", "TA"
    INSTRUCTOR = "instructor", "Instructor"


STAFF_ROLES = (Role.TA, Role.INSTRUCTOR)


class EnrollmentQuerySet(CourseScopedQuerySet):
    def students(self):
        return self.filter(role=Role.STUDENT)

    def active(self):
        return self.filter(status=Enrollment.Status.ACTIVE)


class Enrollment(models.Model):
    """A user's membership of one course, with their role in it.

    A withdrawn member keeps all their data (bookings, feedback, scores) but drops out of
    sign-up, assignment, owed feedback, class lists and the gradebook's default view.
    Nobody is ever unenrolled: withdrawal is the way out, and it can be undone.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    student_id = models.CharField(max_length=64, blank=True)
    section = models.CharField(
        max_length=64, blank=True, help_text="Roster section, e.g. phd; policies may differ by it."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["course", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="enrollment_unique_user_course"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course.code} as {self.get_role_display()}"

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN


class AuditEntry(models.Model):
    """One important change: who did what to which row, old and new values, and why.

    Services write it in the same transaction as the change (courseapp.audit.audit_record),
    so the log never claims a change that was rolled back, nor misses one that was made.
    Entries outlive what they describe: the course, the actor and the row keep their labels
    here when they are deleted.
    """

    class Via(models.TextChoices):
        ADMIN = "admin", "Admin"
        PAGE = "page", "Page"
        API = "api", "API"
        COMMAND = "command", "Command"
        ROSTER = "roster", "Roster import"
        COURSE_FILE = "course_file", "Course file"
        SYSTEM = "system", "System"

    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    course_code = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    via = models.CharField(max_length=16, choices=Via.choices)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["course", "-created_at"], name="audit_course_time")]

    def __str__(self) -> str:
        who = self.actor_label or "system"
        return f"{format_moment(self.created_at)} {who}: {self.action} {self.object_label}"


class FeedKey(models.Model):
    """A user's key to the calendar feeds of their private courses (`schedule.ics?key=`).

    Calendar apps cannot sign in, so the feed's address carries this key. It reads `.ics`
    feeds and nothing else: it is not an API token and never opens a session, so a key that
    leaks from a calendar app or an access log exposes schedules, not the account. Created
    and reset through courseapp.accounts (`feed_key_create`, `feed_key_reset`).
    """

    # secrets.token_urlsafe(32): 32 random bytes, 43 URL-safe characters.
    LENGTH = 43

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_key"
    )
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "calendar feed key"

    def __str__(self) -> str:
        # Never the key itself: this ends up in audit labels and logs.
        return f"calendar feed key of {self.user}"


class CourseFileVersion(models.Model):
    """One applied version of a course's file: the text as loaded, who loaded it, and what
    it changed. Kept for every load that changed the course or its text."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="file_versions")
    number = models.PositiveIntegerField(help_text="1 for the course's first file.")
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    loaded_at = models.DateTimeField()
    via = models.CharField(max_length=16, choices=AuditEntry.Via.choices)
    summary = models.TextField(blank=True, help_text="What the load changed.")

    class Meta:
        ordering = ["course", "-number"]
        verbose_name = "course file version"
        constraints = [
            models.UniqueConstraint(
                fields=["course", "number"], name="coursefileversion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.code} course file version {self.number}"
