from django.core.management.base import BaseCommand, CommandError

from courseapp.audit import Via
from courseapp.errors import DomainError
from courseapp.models import Course
from presentations.services import papers_assign


class Command(BaseCommand):
    help = (
        "Assign papers from the students' rankings (preference mode): as many talks as "
        "possible get a paper, then the lowest total rank. Papers already held stay. Prints "
        "how many got their 1st, 2nd, ... choice and who got none of theirs."
    )

    def add_arguments(self, parser):
        parser.add_argument("course_code", help="The course's code, e.g. mlsys-2025")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the assignment, and write nothing."
        )

    def handle(self, *args, course_code: str, dry_run: bool, **options):
        course = Course.objects.filter(code=course_code).first()
        if course is None:
            known = ", ".join(Course.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(
                f"No course with the code {course_code!r}. "
                + (f"Known courses: {known}." if known else "There are no courses yet.")
            )
        try:
            report = papers_assign(course=course, actor=None, via=Via.COMMAND, dry_run=dry_run)
        except DomainError as error:
            raise CommandError(error.message) from None
        for line in report.lines():
            self.stdout.write(line)
        for name in report.missed:
            self.stdout.write(f"got none of their choices: {name}")
        for name in report.without_paper:
            self.stdout.write(f"no paper left for: {name}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
