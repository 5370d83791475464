from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from courseapp.api import CourseAPIView, error_responses
from courseapp.permissions import PublicCourseOrMemberPermission
from courseapp.serializers import CourseSerializer
from schedule.selectors import schedule_weeks_data
from schedule.serializers import ScheduleSerializer, weeks_data


class ScheduleView(CourseAPIView):
    """The course's weeks with their meetings, and the course itself."""

    # A public course's schedule is open to anyone, like its page.
    permission_classes = [PublicCourseOrMemberPermission]
    serializer_class = ScheduleSerializer

    @extend_schema(
        operation_id="courses_schedule_retrieve",
        summary="Schedule of a course",
        description=(
            "Readable by anyone when the course is public, otherwise by its members. "
            "Times are ISO 8601 in the course's time zone."
        ),
        responses={200: ScheduleSerializer, **error_responses(401, 404)},
        # Anonymous access is part of the contract for public courses.
        auth=[{"tokenAuth": []}, {"cookieAuth": []}, {}],
        tags=["schedule"],
    )
    def get(self, request: Request, code: str) -> Response:
        course = self.course
        course.role = self.course_role
        context = self.get_serializer_context()
        weeks = schedule_weeks_data(
            course=course,
            today=timezone.localdate(timezone=course.tzinfo),
            serialize=lambda rows: weeks_data(rows, context=context),
        )
        return Response({"course": CourseSerializer(course).data, "weeks": weeks})
