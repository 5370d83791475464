"""The demo: the syllabus's course twice (a finished archive and a live copy) and its people.

The live copy's dates are shifted by whole weeks so that today falls in week 10, the week
the design asks every action of the app to be tryable in. Each feature adds its activity
through its own demo module (papers and slots: presentations.demo_presentations), called
once the people are enrolled.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from courseapp.audit import Via
from courseapp.coursefile import CourseSpec, parse_course_file
from courseapp.enrollments import admin_access_sync, enrollment_create, enrollment_update
from courseapp.models import Course, Enrollment, Role
from courseapp.services import LoadReport, course_load
from grading.demo_grades import demo_grades
from presentations.demo_feedback import demo_feedback
from presentations.demo_presentations import demo_presentations

DEMO_COURSE_FILE = Path(__file__).parent / "courses" / "mlsys-2025.yaml"
DEMO_PASSWORD = "demo"
LIVE_SUFFIX = "-live"
LIVE_WEEK = 10
STUDENT_COUNT = 24

# Invented names for the demo students, clearly not real people's records.
_FIRST = [
    "Ada", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gao", "Hana", "Ivan", "Jia", "Kofi", "Lena",
    "Min", "Nia", "Omar", "Priya", "Qing", "Rui", "Sara", "Tomas", "Uma", "Vik", "Wen", "Yara",
]  # fmt: skip
_LAST = [
    "Lam", "Okafor", "Wong", "Silva", "Novak", "Haddad", "Tan", "Sato", "Petrov", "Li", "Mensah",
    "Berg", "Park", "Adeyemi", "Farouk", "Iyer", "Zhou", "Costa", "Cohen", "Horvat", "Rao",
    "Kumar", "Chan", "Nasser",
]  # fmt: skip


@dataclass
class DemoReport:
    archive: LoadReport
    live: LoadReport
    live_shift_weeks: int
    users_created: int


def live_shift_weeks(*, spec: CourseSpec, today: dt.date) -> int:
    """Whole weeks to add to the file's dates so that `today` falls in week 10."""
    week = next(week for week in spec.planned_weeks() if week.number == LIVE_WEEK)
    return (today - week.starts).days // 7


def _demo_user(username: str, **fields):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults=fields)
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


def _enrol(*, user, course: Course, role: Role, student_id: str = "") -> None:
    enrollment = Enrollment.objects.filter(user=user, course=course).first()
    if enrollment is None:
        enrollment_create(
            user=user,
            course=course,
            role=role,
            student_id=student_id,
            actor=None,
            via=Via.COMMAND,
        )
    else:
        enrollment_update(
            enrollment=enrollment, role=role, student_id=student_id, actor=None, via=Via.COMMAND
        )


def demo_load() -> DemoReport:
    """Load (or refresh) both demo courses and the demo users. Idempotent."""
    spec = parse_course_file(DEMO_COURSE_FILE.read_text(encoding="utf-8"))
    today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(spec.course.time_zone)).date()
    shift = live_shift_weeks(spec=spec, today=today)
    live_spec = spec.shifted(weeks=shift, code_suffix=LIVE_SUFFIX, title_suffix=" (live demo)")

    with transaction.atomic():
        archive_report = course_load(spec=spec)
        live_report = course_load(spec=live_spec)
        courses = list(Course.objects.filter(code__in=[spec.course.code, live_spec.course.code]))

        created = 0
        instructor, new = _demo_user(
            "instructor", first_name="Binhang", last_name="Yuan", email="instructor@example.org"
        )
        created += new
        ta, new = _demo_user(
            "ta", first_name="Terry", last_name="Assistant", email="ta@example.org"
        )
        created += new
        students = []
        for number in range(1, STUDENT_COUNT + 1):
            user, new = _demo_user(
                f"student{number:02d}",
                first_name=_FIRST[number - 1],
                last_name=_LAST[number - 1],
                email=f"student{number:02d}@example.org",
            )
            created += new
            students.append(user)

        for course in courses:
            _enrol(user=instructor, course=course, role=Role.INSTRUCTOR)
            _enrol(user=ta, course=course, role=Role.TA)
            for number, user in enumerate(students, start=1):
                _enrol(user=user, course=course, role=Role.STUDENT, student_id=f"2025{number:04d}")
        admin_access_sync(users=[instructor], via=Via.COMMAND)

        archive = Course.objects.get(code=spec.course.code)
        live = Course.objects.get(code=live_spec.course.code)
        # The demo's activity happened "earlier in the term": nobody is mailed about it now.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            now = timezone.now()
            demo_presentations(archive=archive, live=live, now=now)
            demo_feedback(archive=archive, live=live, now=now)
            demo_grades(archive=archive, live=live, now=now)

    return DemoReport(
        archive=archive_report, live=live_report, live_shift_weeks=shift, users_created=created
    )
