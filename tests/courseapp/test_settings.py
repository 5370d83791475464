import os
import socketserver
import subprocess
import sys
import threading
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


# Mail and SITE_URL -----------------------------------------------------------------------

MAIL_VARIABLES = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
    "SITE_URL",
)

PRINT_MAIL_SETTINGS = (
    "from courseapp import settings as s;"
    " print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL,"
    " s.EMAIL_TIMEOUT, s.SITE_URL, sep='|')"
)


def mail_settings(**env: str) -> list[str]:
    result = run_python(PRINT_MAIL_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


@pytest.fixture
def clean_mail_environment(monkeypatch):
    for name in MAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_mail_goes_to_the_console_by_default(clean_mail_environment):
    backend, host, port, tls, ssl, timeout, site = mail_settings()
    assert backend == "django.core.mail.backends.console.EmailBackend"
    assert site == "http://127.0.0.1:8000"
    assert timeout == "10"


def test_an_email_host_switches_to_smtp(clean_mail_environment):
    backend, host, port, tls, ssl, _, _ = mail_settings(EMAIL_HOST="smtp.example.edu")
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
    assert (host, port, tls, ssl) == ("smtp.example.edu", "25", "False", "False")


@pytest.mark.parametrize(
    ("env", "port"),
    [
        ({"EMAIL_USE_TLS": "1"}, "587"),
        ({"EMAIL_USE_SSL": "yes"}, "465"),
        ({"EMAIL_USE_TLS": "1", "EMAIL_PORT": "2525"}, "2525"),
    ],
)
def test_the_smtp_port_follows_the_encryption(clean_mail_environment, env, port):
    assert mail_settings(EMAIL_HOST="smtp.example.edu", **env)[2] == port


def test_an_explicit_backend_wins(clean_mail_environment):
    backend = "django.core.mail.backends.filebased.EmailBackend"
    assert mail_settings(EMAIL_BACKEND=backend, EMAIL_HOST="smtp.example.edu")[0] == backend


def test_smtp_without_a_host_uses_the_local_mail_server(clean_mail_environment):
    backend, host, *_ = mail_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    assert host == "localhost"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "EMAIL_USE_TLS and EMAIL_USE_SSL are"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not an integer"),
        ({"EMAIL_USE_TLS": "sometimes"}, "EMAIL_USE_TLS='sometimes' is not a boolean"),
        ({"SITE_URL": "courses.example.edu"}, "SITE_URL='courses.example.edu' is not an origin"),
        ({"SITE_URL": "https://courses.example.edu/app"}, "is not an origin"),
        ({"SITE_URL": "ftp://courses.example.edu"}, "is not an origin"),
        ({"SITE_URL": "https://user:pw@courses.example.edu"}, "is not an origin"),
        ({"SITE_URL": "https://courses.example.edu:port"}, "is not an origin"),
        ({"SITE_URL": "https://courses.example.edu/?a=1"}, "is not an origin"),
    ],
)
def test_a_bad_mail_setting_stops_start_up(clean_mail_environment, env, message):
    result = run_python("import courseapp.settings", **env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("https://courses.example.edu/", "https://courses.example.edu"),
        ("https://courses.example.edu:8443", "https://courses.example.edu:8443"),
        (" http://[::1]:8000 ", "http://[::1]:8000"),
    ],
)
def test_site_url_is_read_as_an_origin(clean_mail_environment, raw, origin):
    assert mail_settings(SITE_URL=raw)[6] == origin


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of an SMTP server to take one message (RFC 5321, no extensions)."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                self.wfile.write(b"250 test\r\n")
            elif command == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    data += self.rfile.readline()
                self.server.messages.append(data.decode())
                self.wfile.write(b"250 queued\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_mail_reaches_the_smtp_server_named_in_the_environment(clean_mail_environment, smtp_server):
    result = manage(
        "shell",
        "-c",
        "from django.core.mail import send_mail; send_mail('Hello', 'Body', None, ['a@x.org'])",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.server_address[1]),
        DEFAULT_FROM_EMAIL="Seminar <seminar@example.edu>",
    )
    assert result.returncode == 0, result.stderr
    (message,) = smtp_server.messages
    assert "From: Seminar <seminar@example.edu>" in message
    assert "To: a@x.org" in message
    assert "Subject: Hello" in message
