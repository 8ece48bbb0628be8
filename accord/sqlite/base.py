"""Django's SQLite backend whose write transactions queue in turn within a process.

With ``transaction_mode`` IMMEDIATE every transaction takes SQLite's single write lock
at ``BEGIN``. A connection that finds it taken polls with growing sleeps until its
``timeout``; the one that polls at the right moment wins, so under many writers
(50 intakes at once) some wait far longer than their turn and fail with "database is
locked" after the timeout: a refusal. Here the threads of one process first wait for
a lock of their own (woken in turn as it is released, no polling), so each waits
about as long as the transactions ahead of it; SQLite's lock then only arbitrates
between processes. A thread that cannot get its turn within the timeout fails as
SQLite would ("database is locked"), never hangs.

Between processes, SQLite's own wait is unfair: a connection that finds the lock taken sleeps
1, 2, 5 ... then 100 ms between tries, while a process that commits and begins again at once
(a background job escalating a thousand tasks, each in its own transaction) takes the lock
back within microseconds. The others' tries almost never land in the gap: a web process's
audit write waited out its 20 s and the page was refused, and the background worker stopped
(measured under the load test). So here ``BEGIN``, and each write Django makes outside a
transaction (``FairCursor``), is tried every millisecond or two until the timeout
(``when_free``), and a background process leaves a gap of ``GIVE_WAY`` seconds after each of
its write transactions (``give_way``; ``accord serve``'s background commands set it), in which a
waiting web process gets in.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

#: Seconds between two tries of ``BEGIN`` while another process holds the write lock: the
#: first tries come quickly, then no further apart than ``_POLL_MOST``.
_POLL_FIRST, _POLL_MOST = 0.0005, 0.002


class Turns:
    """A lock handed to its waiters first come, first served (``threading.Lock`` wakes an
    arbitrary waiter, so under 50 writers one could still wait out the timeout)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Event] = deque()

    def acquire(self, *, timeout: float) -> bool:
        with self._guard:
            if not self._held:
                self._held = True
                return True
            mine = threading.Event()
            self._waiting.append(mine)
        if mine.wait(timeout):
            return True
        with self._guard:
            if mine in self._waiting:  # gave up before its turn came
                self._waiting.remove(mine)
                return False
        return True  # the turn came just as the wait ended

    def release(self) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().set()  # handed over: stays held
            else:
                self._held = False


_TURNS: dict[str, Turns] = {}
_TURNS_GUARD = threading.Lock()


def turns_for(name: str) -> Turns:
    with _TURNS_GUARD:
        return _TURNS.setdefault(name, Turns())


#: Seconds a background process leaves between the end of one of its write transactions and
#: the start of its next (0 in a web process). Set by ``give_way``.
GIVE_WAY = 0.0
#: What the background processes leave: a web process polling every 2 ms gets in.
BACKGROUND_GAP = 0.005


def give_way(seconds: float) -> None:
    """Make this process leave ``seconds`` between its write transactions, so that other
    processes waiting for SQLite's write lock get in (the background worker and the periodic
    job runner call it; their work can wait a few milliseconds, a person's page should not)."""
    global GIVE_WAY
    GIVE_WAY = max(0.0, seconds)


def _is_locked(exc: BaseException) -> bool:
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


def when_free(raw: Any, run: Callable[[], Any], *, deadline: float, timeout: float) -> Any:
    """``run()`` a statement that needs the write lock, trying again every millisecond or two
    while another process holds it, until ``deadline``; SQLite's own wait (which sleeps up to
    100 ms between tries) is off meanwhile and restored after. A try refused with "database is
    locked" wrote nothing, so trying again is safe."""
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        pause = _POLL_FIRST
        while True:
            try:
                return run()
            except (OperationalError, sqlite3.OperationalError) as exc:
                if not _is_locked(exc) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, _POLL_MOST)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


#: Statements that write (outside a transaction SQLite takes the write lock for each alone).
_WRITES = ("insert", "update", "delete", "replace")


class FairCursor(base.SQLiteCursorWrapper):
    """Django's cursor, whose writes outside a transaction (Django's autocommit: a session
    touched, a counter bumped) wait for the lock as ``BEGIN`` does here."""

    def execute(self, query: str, params: Any = None) -> Any:
        if not self._writes_alone(query):
            return super().execute(query, params)
        return self._when_free(lambda: super(FairCursor, self).execute(query, params))

    def executemany(self, query: str, param_list: Any) -> Any:
        if not self._writes_alone(query):
            return super().executemany(query, param_list)
        rows = list(param_list)  # tried again whole if refused
        return self._when_free(lambda: super(FairCursor, self).executemany(query, rows))

    def _writes_alone(self, query: str) -> bool:
        """A write outside a transaction (SQLite takes the write lock for it alone)."""
        return not self.connection.in_transaction and query.lstrip()[:7].lower().startswith(_WRITES)

    def _when_free(self, run: Callable[[], Any]) -> Any:
        (timeout_ms,) = self.connection.execute("PRAGMA busy_timeout").fetchone()
        timeout = timeout_ms / 1000
        return when_free(self.connection, run, deadline=time.monotonic() + timeout, timeout=timeout)


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_turn: Turns | None = None
    #: When this connection's last write transaction ended (``time.monotonic``).
    _write_ended: float | None = None

    def _start_transaction_under_autocommit(self) -> None:
        # django-stubs omit the SQLite backend's transaction attributes
        begin = super()._start_transaction_under_autocommit  # type: ignore[misc]
        if getattr(self, "transaction_mode", None) not in ("IMMEDIATE", "EXCLUSIVE"):
            begin()
            return
        turn = turns_for(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        if GIVE_WAY and self._write_ended is not None:
            time.sleep(max(0.0, self._write_ended + GIVE_WAY - time.monotonic()))
        if not turn.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._holds_turn = turn
        try:
            when_free(self.connection, begin, deadline=deadline, timeout=timeout)
        except BaseException:
            self._give_turn_back()
            raise

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=FairCursor)

    def _set_autocommit(self, autocommit: bool) -> None:
        try:
            super()._set_autocommit(autocommit)  # type: ignore[misc]  # absent from django-stubs
        finally:
            if autocommit:
                # The outermost atomic block ended (committed or rolled back). Given back
                # here, before Django runs the on-commit hooks, which may open a transaction
                # of their own.
                self._give_turn_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if not self.is_in_memory_db():  # closed for real: SQLite ended its transaction
                self._give_turn_back()

    def _give_turn_back(self) -> None:
        turn, self._holds_turn = self._holds_turn, None
        if turn is not None:
            self._write_ended = time.monotonic()
            turn.release()
