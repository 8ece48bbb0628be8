"""Between processes, a writer waiting for SQLite's lock gets in (issue 15's load test).

SQLite's own wait sleeps up to 100 ms between tries; a process that commits and begins again
almost at once (a job writing a thousand rows, one transaction each) took the lock back every
time, and a web process's audit write waited out its timeout. Another process is played here
by a plain ``sqlite3`` connection on the same file (it takes no turn in this process's queue).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection

from accord.sqlite import base as accord_sqlite


def _writer(path: Path, *, timeout: float) -> accord_sqlite.DatabaseWrapper:
    settings = {
        **connection.settings_dict,
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
        "TEST": {},
    }
    return accord_sqlite.DatabaseWrapper(settings, alias=f"writer-{path.name}")


def _begin_and_commit(writer: accord_sqlite.DatabaseWrapper) -> None:
    writer.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    writer.cursor().execute("INSERT INTO marks (who) VALUES ('waiter')")
    writer.commit()
    writer.set_autocommit(True)


@pytest.fixture
def database(tmp_path: Path, django_db_blocker: Any) -> Any:
    """A file of its own (not the suite's database), which these tests' writers may open."""
    path = tmp_path / "shared.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE marks (who TEXT)")
    with django_db_blocker.unblock():
        yield path


class OtherProcess:
    """Holds the write lock, lets it go for ``gap`` seconds after ``first_hold``, then holds it
    again for ``second_hold`` (as a job does between two of its transactions, slowly)."""

    def __init__(self, path: Path, *, first_hold: float, gap: float, second_hold: float):
        self.db = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
        self.holding = threading.Event()
        self.times = (first_hold, gap, second_hold)
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        first_hold, gap, second_hold = self.times
        self.db.execute("BEGIN IMMEDIATE")
        self.holding.set()
        time.sleep(first_hold)
        self.db.execute("COMMIT")
        time.sleep(gap)
        self.db.execute("BEGIN IMMEDIATE")  # waits while the other writer got in
        self.db.execute("INSERT INTO marks (who) VALUES ('other process')")
        time.sleep(second_hold)
        self.db.execute("COMMIT")

    def __enter__(self) -> OtherProcess:
        self.thread.start()
        assert self.holding.wait(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.thread.join(20)
        self.db.close()


def test_a_writer_gets_in_during_a_short_gap_between_another_process_s_transactions(database):
    """The gap opens 250 ms after the writer first finds the lock taken and lasts 40 ms:
    SQLite's own tries come at about 228 and 328 ms by then, both outside it."""
    writer = _writer(database, timeout=1.5)
    try:
        with OtherProcess(database, first_hold=0.25, gap=0.04, second_hold=3.0):
            _begin_and_commit(writer)
        with sqlite3.connect(database) as db:
            order = [who for (who,) in db.execute("SELECT who FROM marks ORDER BY rowid")]
        assert order == ["waiter", "other process"]
    finally:
        writer.close()


def test_a_write_outside_a_transaction_gets_in_during_the_gap_too(database):
    """Django's autocommit writes (a session touched on every request) take SQLite's lock
    statement by statement; they wait for it the same way."""
    writer = _writer(database, timeout=1.5)
    try:
        with OtherProcess(database, first_hold=0.25, gap=0.04, second_hold=3.0):
            writer.cursor().execute("INSERT INTO marks (who) VALUES (%s)", ["waiter"])
        with sqlite3.connect(database) as db:
            order = [who for (who,) in db.execute("SELECT who FROM marks ORDER BY rowid")]
        assert order == ["waiter", "other process"]
        assert writer.cursor().execute("PRAGMA busy_timeout").fetchone()[0] == 1500
    finally:
        writer.close()


def test_a_writer_still_gives_up_at_its_timeout(database):
    writer = _writer(database, timeout=0.3)
    try:
        with OtherProcess(database, first_hold=1.0, gap=0.0, second_hold=0.0):
            started = time.monotonic()
            with pytest.raises(OperationalError, match="database is locked"):
                _begin_and_commit(writer)
            assert time.monotonic() - started < 0.9  # gave up at its timeout, not the holder's end
        # its own wait is back for later statements (SQLite's busy timeout, in ms)
        assert writer.cursor().execute("PRAGMA busy_timeout").fetchone()[0] == 300
    finally:
        writer.close()


def test_a_background_process_leaves_a_gap_between_its_write_transactions(database, monkeypatch):
    monkeypatch.setattr(accord_sqlite, "GIVE_WAY", 0.0)
    writer = _writer(database, timeout=1.0)
    try:
        _begin_and_commit(writer)
        started = time.monotonic()
        _begin_and_commit(writer)
        assert time.monotonic() - started < 0.2  # a web process goes on at once ...

        accord_sqlite.give_way(0.3)
        started = time.monotonic()
        _begin_and_commit(writer)
        assert time.monotonic() - started >= 0.3  # ... a background one waits its gap first
    finally:
        writer.close()
