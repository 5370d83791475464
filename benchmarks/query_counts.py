"""Print the queries each page and endpoint runs, for the demo class and a class 20x larger.

    .venv/bin/python benchmarks/query_counts.py [--students 480]

Builds a throwaway SQLite database (nothing of yours is touched), loads the demo course,
measures every page and endpoint as an anonymous visitor, a student, a TA and an
instructor, then enrols more students and measures again. A count that grows with the
class is a query inside a loop.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=480, help="size of the large class")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="courseapp-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courseapp.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the expected 401s
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from courseapp.demo import demo_load
    from courseapp.models import Course, Enrollment, Role

    call_command("migrate", verbosity=0)
    demo_load()
    course = Course.objects.get(code="mlsys-2025-live")
    code = course.code
    pages = [
        ("course page", f"/courses/{code}/"),
        ("calendar feed", f"/courses/{code}/schedule.ics"),
        ("dashboard", f"/courses/{code}/dashboard/"),
        ("home", "/"),
        ("account page", "/accounts/"),
        ("API courses", "/api/courses/"),
        ("API schedule", f"/api/courses/{code}/schedule/"),
        ("admin enrolments", f"/admin/courseapp/enrollment/?course__id__exact={course.pk}"),
        ("admin course", f"/admin/courseapp/course/{course.pk}/change/"),
    ]
    users = {"anonymous": None, "student": "student01", "ta": "ta", "instructor": "instructor"}

    def measure() -> dict[tuple[str, str], int | str]:
        counts = {}
        for who, username in users.items():
            client = Client(HTTP_HOST="127.0.0.1")
            if username:
                client.force_login(get_user_model().objects.get(username=username))
            for name, url in pages:
                client.get(url)  # warm up: the first request fills per-process caches
                with CaptureQueriesContext(connection) as queries:
                    status = client.get(url).status_code
                counts[(name, who)] = len(queries) if status == 200 else f"({status})"
        return counts

    small = measure()
    students = Enrollment.objects.for_course(course).students().count()
    User = get_user_model()
    extra = [User(username=f"bench{n:05d}") for n in range(args.students - students)]
    User.objects.bulk_create(extra)
    Enrollment.objects.bulk_create(
        Enrollment(user=user, course=course, role=Role.STUDENT, student_id=f"B{n:05d}")
        for n, user in enumerate(User.objects.filter(username__startswith="bench"))
    )
    large = measure()

    print(f"queries per request, {students} students -> {args.students} students")
    print(f"{'page':18} " + " ".join(f"{who:>16}" for who in users))
    for name, _url in pages:
        cells = [f"{small[(name, who)]!s:>7} -> {large[(name, who)]!s:<5}" for who in users]
        print(f"{name:18} " + " ".join(cells))
    grew = [key for key in small if str(small[key]) != str(large[key])]
    print("grows with the class: " + (", ".join(f"{n} ({w})" for n, w in grew) or "nothing"))


if __name__ == "__main__":
    main()
