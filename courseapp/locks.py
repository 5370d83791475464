"""A writing service's transaction with a short lock wait, for rows many people change at once
(a popular slot, a talk's feedback): the services of presentations and feedback use it."""

from django.db import IntegrityError, OperationalError, connection, transaction

from courseapp.errors import DomainError


def short_lock_wait() -> None:
    # A queue of writes on one popular row must not pile up behind a stuck transaction: past
    # this wait the request fails cleanly ("try again") instead of hanging a worker.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '5s'")


class LockedWrite:
    """`with LockedWrite(SomeError, "Many people are booking right now."):` runs the block in
    a transaction with a short lock wait; a lock not had in time, or a constraint the database
    enforced, becomes a clean refusal (`SomeError`, code "busy" or "conflict")."""

    def __init__(self, error: type[DomainError], busy_message: str):
        self.error = error
        self.busy_message = busy_message
        self.atomic = transaction.atomic()

    def __enter__(self):
        self.atomic.__enter__()
        short_lock_wait()
        return self

    def __exit__(self, kind, error, traceback):
        handled = self.atomic.__exit__(kind, error, traceback)
        if isinstance(error, OperationalError):
            raise self.error("busy", f"{self.busy_message} Try again.") from error
        if isinstance(error, IntegrityError):
            raise self.error(
                "conflict", "Someone else changed this at the same moment. Try again."
            ) from error
        return handled
