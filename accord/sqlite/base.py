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
"""

from __future__ import annotations

import threading
from collections import deque

from django.db import OperationalError
from django.db.backends.sqlite3 import base


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


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_turn: Turns | None = None

    def _start_transaction_under_autocommit(self) -> None:
        # django-stubs omit the SQLite backend's transaction attributes
        begin = super()._start_transaction_under_autocommit  # type: ignore[misc]
        if getattr(self, "transaction_mode", None) not in ("IMMEDIATE", "EXCLUSIVE"):
            begin()
            return
        turn = turns_for(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not turn.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._holds_turn = turn
        try:
            begin()
        except BaseException:
            self._give_turn_back()
            raise

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
            turn.release()
