"""The background worker outlives a locked database; background processes give way (issue 15).

Under the load test, SQLite's "database is locked" at the ``BEGIN`` with which django-tasks'
worker reads its queue ended the worker, and ``accord serve`` stopped every process with it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_tasks_db.management.commands import db_worker

from accord.jobs.management.commands.background_worker import SteadyWorker
from accord.sqlite import base as accord_sqlite


def _worker() -> SteadyWorker:
    return SteadyWorker(
        queue_names=["default"],
        interval=0.01,
        batch=True,
        backend_name="default",
        startup_delay=True,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


@pytest.mark.django_db
def test_a_locked_database_makes_the_worker_look_again_not_stop(monkeypatch):
    outcomes: list[BaseException | None] = [OperationalError("database is locked")] * 2 + [None]
    calls: list[bool] = []

    def run(self: Any) -> None:
        calls.append(self.startup_delay)
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(db_worker.Worker, "run", run)
    _worker().run()
    assert calls == [True, False, False]  # looked again twice, the start-up pause once


def test_any_other_database_error_still_stops_the_worker(monkeypatch):
    def run(self: Any) -> None:
        raise OperationalError("no such table: django_tasks_database_dbtaskresult")

    monkeypatch.setattr(db_worker.Worker, "run", run)
    with pytest.raises(OperationalError, match="no such table"):
        _worker().run()


def test_a_worker_told_to_stop_does_not_look_again(monkeypatch):
    calls: list[int] = []

    def run(self: Any) -> None:
        calls.append(1)
        self.running = False  # SIGTERM arrived while it waited for the lock
        raise OperationalError("database is locked")

    monkeypatch.setattr(db_worker.Worker, "run", run)
    with pytest.raises(OperationalError):
        _worker().run()
    assert calls == [1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command", [("jobs_run", "--once"), ("background_worker", "--batch", "--no-startup-delay")]
)
def test_the_background_processes_give_way_to_the_web_processes(command, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # as served
    monkeypatch.setattr(accord_sqlite, "GIVE_WAY", 0.0)
    monkeypatch.setattr(db_worker.Worker, "run", lambda self: None)
    call_command(*command, verbosity=0)
    assert accord_sqlite.GIVE_WAY == accord_sqlite.BACKGROUND_GAP > 0
