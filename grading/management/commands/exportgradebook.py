import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courseapp.models import Course
from grading.exporters import EXPORTERS, CanvasExporter
from grading.selectors import gradebook_rows

FORMATS = ["csv", "xlsx", "canvas"]


class Command(BaseCommand):
    help = (
        "Write a course's gradebook: every student with each criterion's points, each part's "
        "current percentage and final points, the course's current and final totals, the "
        "letter and flags (csv, xlsx), or the Canvas gradebook-import file (canvas). To the "
        "standard output unless -o names a file (xlsx needs -o)."
    )

    def add_arguments(self, parser):
        parser.add_argument("course_code", help="The course's code, e.g. mlsys-2025")
        parser.add_argument("--format", choices=FORMATS, required=True)
        parser.add_argument("-o", "--output", help="The file to write (default: standard output)")
        parser.add_argument(
            "--items",
            choices=CanvasExporter.ITEMS,
            default="leaves",
            help="canvas: send every criterion (leaves), each part, or the course total.",
        )
        parser.add_argument(
            "--active-only",
            action="store_true",
            help="Leave withdrawn students out (they are listed, flagged, by default).",
        )

    def handle(self, *args, course_code: str, format: str, output, items: str, **options):
        course = Course.objects.filter(code=course_code).first()
        if course is None:
            known = ", ".join(Course.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(
                f"No course with the code {course_code!r}. "
                + (f"Known courses: {known}." if known else "There are no courses yet.")
            )
        if format == "xlsx" and not output:
            raise CommandError("--format xlsx writes a binary file: name it with -o FILE")
        book = gradebook_rows(course=course, include_withdrawn=not options["active_only"])
        exporter = EXPORTERS[format](book, items=items)
        try:
            if output:
                with Path(output).open("wb") as out:
                    for chunk in exporter.chunks():
                        out.write(chunk)
            else:
                stream = getattr(self.stdout, "_out", sys.stdout)
                binary = getattr(stream, "buffer", None)
                for chunk in exporter.chunks():
                    if binary is not None:
                        binary.write(chunk)
                    else:
                        stream.write(chunk.decode("utf-8"))
                stream.flush()
        except OSError as exc:
            raise CommandError(f"{output}: {exc.strerror or exc}") from None
        if output:
            self.stderr.write(f"{course.code}: {len(book.rows)} students written to {output}")
