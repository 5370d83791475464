"""A throwaway database for a benchmark that runs Django in its own process."""

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def throwaway_database(kind: str) -> Iterator[None]:
    """Point DATABASE_URL at a new empty database for the block, and drop it afterwards.

    `kind` is "sqlite" (a file in a temporary folder) or "postgres" (a database created on
    the server of DATABASE_URL, default postgres://postgres@127.0.0.1:5432).
    """
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if kind == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
        yield
        return
    import psycopg

    base = server.rsplit("/", 1)[0]
    name = f"courseapp_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{base}/{name}"
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}"')
