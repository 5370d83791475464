"""What the submissions API returns."""

from rest_framework import serializers


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    size = serializers.IntegerField(help_text="Bytes.")
    pages = serializers.IntegerField(allow_null=True, help_text="Null for a text.")
    sha256 = serializers.CharField()
    file_name = serializers.CharField(source="original_name")
    over_page_limit = serializers.BooleanField(
        help_text="May exceed the page limit (references are not counted)."
    )
    download = serializers.SerializerMethodField()

    def get_download(self, submission) -> str:
        course = self.context["course"]
        return f"/api/courses/{course.code}/submissions/{submission.pk}/file/"


class ReceiptSerializer(serializers.Serializer):
    submission = SubmissionSerializer()
    late = serializers.BooleanField()
    penalty_share = serializers.DecimalField(
        max_digits=4, decimal_places=3, help_text="Share of the score taken off (0 to 1)."
    )
    over_page_limit = serializers.BooleanField()


class LatePolicySerializer(serializers.Serializer):
    accepted = serializers.SerializerMethodField()
    penalty = serializers.DecimalField(source="penalty_rate", max_digits=4, decimal_places=3)
    per = serializers.CharField(source="penalty_unit")
    cap = serializers.IntegerField(source="penalty_cap")
    after_cap = serializers.CharField()

    def get_accepted(self, deliverable) -> bool:
        return deliverable.late == "penalty"


class DeliverableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    opens = serializers.DateTimeField(allow_null=True)
    due = serializers.DateTimeField()
    team = serializers.BooleanField()
    page_limit = serializers.IntegerField(allow_null=True)
    max_bytes = serializers.IntegerField()
    late = LatePolicySerializer(source="*")
    meeting_date = serializers.DateField(source="meeting.date", allow_null=True, default=None)


class ExtensionSerializer(serializers.Serializer):
    due = serializers.DateTimeField()
    reason = serializers.CharField()


class HandinSerializer(serializers.Serializer):
    deliverable = DeliverableSerializer()
    due = serializers.DateTimeField(help_text="The due date that applies (extended or not).")
    extension = ExtensionSerializer(allow_null=True)
    late = serializers.BooleanField(help_text="The version that counts was late.")
    counted = SubmissionSerializer(allow_null=True, help_text="The version that counts.")
    versions = SubmissionSerializer(many=True, help_text="Every version, newest first.")


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    student_id = serializers.CharField()


class StaffHandinSerializer(serializers.Serializer):
    team = serializers.CharField(allow_null=True)
    members = MemberSerializer(many=True)
    handin = HandinSerializer()


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="A PDF, for a file deliverable.")
    text = serializers.CharField(
        required=False, allow_blank=True, help_text="For a text deliverable."
    )
