from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courseapp.models import Course
from courseapp.roster import ROSTER_HEADER, RosterError, roster_decode, roster_import


class Command(BaseCommand):
    help = (
        "Enrol people in a course from a CSV file with the header "
        f"{','.join(ROSTER_HEADER)} and an optional section column (role: student, ta or "
        "instructor). New users have no password until they choose one (--invite e-mails them "
        "a link). An existing account's e-mail and names change only when it belongs to this "
        "course alone and has no admin access; otherwise they are kept and listed. Importing "
        "the same file twice changes nothing; a file with any problem changes nothing and every "
        "problem is listed with its row and column. Nobody is ever unenrolled."
    )

    def add_arguments(self, parser):
        parser.add_argument("course_code", help="The course's code, e.g. mlsys-2025")
        parser.add_argument("csv_path", help="The roster file (UTF-8 CSV)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would change, and write nothing.",
        )
        parser.add_argument(
            "--invite",
            action="store_true",
            help="E-mail each new account a link to choose its password (links use SITE_URL).",
        )

    def handle(
        self, *args, course_code: str, csv_path: str, dry_run: bool, invite: bool, **options
    ):
        course = Course.objects.filter(code=course_code).first()
        if course is None:
            known = ", ".join(Course.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(
                f"No course with the code {course_code!r}. "
                + (f"Known courses: {known}." if known else "There are no courses yet.")
            )
        try:
            data = Path(csv_path).read_bytes()
        except FileNotFoundError:
            raise CommandError(f"{csv_path}: no such file") from None
        except IsADirectoryError:
            raise CommandError(f"{csv_path}: is a directory, not a roster file") from None
        except OSError as exc:
            raise CommandError(f"{csv_path}: cannot read the file: {exc.strerror}") from None

        try:
            report = roster_import(
                course=course,
                csv_text=roster_decode(data),
                dry_run=dry_run,
                invite=invite and not dry_run,
            )
        except RosterError as exc:
            count = "1 problem" if len(exc.problems) == 1 else f"{len(exc.problems)} problems"
            raise CommandError(
                "\n".join(
                    [f"{csv_path} cannot be imported ({count}; nothing was changed):"]
                    + exc.problems
                )
            ) from None

        for line in report.lines():
            # Everyone unchanged is a long, dull list: shown with -v 2 only.
            if line.startswith("unchanged ") and options["verbosity"] < 2:
                continue
            self.stdout.write(line)
        prefix = "Dry run, nothing written. " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))
