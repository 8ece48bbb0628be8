"""For management commands that do a periodic job's work by hand (cron, an operator)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.core.management.base import CommandError

from .services import JobBusy, Recorder, job_recorded


@contextmanager
def command_run(name: str, *, now: datetime | None = None) -> Iterator[Recorder]:
    """``job_recorded`` for a command: a job held elsewhere is a clear command error."""
    try:
        with job_recorded(name, now=now) as recorder:
            yield recorder
    except JobBusy as busy:
        raise CommandError(busy.message) from None
