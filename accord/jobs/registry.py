"""The periodic jobs: each app registers its duties here in its ``AppConfig.ready``.

A job is a name, a label a person reads, how often it runs and a function that does the work
and returns a one-line summary. The function calls the same service the management command
calls, so cron and the runner do exactly the same thing. This module imports no app: the
registry is filled from outside, like the navigation and the sharing registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.functional import Promise

#: ``run(now)`` does the work and returns what a person reads afterwards ("2 tasks escalated").
JobFunction = Callable[[datetime], str]


@dataclass(frozen=True)
class Job:
    """One periodic duty: ``name`` is stable (it keys the run table), ``label`` is for people."""

    name: str
    #: Lazy (``gettext_lazy``): worded in the language of whoever reads it.
    label: str | Promise
    every: timedelta
    run: JobFunction
    #: How long a claim lasts before another process may take the job over (a crashed runner).
    lease: timedelta = timedelta(minutes=30)

    @property
    def retry_after(self) -> timedelta:
        """A failed run is tried again after one interval, at most an hour later (daily jobs)."""
        return min(self.every, timedelta(hours=1))


JOBS: dict[str, Job] = {}


def register(*jobs: Job) -> None:
    """Add ``jobs``; registering a name twice keeps the first (``ready`` may run twice)."""
    for job in jobs:
        JOBS.setdefault(job.name, job)


def registered() -> list[Job]:
    """Every job, in a stable order (by name)."""
    return [JOBS[name] for name in sorted(JOBS)]


def job_named(name: str) -> Job:
    """The job called ``name``; a ``KeyError`` names the known ones."""
    try:
        return JOBS[name]
    except KeyError:
        known = ", ".join(sorted(JOBS)) or "none"
        raise KeyError(f"No periodic job is called {name!r} (known: {known}).") from None
