import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from courseapp.settings import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run_python(
        f"import sys; from manage import main; sys.argv = {['manage.py', *args]!r}; main()", **env
    )


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("yes", True), ("On", True), ("0", False), ("no", False)]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG", not expected) is expected
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", True) is True


def test_env_bool_refuses_a_value_it_cannot_read(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a boolean"):
        env_bool("FLAG", False)


def test_env_int_refuses_a_value_it_cannot_read(monkeypatch):
    monkeypatch.setenv("COUNT", "soon")
    with pytest.raises(ImproperlyConfigured, match="COUNT='soon' is not an integer"):
        env_int("COUNT", 1)
    monkeypatch.setenv("COUNT", "42")
    assert env_int("COUNT", 1) == 42


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_secret_key_is_required_outside_debug():
    result = run_python("import courseapp.settings", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_bad_debug_value_stops_start_up():
    result = run_python("import courseapp.settings", DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


def test_documented_production_settings_pass_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-production-secret-key-that-is-long-and-random-0123456789abcdefXYZ",
        ALLOWED_HOSTS="courses.example.edu",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_sqlite_waits_for_the_write_lock_instead_of_failing(tmp_path):
    result = run_python(
        "from courseapp import settings; o = settings.DATABASES['default']['OPTIONS'];"
        " print(o['transaction_mode'], o['timeout'])",
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    mode, timeout = result.stdout.split()
    assert mode == "IMMEDIATE"
    assert int(timeout) >= 5


def test_the_default_database_file_uses_wal(tmp_path):
    database = tmp_path / "dev.sqlite3"
    result = run_python(
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'courseapp.settings');"
        " django.setup(); from django.db import connection;"
        " print(connection.cursor().execute('PRAGMA journal_mode').fetchone()[0])",
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
