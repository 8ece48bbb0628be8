"""The loop ``accord jobs run`` runs (``accord serve`` starts it beside the task worker).

Every tick (ACCORD_JOBS_TICK_SECONDS, default 60) it tries to claim every due job and runs the
ones it wins. Any number of runners may run against one database: the claim decides.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections

from .services import RunResult, holder_name, jobs_run_due

logger = logging.getLogger("accord.jobs")


def tick_interval() -> timedelta:
    """How often the runner looks for due jobs (a setting, shortened in tests)."""
    tick = getattr(settings, "ACCORD_JOBS_TICK", timedelta(seconds=60))
    return tick if isinstance(tick, timedelta) else timedelta(seconds=60)


def run_forever(
    *,
    stop: threading.Event,
    tick: timedelta | None = None,
    holder: str | None = None,
    report: Callable[[RunResult], None] | None = None,
) -> None:
    """Tick until ``stop`` is set; a tick that fails is logged and the next one tried."""
    wait = (tick or tick_interval()).total_seconds()
    name = holder or holder_name()
    while not stop.is_set():
        close_old_connections()  # a connection the database dropped is not reused
        try:
            for result in jobs_run_due(holder=name):
                if report is not None:
                    report(result)
        except Exception:  # never let one bad tick end the runner
            logger.exception("a tick of the periodic job runner failed")
        stop.wait(wait)
    close_old_connections()
