"""Every way a score can change leaves history: a ScoreChange (who, when, old, new, reason,
path) and an AuditEntry, in the same transaction. Each write path is driven through its real
entry point; then the source is searched for any write of Score outside the services."""

import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courseapp.models import AuditEntry
from grading.imports import gradebook_import
from grading.models import Score, ScoreChange
from grading.services import ScoreInput, score_override, score_set, scores_set
from tests.grading.conftest import enrolment_of, leaf

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def alice(course, student):
    return enrolment_of(student, course)


def grades_url(course, rest=""):
    return f"/admin/courseapp/course/{course.pk}/grades/{rest}"


def history_of(alice, criterion) -> list[ScoreChange]:
    return list(ScoreChange.objects.filter(student=alice, criterion=criterion).order_by("pk"))


def assert_kept(change: ScoreChange, *, who, old, new, path, reason=""):
    assert (change.changed_by, change.old, change.new, change.path) == (who, old, new, path)
    assert change.changed_at is not None
    if reason:
        assert change.reason == reason
    # Its audit entry: same object, same values, same moment.
    (entry,) = [
        entry
        for entry in AuditEntry.objects.filter(
            object_type="grading.score",
            object_id=str(change.score_id),
            created_at=change.changed_at,
            action__startswith="score.",
        )
        if change.field in entry.new
    ]
    assert entry.actor == who
    assert entry.old[change.field] == old
    assert entry.new[change.field] == new
    assert entry.new["path"] == path


def test_the_admin_grid(course, alice, staff_instructor, client_of):
    review = leaf(course, "review")
    name = f"{alice.pk}-{review.pk}"
    response = client_of(staff_instructor).post(
        grades_url(course), {f"cell-{name}": "33", f"orig-{name}": "", f"ver-{name}": "0"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (change,) = history_of(alice, review)
    assert_kept(change, who=staff_instructor, old="", new="33", path="grid")


def test_the_staff_page_grid(course, alice, ta, client_of):
    course.ta_can_grade = True
    course.save()
    plan = leaf(course, "plan")
    name = f"{alice.pk}-{plan.pk}"
    response = client_of(ta).post(
        f"/courses/{course.code}/gradebook/",
        {f"cell-{name}": "12.5", f"orig-{name}": "", f"ver-{name}": "0"},
    )
    assert response.status_code == 302
    (change,) = history_of(alice, plan)
    assert_kept(change, who=ta, old="", new="12.5", path="grid")
    assert AuditEntry.objects.get(action="score.set").via == "page"


def test_the_admin_form_of_a_student(course, alice, staff_instructor, client_of):
    review = leaf(course, "review")
    response = client_of(staff_instructor).post(
        grades_url(course, f"student/{alice.pk}/"),
        {
            f"points-{review.pk}": "44",
            f"version-{review.pk}": "0",
            f"comment-{review.pk}": "Good coverage.",
            "action": "save",
        },
    )
    assert response.status_code == 302
    points, comment = history_of(alice, review)
    assert_kept(points, who=staff_instructor, old="", new="44", path="form")
    assert (comment.field, comment.new) == ("comment", "Good coverage.")


def test_the_csv_import(course, alice, staff_instructor, client_of):
    review = leaf(course, "review")
    score_set(student=alice, criterion=review, points=D(20), actor=staff_instructor, via="admin")
    client = client_of(staff_instructor)
    upload = SimpleUploadedFile("g.csv", b"username,review\nalice,25\n", content_type="text/csv")
    preview = client.post(grades_url(course, "import/"), {"file": upload})
    apply_form = preview.context["apply_form"]
    response = client.post(
        grades_url(course, "import/"),
        {
            "apply": "Apply",
            "csv_text": apply_form.initial["csv_text"],
            "digest": apply_form.initial["digest"],
        },
    )
    assert response.status_code == 302
    _, imported = history_of(alice, review)
    assert_kept(
        imported, who=staff_instructor, old="20", new="25", path="import", reason="CSV import"
    )


def test_an_override_and_its_removal(course, alice, staff_instructor, client_of):
    given = leaf(course, "feedback-given")
    client = client_of(staff_instructor)
    url = grades_url(course, f"student/{alice.pk}/")
    client.post(
        url,
        {
            f"override-{given.pk}": "4",
            f"reason-{given.pk}": "excused by the instructor",
            "action": f"override-{given.pk}",
        },
    )
    client.post(url, {f"reason-{given.pk}": "", "action": f"clear-{given.pk}"})
    override, recompute = history_of(alice, given)
    assert_kept(
        override, who=staff_instructor, old="", new="4", path="override",
        reason="excused by the instructor",
    )  # fmt: skip
    assert_kept(recompute, who=staff_instructor, old="4", new="", path="recompute")


def test_bulk_writes_by_a_command_or_the_demo(course, alice, other_student):
    bob = enrolment_of(other_student, course)
    review = leaf(course, "review")
    report = scores_set(
        course=course,
        entries=[ScoreInput(alice.pk, review.pk, D(30)), ScoreInput(bob.pk, review.pk, D(31))],
        actor=None,
        via="command",
        path=ScoreChange.Path.BULK,
        reason="demo",
    )
    assert len(report.changed) == 2
    for enrollment, new in ((alice, "30"), (bob, "31")):
        (change,) = history_of(enrollment, review)
        assert_kept(change, who=None, old="", new=new, path="bulk", reason="demo")


def test_the_import_service_and_override_service_directly(course, alice, instructor):
    gradebook_import(
        course=course, csv_text="username,plan\nalice,7\n", actor=instructor, via="command"
    )
    score_override(
        student=alice, criterion=leaf(course, "organisation"), points=D(10), reason="r",
        actor=instructor, via="command",
    )  # fmt: skip
    assert (
        ScoreChange.objects.count()
        == AuditEntry.objects.filter(action__startswith="score.").count()
        == 2
    )


def test_every_score_change_has_a_history_row_and_an_audit_entry(
    course, alice, staff_instructor, client_of
):
    # Whatever ran above in other tests, here: each change of a score row is one version.
    review = leaf(course, "review")
    for points in ("10", "11", "12"):
        score_set(
            student=alice, criterion=review, points=D(points), actor=staff_instructor, via="admin"
        )
    score = Score.objects.get(student=alice, criterion=review)
    assert score.version == ScoreChange.objects.filter(score=score).count() == 3


# No code writes Score rows but grading/services.py: a new write path must go through it.
_WRITE = re.compile(
    r"Score\.objects\.[^\n]*\b(create|update|bulk_create|bulk_update|update_or_create|"
    r"get_or_create|delete)\(|score\.save\(|score\.delete\("
)


def test_no_code_writes_scores_around_the_services():
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(("tests/", ".venv/", "benchmarks/")) or "/migrations/" in relative:
            continue
        if relative == "grading/services.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _WRITE.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
