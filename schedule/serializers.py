"""The schedule as the API shows it: weeks, their meetings, times in the course's zone."""

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courseapp.serializers import CourseSerializer
from presentations.models import Category
from schedule.models import MATERIAL_TITLE_MAX_LENGTH, Meeting
from schedule.selectors import session_categories


class SessionCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["key", "name"]
        read_only_fields = fields


class MaterialSerializer(serializers.Serializer):
    """A reading, a recording, the slides of a meeting."""

    title = serializers.CharField(max_length=MATERIAL_TITLE_MAX_LENGTH)
    url = serializers.URLField(allow_blank=True, help_text="Empty when the item has no address.")


class MeetingSerializer(serializers.ModelSerializer):
    """A class meeting: a lecture, a presentation session, a review, or a day off."""

    # Needs the meetings to share their course (for its time zone), and their slots
    # prefetched with their categories, as schedule.selectors.course_schedule does.

    starts_at = serializers.SerializerMethodField(
        help_text="Start in the course's time zone; null when the meeting has no time."
    )
    ends_at = serializers.SerializerMethodField(
        help_text="End in the course's time zone; null when the meeting has no time."
    )
    category = serializers.SerializerMethodField(
        help_text=(
            "For a presentation session: the category of its talks; null otherwise, and for "
            "a session open to talks of every category."
        )
    )
    materials = MaterialSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "date",
            "key",
            "kind",
            "topic",
            "note",
            "slides_url",
            "materials",
            "starts_at",
            "ends_at",
            "room",
            "session_number",
            "category",
        ]
        read_only_fields = fields

    # DRF's DateTimeField would convert to the server's zone (UTC); the course's own offset
    # is what a reader of the schedule expects, so the strings are built here.

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_starts_at(self, meeting: Meeting) -> str | None:
        return _iso(meeting.starts)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_ends_at(self, meeting: Meeting) -> str | None:
        return _iso(meeting.ends)

    @extend_schema_field(SessionCategorySerializer(allow_null=True))
    def get_category(self, meeting: Meeting) -> dict | None:
        # A course file gives a session one category or none; should an admin edit mix its
        # slots' categories, the first one names the session.
        # A plain dict: a serializer per meeting would rebuild its fields each time.
        categories = session_categories(meeting)
        if not categories:
            return None
        return {"key": categories[0].key, "name": categories[0].name}


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


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
        serialized = self.context.get("serialized_meetings")
        if serialized is not None:
            return [serialized[meeting_row.meeting.pk] for meeting_row in row.meetings]
        meetings = [meeting_row.meeting for meeting_row in row.meetings]
        return MeetingSerializer(meetings, many=True, context=self.context).data


class ScheduleSerializer(serializers.Serializer):
    """A course and its weeks."""

    course = CourseSerializer()
    weeks = WeekSerializer(many=True)

    def to_representation(self, instance):
        return {
            "course": CourseSerializer(instance["course"], context=self.context).data,
            "weeks": weeks_data(instance["weeks"], context=self.context),
        }


def weeks_data(weeks, *, context: dict) -> list[dict]:
    """WeekSerializer's data for course_schedule's rows, with one MeetingSerializer for every
    meeting of the course: building a serializer's fields is DRF's dearest step, and one per
    week made it most of the request."""
    meetings = [row.meeting for week in weeks for row in week.meetings]
    data = MeetingSerializer(meetings, many=True, context=context).data
    context = {
        **context,
        "serialized_meetings": {
            meeting.pk: item for meeting, item in zip(meetings, data, strict=True)
        },
    }
    return WeekSerializer(weeks, many=True, context=context).data
