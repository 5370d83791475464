"""Time a roster import of N new students against a bare bulk_create of the same rows.

    .venv/bin/python benchmarks/roster_import.py [--rows 10000] [--database sqlite|postgres]

Runs in a throwaway database (a temporary SQLite file, or a database created for the run on
the PostgreSQL server of DATABASE_URL or postgres://postgres@127.0.0.1:5432, dropped at the
end). In the same run it times:

- bare: `bulk_create` of the users and their enrolments, nothing else (the floor);
- preview: `roster_import(..., dry_run=True)`, what the admin shows before applying;
- import: `roster_import(...)`, parsing, checks, users, enrolments and audit entries;
- reimport: the same file again (nothing to change).

and prints each time and its ratio to the bare insert. The goal is import <= 5x bare.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import throwaway_database  # noqa: E402 - benchmarks/, the script's folder

HEADER = "username,email,first_name,last_name,role,student_id"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courseapp.settings")
    with throwaway_database(args.database):
        run(args.rows, args.database)


def run(rows: int, database: str) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from conftest import load_course_text, small_course_text
    from courseapp.models import Enrollment, Role
    from courseapp.roster import roster_import

    call_command("migrate", verbosity=0)
    User = get_user_model()
    bare_course = load_course_text(small_course_text(code="bare"))
    course = load_course_text(small_course_text(code="roster"))

    def people(prefix: str) -> list[tuple[str, str, str, str, str]]:
        return [
            (f"{prefix}{n:05d}", f"{prefix}{n:05d}@example.org", "First", f"Last{n}", f"ID{n:05d}")
            for n in range(rows)
        ]

    # The floor: the same users and enrolments, bulk-inserted with nothing else.
    start = time.perf_counter()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=u,
                    email=e,
                    first_name=f,
                    last_name=last,
                    password=make_password(None),
                )
                for u, e, f, last, _ in people("bare")
            ],
            batch_size=1000,
        )
        Enrollment.objects.bulk_create(
            [
                Enrollment(user=user, course=bare_course, role=Role.STUDENT, student_id=sid)
                for user, (*_, sid) in zip(users, people("bare"), strict=True)
            ],
            batch_size=1000,
        )
    bare = time.perf_counter() - start

    text = "\n".join(
        [HEADER] + [f"{u},{e},{f},{last},student,{sid}" for u, e, f, last, sid in people("s")]
    )
    timings = {}
    for label, options in [
        ("preview (dry run)", {"dry_run": True}),
        ("import", {}),
        ("reimport (no change)", {}),
    ]:
        start = time.perf_counter()
        report = roster_import(course=course, csv_text=text, **options)
        timings[label] = time.perf_counter() - start
        if label == "import":
            assert len(report.new_enrolments) == rows, report.summary()

    print(f"roster import of {rows:,} new students on {database}")
    print(f"  {'bare bulk_create':24} {bare:7.2f} s   1.00x")
    for label, seconds in timings.items():
        print(f"  {label:24} {seconds:7.2f} s  {seconds / bare:5.2f}x")
    ratio = timings["import"] / bare
    print(f"import / bare = {ratio:.2f} (goal: at most 5)")


if __name__ == "__main__":
    main()
