"""A burst of concurrent slot sign-ups over HTTP against two gunicorn processes.

    .venv/bin/python benchmarks/signup_race.py [--attempts 6] [--clients 24]

Creates a throwaway PostgreSQL database on the server of DATABASE_URL (default
postgres://postgres@127.0.0.1:5432), loads the demo, and frees every future slot of the live
course (and lets any student book any session) so that all 24 demo students race for the
same few seats. Starts two gunicorn processes (2 workers x 4 threads each) on two loopback
ports of that one database, then every student fires `--attempts` sign-ups at once, at the
open slots in turn, alternating between the two servers. Prints:

- attempts, bookings made, 409 refusals (by code), other 4xx, 5xx;
- overbooked slots (more talks than capacity), students holding two slots for one talk.

The last three must be 0; CI runs a small burst and fails otherwise. The database is dropped
at the end.
"""

import argparse
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
COURSE = "mlsys-2025-live"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=6, help="sign-ups each student fires")
    parser.add_argument("--clients", type=int, default=24, help="students taking part")
    args = parser.parse_args()

    import psycopg

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    base = server.rsplit("/", 1)[0]
    name = f"courseapp_race_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{name}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        # Every refusal is a 409, which Django logs as a warning: keep the output readable.
        "LOG_LEVEL": "ERROR",
    }
    servers = []
    try:
        manage = [PYTHON, str(ROOT / "manage.py")]
        for command in (
            ["migrate", "--noinput"],
            ["demo", "--force"],
            ["collectstatic", "--noinput"],
        ):
            subprocess.run([*manage, *command], env=env, check=True, capture_output=True)
        slot_ids = prepare(env)
        for port in ports:
            servers.append(
                subprocess.Popen(
                    [
                        str(Path(PYTHON).with_name("gunicorn")),
                        "courseapp.wsgi",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "2",
                        "--threads",
                        "4",
                        "--log-level",
                        "warning",
                    ],
                    cwd=ROOT,
                    env=env,
                )
            )
        for port in ports:
            wait_until_up(port)
        tokens = [token(ports[0], f"student{n:02d}") for n in range(1, args.clients + 1)]
        outcomes = burst(ports, tokens, slot_ids, args.attempts)
        return report(outcomes, check(env))
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=30)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _django(env: dict) -> None:
    os.environ.update({"DATABASE_URL": env["DATABASE_URL"], "DEBUG": "1"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courseapp.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(env: dict) -> list[int]:
    """Free every future slot of the live course; return the open slots' ids."""
    _django(env)
    from django.utils import timezone

    from courseapp.audit import Via
    from courseapp.models import Course
    from presentations.models import Presentation, Slot, SwapRequest, WaitlistEntry
    from presentations.selectors import slot_board
    from presentations.services import booking_move

    course = Course.objects.get(code=COURSE)
    Course.objects.filter(pk=course.pk).update(signup_category_must_match=False)
    course.refresh_from_db()
    board = slot_board(course=course, viewer=None, show_presenters=False, now=timezone.now())
    open_slots = [
        row.slot.pk for session in board.sessions if session.open for row in session.slots
    ]
    SwapRequest.objects.filter(course=course).delete()
    WaitlistEntry.objects.filter(course=course).delete()
    for talk in Presentation.objects.filter(slot__in=open_slots):
        booking_move(talk=talk, slot=None, actor=None, via=Via.COMMAND, reason="benchmark")
    assert not Slot.objects.filter(pk__in=open_slots, booked__gt=0).exists()
    return open_slots


def wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/accounts/login/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn on port {port} did not start")


def token(port: int, username: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"username": username, "password": "demo"})
    connection.request(
        "POST", "/api/auth/token/", body=body, headers={"Content-Type": "application/json"}
    )
    return json.loads(connection.getresponse().read())["token"]


def burst(ports: list[int], tokens: list[str], slot_ids: list[int], attempts: int) -> list:
    """Every student fires `attempts` sign-ups at once; returns (status, code) of each."""
    barrier = threading.Barrier(len(tokens) * attempts)
    outcomes, lock = [], threading.Lock()

    def fire(index: int, key: str, attempt: int) -> None:
        port = ports[(index + attempt) % len(ports)]
        slot = slot_ids[(index + attempt) % min(len(slot_ids), 4)]  # crowd a few slots
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        try:
            connection.request(
                "POST",
                f"/api/courses/{COURSE}/slots/{slot}/signup/",
                body="{}",
                headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            body = response.read()
            code = json.loads(body).get("code", "") if response.status >= 400 else ""
            outcome = (response.status, code)
        except (OSError, http.client.HTTPException, ValueError) as error:
            outcome = (0, type(error).__name__)
        with lock:
            outcomes.append(outcome)

    threads = [
        threading.Thread(target=fire, args=(index, key, attempt))
        for index, key in enumerate(tokens)
        for attempt in range(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def check(env: dict) -> dict:
    from django.db.models import Count, F

    from courseapp.models import Course
    from presentations.models import Presentation, Slot

    course = Course.objects.get(code=COURSE)
    slots = Slot.objects.filter(course=course).annotate(talks=Count("presentations"))
    return {
        "overbooked": slots.filter(talks__gt=F("capacity")).count()
        + slots.filter(booked__gt=F("capacity")).count(),
        "counter off": slots.exclude(booked=F("talks")).count(),
        "doubles": Presentation.objects.filter(course=course)
        .values("student", "number")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
    }


def report(outcomes: list, state: dict) -> int:
    statuses = Counter(status for status, _ in outcomes)
    codes = Counter(code for status, code in outcomes if status == 409)
    server_errors = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
    print(f"attempts {len(outcomes)}")
    print(f"bookings {statuses.get(201, 0)}")
    print(f"409 {statuses.get(409, 0)} ({', '.join(f'{c} {n}' for c, n in codes.most_common())})")
    other = sum(n for status, n in statuses.items() if 400 <= status < 500 and status != 409)
    print(f"other 4xx {other}")
    print(f"5xx {server_errors}")
    print(f"overbooked slots {state['overbooked']}")
    print(f"slots whose booking count disagrees with their talks {state['counter off']}")
    print(f"students holding two slots for one talk {state['doubles']}")
    bad = server_errors or state["overbooked"] or state["doubles"] or state["counter off"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
