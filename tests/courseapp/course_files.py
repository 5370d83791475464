"""Helpers for the tests that load course files through `manage.py loadcourse`."""

from io import StringIO
from pathlib import Path

from django.apps import apps
from django.core.management import call_command

COURSE_DATA_APPS = ("courseapp", "schedule", "presentations", "grading")


def dump() -> dict[str, list[dict]]:
    """Every row of every course-data table (m2m links included), in primary-key order."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in COURSE_DATA_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"the test's edit no longer applies: {old!r}"
    return text.replace(old, new, 1)


def line_of(text: str, snippet: str) -> int:
    return text[: text.index(snippet)].count("\n") + 1


def loadcourse(path: Path, **options) -> list[str]:
    out = StringIO()
    call_command("loadcourse", str(path), stdout=out, **options)
    return out.getvalue().splitlines()
