"""``accord manage background_worker``: django-tasks' database worker (``db_worker``), which a
locked database does not stop, and which gives way to the web processes on SQLite.

django-tasks-db's worker ignores a locked database while it reads its queue, but not while it
begins the transaction that reads it. Under the load test (50 users, the periodic runner
escalating 6,000 overdue tasks) SQLite's "database is locked" at that ``BEGIN`` ended the
worker, and ``accord serve`` stopped everything with it. This worker waits its interval and
looks again; any other error still ends it (and ``accord serve`` with it: a supervisor restarts
the whole server)."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.db import OperationalError, close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.utils import is_locked_database_exception

from accord.sqlite.base import BACKGROUND_GAP, give_way

logger = logging.getLogger("accord.jobs")


class SteadyWorker(db_worker.Worker):
    """A worker that outlives a locked database."""

    def run(self) -> None:
        while True:
            try:
                super().run()
                return
            except OperationalError as exc:
                if not self.running or not is_locked_database_exception(exc):
                    raise
                logger.warning(
                    "the background worker found the database locked; looking again in %g s",
                    self.interval,
                )
            self.startup_delay = False  # once is enough
            close_old_connections()
            time.sleep(self.interval)


class Command(db_worker.Command):
    help = (
        "Run the background worker (django-tasks' database worker): e-mail right after a "
        "change, long imports. A locked database makes it wait and look again."
    )

    def handle(  # the parent's keyword-only options
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        give_way(BACKGROUND_GAP)
        worker = SteadyWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
            return
        worker.configure_signals()
        worker.run()
