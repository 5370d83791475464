from django.core.exceptions import ValidationError
from django.db import models

from courseapp.models import Course, CourseScopedQuerySet
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
