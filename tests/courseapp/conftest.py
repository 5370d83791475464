from pathlib import Path

import pytest


@pytest.fixture
def course_file(tmp_path):
    """`course_file(text)`: the text saved as a course file; returns its path."""

    def write(text: str, name: str = "course.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
