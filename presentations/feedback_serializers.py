"""Peer feedback as the API shows it. What a presenter receives carries no reviewer identity
unless the course's feedback is named: no id, username, name, e-mail or time."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from presentations.selectors import presenter_name


class SessionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField(source="session_number")
    date = serializers.DateField()
    topic = serializers.CharField()


class TalkRefSerializer(serializers.Serializer):
    """A booked talk: its paper, presenter and session (presenters are public to members)."""

    id = serializers.IntegerField(source="pk")
    paper = serializers.SerializerMethodField()
    presenter = serializers.SerializerMethodField()
    session = SessionRefSerializer(source="slot.meeting")
    slot = serializers.IntegerField(source="slot.position")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_paper(self, talk):
        return talk.paper.title if talk.paper_id else None

    @extend_schema_field(serializers.CharField())
    def get_presenter(self, talk):
        return presenter_name(talk.student)


class TodoItemSerializer(serializers.Serializer):
    """A talk the student owes feedback on (a `TodoItem` of feedback_selectors)."""

    presentation = TalkRefSerializer(source="talk")
    opens = serializers.DateTimeField()
    closes = serializers.DateTimeField(help_text="Feedback is refused from this moment.")
    state = serializers.ChoiceField(choices=["upcoming", "open", "closed"])
    given = serializers.BooleanField()


class FeedbackRequestSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.JSONField(),
        help_text=(
            'Every question of the course by key, a whole number on its scale: {"organisation": 4}.'
        ),
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, trim_whitespace=True
    )


class MyFeedbackSerializer(serializers.Serializer):
    """Feedback its own author (or staff) reads."""

    id = serializers.IntegerField(source="pk")
    presentation = TalkRefSerializer()
    scores = serializers.SerializerMethodField()
    comment = serializers.CharField()
    by_staff = serializers.BooleanField()
    submitted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField()

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_scores(self, feedback):
        return {rating.question.key: rating.value for rating in feedback.ratings.all()}


class QuestionAggregateSerializer(serializers.Serializer):
    key = serializers.CharField(source="question_key")
    n = serializers.IntegerField()
    aggregate = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    spread = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="Population std. deviation."
    )
    minimum = serializers.IntegerField(allow_null=True)
    maximum = serializers.IntegerField(allow_null=True)


def _questions(aggregate) -> list:
    return list(aggregate.questions.values()) if aggregate is not None else []


class ReceivedCommentSerializer(serializers.Serializer):
    text = serializers.CharField()
    reviewer = serializers.CharField(
        source="reviewer_name", help_text="Empty unless the course's feedback is named."
    )


class ReceivedTalkSerializer(serializers.Serializer):
    """The feedback on one of your talks: nothing until released."""

    presentation = TalkRefSerializer(source="talk")
    released = serializers.BooleanField()
    reviews = serializers.IntegerField()
    min_reviews = serializers.IntegerField()
    questions = serializers.SerializerMethodField()
    comments = ReceivedCommentSerializer(many=True)

    @extend_schema_field(QuestionAggregateSerializer(many=True))
    def get_questions(self, received):
        return QuestionAggregateSerializer(_questions(received.aggregate), many=True).data


class ReviewSerializer(serializers.Serializer):
    """One review as staff see it: who wrote what."""

    id = serializers.IntegerField(source="feedback.pk")
    reviewer = serializers.CharField(source="feedback.reviewer.user.username")
    reviewer_name = serializers.SerializerMethodField()
    scores = serializers.DictField(source="ratings", child=serializers.IntegerField())
    comment = serializers.CharField(source="feedback.comment")
    submitted_at = serializers.DateTimeField(source="feedback.submitted_at")
    updated_at = serializers.DateTimeField(source="feedback.updated_at")
    hidden = serializers.BooleanField(source="feedback.hidden")
    hidden_reason = serializers.CharField(source="feedback.hidden_reason")

    @extend_schema_field(serializers.CharField())
    def get_reviewer_name(self, row):
        return presenter_name(row.feedback.reviewer)


class SessionTalkSerializer(serializers.Serializer):
    presentation = TalkRefSerializer(source="talk")
    reviews_count = serializers.IntegerField(source="aggregate.reviews")
    owed_by = serializers.IntegerField(help_text="Students who owe feedback on it.")
    under_min_reviews = serializers.BooleanField(source="under_min")
    disagreement = serializers.BooleanField(source="aggregate.disagreement")
    released = serializers.BooleanField(source="aggregate.released")
    questions = serializers.SerializerMethodField()
    reviews = ReviewSerializer(many=True)
    staff_ratings = ReviewSerializer(source="staff", many=True)

    @extend_schema_field(QuestionAggregateSerializer(many=True))
    def get_questions(self, row):
        return QuestionAggregateSerializer(_questions(row.aggregate), many=True).data


class SessionFeedbackSerializer(serializers.Serializer):
    session = SessionRefSerializer()
    opens = serializers.DateTimeField()
    closes = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=["upcoming", "open", "closed"])
    released = serializers.BooleanField()
    talks = SessionTalkSerializer(many=True)


class StudentCreditSerializer(serializers.Serializer):
    enrollment_id = serializers.IntegerField(source="student.pk")
    username = serializers.CharField(source="student.user.username")
    name = serializers.SerializerMethodField()
    owed = serializers.IntegerField(source="credit.owed")
    given_in_time = serializers.IntegerField(source="credit.given_in_time")
    late = serializers.IntegerField(source="credit.late")
    hidden = serializers.IntegerField(source="credit.hidden")
    excused = serializers.IntegerField(source="credit.excused")
    upcoming = serializers.IntegerField(source="credit.upcoming")
    ratio = serializers.DecimalField(source="credit.ratio", max_digits=6, decimal_places=4)

    @extend_schema_field(serializers.CharField())
    def get_name(self, row):
        return presenter_name(row.student)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, required=False)


class ExcusalRequestSerializer(serializers.Serializer):
    student = serializers.IntegerField(help_text="The student's enrolment id.")
    session = serializers.IntegerField(help_text="The presentation session's id.")
    reason = serializers.CharField(max_length=1000)


class ExcusalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    student = serializers.IntegerField(source="student_id")
    session = serializers.IntegerField(source="session_id")
    reason = serializers.CharField()
