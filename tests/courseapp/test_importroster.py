from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.core.management.base import BaseCommand

from courseapp.management.commands.importroster import Command
from courseapp.models import Enrollment

User = get_user_model()
HEADER = "username,email,first_name,last_name,role,student_id"


@pytest.fixture
def roster_file(tmp_path):
    def write(*rows: str, data: bytes | None = None):
        path = tmp_path / "roster.csv"
        path.write_bytes(data if data is not None else "\n".join([HEADER, *rows]).encode())
        return str(path)

    return write


def run(*args, **options) -> str:
    out = StringIO()
    call_command("importroster", *args, stdout=out, **options)
    return out.getvalue()


def test_import_prints_what_changed_and_enrols(course, student, roster_file):
    path = roster_file("carol,carol@example.org,Carol,Chen,student,S100", "alice,,,,student,")

    output = run("seminar", path)

    assert output.splitlines() == [
        "create user carol (Carol Chen)",
        "enrol carol as student (S100)",
        "seminar: 1 new user, 0 updated users, 1 new enrolment, 0 changed enrolments, "
        "0 admin access grants, 1 unchanged, 0 not in file (kept enrolled)",
    ]
    assert Enrollment.objects.filter(course=course, user__username="carol").exists()


def test_second_run_says_nothing_changed(course, roster_file):
    path = roster_file("carol,,,,student,S100")
    run("seminar", path)

    output = run("seminar", path, verbosity=2)

    assert output.splitlines() == [
        "unchanged carol",
        "seminar: nothing to change (1 unchanged, 0 not in file (kept enrolled))",
    ]


def test_people_not_in_the_file_are_listed(course, student, roster_file):
    output = run("seminar", roster_file("carol,,,,student,"))

    assert "not in file alice as student (S001)" in output.splitlines()
    assert Enrollment.objects.filter(course=course, user=student).exists()


def test_dry_run_prints_and_writes_nothing(course, roster_file):
    output = run("seminar", roster_file("carol,,,,instructor,"), dry_run=True)

    assert "create user carol" in output
    assert "grant admin access to carol" in output
    assert "Dry run, nothing written." in output
    assert not User.objects.filter(username="carol").exists()


def test_a_bad_file_lists_every_problem_and_changes_nothing(course, roster_file):
    path = roster_file("carol,,,,prof,", "dave,bad-email,,,student,", "carol,,,,ta,")

    with pytest.raises(CommandError) as caught:
        run("seminar", path)

    assert str(caught.value).splitlines() == [
        f"{path} cannot be imported (3 problems; nothing was changed):",
        "row 2, column role: 'prof' is not one of student, ta, instructor",
        "row 3, column email: 'bad-email' is not a valid email address",
        "row 4, column username: 'carol' already appears in row 2",
    ]
    assert not User.objects.filter(username__in=["carol", "dave"]).exists()


def test_a_file_that_is_not_utf8_is_refused_with_its_row(course, roster_file):
    path = roster_file(data=f"{HEADER}\nrene,,Ren\xe9,,student,\n".encode("latin-1"))

    with pytest.raises(CommandError) as caught:
        run("seminar", path)

    assert "row 2, column first_name: not UTF-8 text (byte 0xE9)" in str(caught.value)
    assert not User.objects.filter(username="rene").exists()


def test_unknown_course_code_names_the_known_ones(course, other_course, roster_file):
    with pytest.raises(CommandError) as caught:
        run("nope", roster_file("carol,,,,student,"))

    assert str(caught.value) == (
        "No course with the code 'nope'. Known courses: other-seminar, seminar."
    )


def test_missing_file_is_a_clear_error(course, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("seminar", str(tmp_path / "missing.csv"))


@pytest.fixture
def keep_connection(monkeypatch):
    """run_from_argv closes every connection when done, which would end the test's transaction."""
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)


@pytest.mark.usefixtures("keep_connection")
def test_errors_exit_non_zero_from_the_command_line(course, roster_file, capsys):
    path = roster_file("carol,,,,prof,")

    with pytest.raises(SystemExit) as caught:
        Command().run_from_argv(["manage.py", "importroster", "seminar", path])

    assert caught.value.code == 1
    err = capsys.readouterr().err
    assert "row 2, column role: 'prof' is not one of student, ta, instructor" in err


@pytest.mark.usefixtures("keep_connection")
def test_success_exits_zero_from_the_command_line(course, roster_file, capsys):
    command: BaseCommand = Command()

    command.run_from_argv(
        ["manage.py", "importroster", "seminar", roster_file("carol,,,,student,")]
    )

    assert "seminar: 1 new user, " in capsys.readouterr().out
    assert User.objects.filter(username="carol").exists()


def test_invite_sends_the_new_accounts_a_link(
    course, roster_file, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://courses.example.edu"

    with django_capture_on_commit_callbacks(execute=True):
        out = run("seminar", roster_file("zoe,zoe@example.org,Zoe,Z,student,Z1"), invite=True)

    assert "invite zoe <zoe@example.org>" in out
    assert [m.to for m in mailoutbox] == [["zoe@example.org"]]
    assert "https://courses.example.edu/accounts/password/reset/" in mailoutbox[0].body


def test_kept_details_of_a_shared_account_are_printed(course, outsider, roster_file):
    out = run("seminar", roster_file("mallory,evil@attacker.example,,,student,S9"))

    assert (
        "kept: mallory's email 'mallory@example.org' (the file says 'evil@attacker.example'): "
        "the account belongs to other courses" in out
    )


def test_the_optional_section_column_is_read(course, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(f"{HEADER},section\nzoe,,,,student,Z1,phd\n")

    run("seminar", str(path))

    assert Enrollment.objects.get(user__username="zoe").section == "phd"
