"""Time the gradebook export of a large class in every format.

    .venv/bin/python benchmarks/gradebook_export.py [--students 1000] [--database sqlite|postgres]

Runs in a throwaway database (a temporary SQLite file, or a database created for the run on
the PostgreSQL server of DATABASE_URL or postgres://postgres@127.0.0.1:5432, dropped at the
end). It loads the demo course, enrols N students with a talk each, enters every
instructor-graded score and the blends' instructor parts (one `scores_set`), then times:

- rows: `gradebook_rows` alone (the queries and the computation of every total);
- each format: `gradebook_rows` plus the exporter writing every byte (csv, json, xlsx, and
  the three Canvas files);

and prints each time with its query count, which must not depend on N.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import throwaway_database  # noqa: E402 - benchmarks/, the script's folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courseapp.settings")
    with throwaway_database(args.database):
        run(args.students, args.database)


def run(students: int, database: str) -> None:
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from conftest import DEMO_COURSE_FILE, load_course_text
    from courseapp.models import Enrollment, Role
    from grading.exporters import EXPORTERS
    from grading.models import Criterion, ScoreChange
    from grading.selectors import gradebook_rows
    from grading.services import ScoreInput, scores_set
    from presentations.models import Paper, Presentation, Slot

    call_command("migrate", verbosity=0)
    course = load_course_text(DEMO_COURSE_FILE.read_text())
    User = get_user_model()
    password = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"s{n:05d}",
                    email=f"s{n:05d}@example.org",
                    first_name=f"First{n}",
                    last_name=f"Last{n}",
                    password=password,
                )
                for n in range(students)
            ],
            batch_size=1000,
        )
        enrolments = Enrollment.objects.bulk_create(
            [
                Enrollment(user=user, course=course, role=Role.STUDENT, student_id=f"ID{n:05d}")
                for n, user in enumerate(users)
            ],
            batch_size=1000,
        )
        # A talk for as many students as the course has slots and papers.
        slots = list(Slot.objects.for_course(course).order_by("pk"))
        papers = list(Paper.objects.for_course(course).order_by("pk"))
        Presentation.objects.bulk_create(
            [
                Presentation(course=course, student=enrolment, slot=slot, paper=paper)
                for enrolment, slot, paper in zip(enrolments, slots, papers, strict=False)
            ]
        )
    entered = [c for c in Criterion.objects.for_course(course).leaves() if c.takes_entry]
    start = time.perf_counter()
    scores_set(
        course=course,
        entries=[
            ScoreInput(
                student_id=enrolment.pk,
                criterion_id=criterion.pk,
                points=(criterion.points * Decimal((n * 7 + i * 3) % 10 + 1) / 10).quantize(
                    Decimal("0.01")
                ),
            )
            for n, enrolment in enumerate(enrolments)
            for i, criterion in enumerate(entered)
        ],
        actor=None,
        via="command",
        path=ScoreChange.Path.BULK,
    )
    entering = time.perf_counter() - start
    print(f"gradebook export of {students:,} students on {database}")
    print(f"  entering {students * len(entered):,} scores with history: {entering:6.2f} s")

    def timed(label, work):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            size = work()
            seconds = time.perf_counter() - start
        shown = f"{size / 1024:8.0f} KiB" if size else " " * 12
        print(f"  {label:22} {seconds:6.2f} s {shown}  {len(queries):3d} queries")

    timed("rows only", lambda: len(gradebook_rows(course=course).rows) and 0)
    for key, exporter in EXPORTERS.items():
        items = ["leaves", "parts", "total"] if key == "canvas" else [None]
        for choice in items:
            label = f"{key} ({choice})" if choice else key
            timed(
                label,
                lambda exporter=exporter, choice=choice: sum(
                    len(chunk)
                    for chunk in exporter(gradebook_rows(course=course), items=choice).chunks()
                ),
            )


if __name__ == "__main__":
    main()
