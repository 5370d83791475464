"""What the grading API returns: a student's released grades."""

from rest_framework import serializers


def _points(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=9, decimal_places=2, **kwargs)


class GradeTotalSerializer(serializers.Serializer):
    final = _points(help_text="Points earned, a criterion not graded yet counting 0.")
    possible = _points()
    current_percent = _points(
        allow_null=True, help_text="Percentage earned of the criteria graded so far."
    )
    missing = serializers.IntegerField(help_text="Criteria not graded yet.")


class GradeLineSerializer(serializers.Serializer):
    key = serializers.CharField(source="criterion.key")
    name = serializers.CharField(source="criterion.name")
    depth = serializers.IntegerField(help_text="0 for a child of the part, 1 below that, ...")
    earned = _points(allow_null=True, help_text="Null while not graded.")
    possible = _points()
    is_leaf = serializers.BooleanField()
    overridden = serializers.BooleanField(help_text="Set by the instructor.")
    dropped = serializers.BooleanField(help_text="Among the lowest, which do not count.")
    comment = serializers.CharField()
    late_penalty = _points(
        allow_null=True, help_text="Points taken off for late work (null: none)."
    )


class ReleasedPartSerializer(serializers.Serializer):
    key = serializers.CharField(source="part.key")
    name = serializers.CharField(source="part.name")
    points = _points(source="part.points")
    criteria = GradeLineSerializer(source="lines", many=True)
    total = GradeTotalSerializer()


class PartNameSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class FeedbackQuestionSummarySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    reviews = serializers.IntegerField()
    aggregate = _points(allow_null=True)


class MyGradesSerializer(serializers.Serializer):
    course = serializers.CharField(source="enrollment.course.code")
    parts = ReleasedPartSerializer(many=True, help_text="The released parts only.")
    unreleased = PartNameSerializer(many=True, help_text="Parts still to be released.")
    total = GradeTotalSerializer(
        allow_null=True, help_text="Over the released parts; null before any is released."
    )
    letter = serializers.CharField(help_text="Given once every part is released; else empty.")
    feedback = FeedbackQuestionSummarySerializer(
        many=True, help_text="Peer feedback on your talks, per question (no reviewer named)."
    )
