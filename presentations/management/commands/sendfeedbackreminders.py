from django.core.management.base import BaseCommand

from presentations.feedback_services import feedback_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail each student whose owed peer feedback closes within 24 hours and is not given "
        "yet, once per session window (what was sent is recorded: safe to run from cron as "
        "often as you like)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--within-hours",
            type=int,
            default=24,
            help="Remind of windows closing within this many hours (default 24).",
        )

    def handle(self, *args, within_hours: int, **options):
        sent = feedback_reminders_send(within_hours=within_hours)
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} feedback reminder(s)."))
