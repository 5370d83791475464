from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from courseapp.models import Course, CourseScopedQuerySet, Enrollment
from presentations.models import FeedbackQuestion


class CriterionQuerySet(CourseScopedQuerySet):
    def parts(self):
        """Top-level nodes: the parts of the grade that are released one by one."""
        return self.filter(parent__isnull=True)

    def leaves(self):
        return self.filter(children__isnull=True)


class Criterion(models.Model):
    """A node of the rubric tree. Inner nodes' points equal the sum of their children's."""

    class Source(models.TextChoices):
        INSTRUCTOR = "instructor", "Entered by an instructor"
        PEER = "peer", "Peer feedback"
        BLEND = "blend", "Peer feedback blended with the instructor's score"
        FEEDBACK_GIVEN = "feedback_given", "Feedback the student gave"
        RESPONSES = "responses", "Per-meeting responses handed in"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    points = models.DecimalField(max_digits=7, decimal_places=2)
    source = models.CharField(
        max_length=16, choices=Source.choices, blank=True, help_text="Leaves only."
    )
    peer_share = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True, help_text="Blend leaves only."
    )
    feedback_questions = models.ManyToManyField(
        FeedbackQuestion, blank=True, related_name="criteria"
    )
    drop_lowest = models.PositiveSmallIntegerField(
        default=0,
        help_text="Inner nodes only: drop this many of the lowest children (of equal points).",
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["course", "parent_id", "position"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="criterion_unique_key"),
            models.CheckConstraint(
                condition=models.Q(points__gte=0), name="criterion_points_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(peer_share__isnull=True)
                | models.Q(peer_share__gte=0, peer_share__lte=1),
                name="criterion_peer_share_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.points:g})"

    def clean(self) -> None:
        if self.source == self.Source.BLEND and self.peer_share is None:
            raise ValidationError({"peer_share": "A blend criterion needs a peer share."})

    @property
    def is_computed(self) -> bool:
        """Its score comes from peer feedback, not from a grader (an override replaces it)."""
        return self.source in COMPUTED_SOURCES

    @property
    def takes_entry(self) -> bool:
        """A grader types a score for it: an instructor leaf, or a blend's instructor part."""
        return self.source in (self.Source.INSTRUCTOR, self.Source.BLEND)


COMPUTED_SOURCES = (
    Criterion.Source.PEER,
    Criterion.Source.BLEND,
    Criterion.Source.FEEDBACK_GIVEN,
    Criterion.Source.RESPONSES,
)


class LetterGrade(models.Model):
    """One step of the course's letter scale: `letter` from `min_percent` upwards."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="letter_grades")
    letter = models.CharField(max_length=8)
    min_percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["course", "-min_percent"]
        constraints = [
            models.UniqueConstraint(fields=["course", "letter"], name="lettergrade_unique_letter"),
        ]

    def __str__(self) -> str:
        return f"{self.letter} ≥ {self.min_percent:g}%"


class Score(models.Model):
    """A student's score on one leaf criterion: what a grader entered, and any override.

    `points` is the grader's score: the whole score of an `instructor` leaf, the instructor's
    part of a `blend` leaf (on the leaf's own scale). `override` replaces the computed value
    of a `peer`, `blend` or `feedback_given` leaf, and always carries a reason. Rows are
    written only by grading.services, which keeps every change in ScoreChange and the audit
    log; `version` counts the changes, for the grid's "changed since you opened it" check.
    Scores hold on to their course, student and criterion (PROTECT): none of them can be
    deleted while it has scores.
    """

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="scores")
    student = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True)
    override = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    override_reason = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "student", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["student", "criterion"], name="score_one_per_leaf"),
            models.CheckConstraint(
                condition=models.Q(points__isnull=True) | models.Q(points__gte=0),
                name="score_points_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(override__isnull=True) | models.Q(override__gte=0),
                name="score_override_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student.user.get_username()}: {self.criterion.key}"


class ScoreChange(models.Model):
    """One change of a score, kept for good: who, when, old and new value, why, and how.

    Written by grading.services in the same transaction as the change and its AuditEntry.
    """

    class Path(models.TextChoices):
        GRID = "grid", "Admin grade grid"
        FORM = "form", "Admin form (student page)"
        IMPORT = "import", "CSV import"
        API = "api", "API"
        OVERRIDE = "override", "Override"
        RECOMPUTE = "recompute", "Override removed (computed again)"
        BULK = "bulk", "Bulk (command or demo)"

    class Field(models.TextChoices):
        POINTS = "points", "Score"
        OVERRIDE = "override", "Override"
        COMMENT = "comment", "Comment"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="score_changes")
    score = models.ForeignKey(Score, on_delete=models.PROTECT, related_name="changes")
    student = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=16, choices=Field.choices)
    old = models.TextField(blank=True, help_text="Empty: no value.")
    new = models.TextField(blank=True, help_text="Empty: no value.")
    reason = models.TextField(blank=True)
    path = models.CharField(max_length=16, choices=Path.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by_label = models.CharField(max_length=150, blank=True)
    changed_at = models.DateTimeField(db_index=True)

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = "score change"

    def __str__(self) -> str:
        who = self.student.user.get_username()
        return f"{self.criterion.key} of {who}: {self.old or '-'} → {self.new or '-'}"


class Release(models.Model):
    """A top-level part of the rubric released to the students: they see its scores."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="releases")
    part = models.OneToOneField(Criterion, on_delete=models.PROTECT, related_name="release")
    released_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CourseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["course", "part__position"]

    def __str__(self) -> str:
        return f"{self.part.name} released"
