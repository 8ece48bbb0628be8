"""Numbers that never collide: the next value of a per-task-force series.

A series (case numbers of one year, protocol version numbers) is one ``Counter`` row.
Taking a number locks that row until the caller's transaction ends, so concurrent
writers queue on it rather than racing to the same "highest plus one" and being
refused. On PostgreSQL the lock is ``SELECT ... FOR UPDATE``; on SQLite every
transaction starts ``BEGIN IMMEDIATE`` (``accord.settings.base.sqlite_database``),
which already admits one writer at a time, and the row lock is a no-op.

A series that has no row yet is created on first use, starting after the highest
number already stored (``start``), so numbers made before the counter existed
(older data, fixtures) are never handed out again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

from .models import Counter

__all__ = ["PROTOCOL_VERSION_SERIES", "case_series", "counter_next"]

#: The series of protocol version numbers (1, 2, 3 ... per task force).
PROTOCOL_VERSION_SERIES = "protocol-version"


def case_series(year: int) -> str:
    """The series name of the case numbers of ``year``."""
    return f"case-{year}"


def counter_next(*, task_force_id: int, name: str, start: Callable[[], int] = lambda: 0) -> int:
    """The next number of the series ``name`` of a task force (1, 2, 3 ...).

    Must run inside the transaction that stores the number: the lock is held until
    it commits, and a rollback gives the number back. ``start`` computes the last
    number already in use when the series has no row yet.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("counter_next must run inside the transaction that uses the number.")
    rows = Counter.objects.select_for_update().filter(task_force_id=task_force_id, name=name)
    counter = rows.first()
    if counter is None:
        # Two first writers may both get here: the insert of the second is ignored
        # (after waiting for the first to commit, on PostgreSQL), and both lock the row.
        Counter.objects.bulk_create(
            [Counter(task_force_id=task_force_id, name=name, value=start())],
            ignore_conflicts=True,
        )
        counter = rows.get()
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value
