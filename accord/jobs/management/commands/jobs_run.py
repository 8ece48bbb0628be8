"""``accord jobs run``: the periodic job runner (``accord serve`` starts it; or run it yourself)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.jobs.runner import run_forever, tick_interval
from accord.jobs.services import RunResult, holder_name, jobs_run_due
from accord.sqlite.base import BACKGROUND_GAP, give_way


class Command(BaseCommand):
    help = (
        "Run the periodic jobs when they are due (every tick, ACCORD_JOBS_TICK_SECONDS), "
        "exactly once across every runner sharing the database. Stops on SIGTERM or Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one tick, then exit (for cron)")

    def handle(self, *args: Any, **options: Any) -> None:
        give_way(BACKGROUND_GAP)  # on SQLite, a person's page goes before a job's next write
        if options["once"]:
            for result in jobs_run_due(holder=holder_name()):
                self._report(result)
            return
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        holder = holder_name()
        self.stdout.write(
            f"Periodic jobs: runner {holder} started, looking every "
            f"{tick_interval().total_seconds():g} s"
        )
        self.stdout.flush()
        run_forever(stop=stop, holder=holder, report=self._report)

    def _report(self, result: RunResult) -> None:
        if result.succeeded:
            self.stdout.write(f"{result.name}: {result.summary}")
        else:
            self.stderr.write(f"{result.name} failed: {result.error}")
        self.stdout.flush()
