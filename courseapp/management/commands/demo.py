from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courseapp.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = (
        "Load the demo course (archive and live copy) and the demo users "
        f"instructor, ta, student01..student24 (password '{DEMO_PASSWORD}')."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (demo passwords!)."
        )

    def handle(self, *args, force: bool, **options):
        # The demo users have a public password: never create them on a production site by
        # accident.
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to load demo users with DEBUG off; pass --force to do so.")
        report = demo_load()
        self.stdout.write(report.archive.summary())
        self.stdout.write(
            f"{report.live.summary()} (dates shifted by {report.live_shift_weeks} weeks)"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {report.users_created} users created; sign in as instructor, ta "
                f"or student01..student24 with password '{DEMO_PASSWORD}'."
            )
        )
