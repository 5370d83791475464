"""The schedule as the API shows it: weeks, their meetings, times in the course's zone."""

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courseapp.serializers import CourseSerializer
from presentations.models import Category
from schedule.models import Meeting


class SessionCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["key", "name"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    """A class meeting: a lecture, a presentation session, a review, or a day off."""

    # Needs `course` in the context for its time zone, and the meeting's slots prefetched
    # with their categories (as schedule.selectors.course_schedule does).

    starts_at = serializers.SerializerMethodField(
        help_text="Start in the course's time zone; null when the meeting has no time."
    )
    ends_at = serializers.SerializerMethodField(
        help_text="End in the course's time zone; null when the meeting has no time."
    )
    category = serializers.SerializerMethodField(
        help_text="For a presentation session: the category of its slots; null otherwise."
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "date",
            "kind",
            "topic",
            "slides_url",
            "starts_at",
            "ends_at",
            "room",
            "session_number",
            "category",
        ]
        read_only_fields = fields

    def _local(self, meeting: Meeting, time: dt.time | None) -> str | None:
        if time is None:
            return None
        # DRF's DateTimeField would convert to the server's zone (UTC); the course's own
        # offset is what a reader of the schedule expects, so build the string here.
        zone = self.context["course"].tzinfo
        return dt.datetime.combine(meeting.date, time, zone).isoformat()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_starts_at(self, meeting: Meeting) -> str | None:
        return self._local(meeting, meeting.starts_at)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_ends_at(self, meeting: Meeting) -> str | None:
        return self._local(meeting, meeting.ends_at)

    @extend_schema_field(SessionCategorySerializer(allow_null=True))
    def get_category(self, meeting: Meeting) -> dict | None:
        # A session's slots all share its category in a course file; should an admin edit
        # mix them, the first slot's category names the session.
        slot = next(iter(meeting.slots.all()), None)
        return SessionCategorySerializer(slot.category).data if slot else None


class WeekSerializer(serializers.Serializer):
    """A teaching week and its meetings, in date order."""

    # Serializes the rows of schedule.selectors.course_schedule.

    number = serializers.IntegerField(source="week.number")
    starts_on = serializers.DateField(source="week.starts_on")
    ends_on = serializers.DateField(source="week.ends_on")
    title = serializers.CharField(source="week.title")
    meetings = serializers.SerializerMethodField()

    @extend_schema_field(MeetingSerializer(many=True))
    def get_meetings(self, row) -> list[dict]:
        meetings = [meeting_row.meeting for meeting_row in row.meetings]
        return MeetingSerializer(meetings, many=True, context=self.context).data


class ScheduleSerializer(serializers.Serializer):
    """A course and its weeks."""

    course = CourseSerializer()
    weeks = WeekSerializer(many=True)
