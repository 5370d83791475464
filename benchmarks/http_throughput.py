"""Requests per second of the pages everyone opens, under gunicorn on PostgreSQL.

    .venv/bin/python benchmarks/http_throughput.py [--seconds 10] [--concurrency 8]

Creates a throwaway PostgreSQL database on the server of DATABASE_URL (default
postgres://postgres@127.0.0.1:5432), loads the demo, collects static files, and starts
gunicorn (2 workers x 4 threads, DEBUG=0, production settings but plain HTTP) on a free
loopback port. Then, for each endpoint in turn, a bounded load from loopback: `concurrency`
keep-alive clients for `seconds`. Prints requests per second and each one's ratio to
`GET /api/courses/`, the cheapest authenticated endpoint. The database is dropped at the end.

Later features add their pages to ENDPOINTS.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
COURSE = "mlsys-2025-live"

# (label, path, who): who is "token" (API token of student01), "session" (signed-in
# student01), "feed" (the student's calendar feed key) or "anonymous".
ENDPOINTS = [
    ("/api/courses/ (token)", "/api/courses/", "token"),
    ("schedule API (token)", f"/api/courses/{COURSE}/schedule/", "token"),
    ("course page", f"/courses/{COURSE}/", "session"),
    ("calendar feed", f"/courses/{COURSE}/schedule.ics", "anonymous"),
    ("login page (anonymous)", "/accounts/login/", "anonymous"),
    ("slots API (token)", f"/api/courses/{COURSE}/slots/", "token"),
    ("papers API (token)", f"/api/courses/{COURSE}/papers/", "token"),
    ("dashboard", f"/courses/{COURSE}/dashboard/", "session"),
]
BASELINE = "/api/courses/ (token)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--conn-max-age", default=None, help="override CONN_MAX_AGE")
    args = parser.parse_args()

    import psycopg

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    base = server.rsplit("/", 1)[0]
    name = f"courseapp_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
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
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    if args.conn_max_age is not None:
        env["CONN_MAX_AGE"] = args.conn_max_age
    gunicorn = None
    try:
        manage = [PYTHON, str(ROOT / "manage.py")]
        for command in (
            ["migrate", "--noinput"],
            ["demo", "--force"],
            ["collectstatic", "--noinput"],
        ):
            subprocess.run([*manage, *command], env=env, check=True, capture_output=True)
        gunicorn = subprocess.Popen(
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
        wait_until_up(port)
        credentials = sign_in(port)
        results = {}
        for label, path, who in ENDPOINTS:
            headers = credentials[who]
            status = get(port, path, headers)[0]
            if status != 200:
                print(f"  {label}: HTTP {status}, skipped")
                continue
            results[label] = load(port, path, headers, args.seconds, args.concurrency)
        report(results, args)
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            get(port, "/accounts/login/", {})
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def get(port: int, path: str, headers: dict, connection=None) -> tuple[int, bytes]:
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if own:
        connection.close()
    return response.status, body


def sign_in(port: int) -> dict[str, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"username": "student01", "password": "demo"})
    connection.request(
        "POST", "/api/auth/token/", body=body, headers={"Content-Type": "application/json"}
    )
    token = json.loads(connection.getresponse().read())["token"]

    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    middleware_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urlencode(
        {"username": "student01", "password": "demo", "csrfmiddlewaretoken": middleware_token}
    )
    connection.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    connection.close()
    return {
        "token": {"Authorization": f"Token {token}"},
        "session": {"Cookie": f"sessionid={session}"},
        "anonymous": {},
    }


def load(port: int, path: str, headers: dict, seconds: float, concurrency: int) -> float:
    counts = [0] * concurrency
    errors = [0] * concurrency
    stop = time.perf_counter() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            try:
                status, _ = get(port, path, headers, connection)
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            if status == 200:
                counts[index] += 1
            else:
                errors[index] += 1
        connection.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if sum(errors):
        print(f"  {path}: {sum(errors)} failed requests")
    return sum(counts) / elapsed


def report(results: dict[str, float], args) -> None:
    conn_max_age = args.conn_max_age or "settings default"
    print(
        f"requests per second, gunicorn 2 workers x 4 threads, {args.concurrency} clients, "
        f"{args.seconds:g} s each, CONN_MAX_AGE={conn_max_age}"
    )
    baseline = results.get(BASELINE)
    for label, rps in results.items():
        ratio = f"{rps / baseline:5.2f}x" if baseline else ""
        print(f"  {label:28} {rps:8.1f}  {ratio}")


if __name__ == "__main__":
    main()
