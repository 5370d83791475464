import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courseapp.coursefile import MAX_FILE_BYTES, CourseFileError, decode_course_file
from courseapp.models import AuditEntry
from courseapp.services import CourseLoadRefused, course_file_apply


class Command(BaseCommand):
    help = (
        "Create or update a course from a YAML course file (docs/course-file.md). Loading the "
        "same file twice changes nothing; an invalid file changes nothing and lists every "
        "problem with its location."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The course file, e.g. courseapp/courses/mlsys-2025.yaml")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would change, and write nothing.",
        )

    def handle(self, *args, path: str, dry_run: bool, **options):
        shown = path if path.isprintable() else ascii(path)
        if "\x00" in path:
            # open() would raise ValueError: no file name holds one.
            raise CommandError(f"{shown}: no such course file (a file name has no NUL byte)")
        try:
            with Path(path).open("rb") as file:
                # Read one byte past the limit: enough to tell, without reading a huge file.
                data = file.read(MAX_FILE_BYTES + 1)
                size = max(len(data), os.fstat(file.fileno()).st_size)
        except FileNotFoundError:
            raise CommandError(f"{shown}: no such course file") from None
        except IsADirectoryError:
            raise CommandError(f"{shown}: is a directory, not a course file") from None
        except OSError as exc:
            raise CommandError(f"{shown}: cannot read the file: {exc.strerror}") from None

        try:
            report = course_file_apply(
                text=decode_course_file(data, size=size),
                actor=None,
                via=AuditEntry.Via.COMMAND,
                dry_run=dry_run,
            )
        except CourseLoadRefused as exc:
            raise CommandError(_listing(f"{shown} could not be loaded", exc.problems)) from None
        except CourseFileError as exc:
            raise CommandError(
                _listing(f"{shown} is not a valid course file", exc.problems)
            ) from None

        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(report.summary()))


def _listing(heading: str, problems: list[str]) -> str:
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    # Nothing was written: the whole load runs in one transaction.
    return "\n".join([f"{heading} ({count}; nothing was changed):", *problems])
