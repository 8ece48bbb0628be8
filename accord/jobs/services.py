"""Claiming, running and recording the periodic jobs.

Exactly once across processes and machines: a run starts only after one conditional UPDATE of
the job's row succeeded (the job is due and nobody holds an unexpired lease). The UPDATE is
atomic on SQLite (one writer at a time) and on PostgreSQL (a second UPDATE of the same row waits
for the first and re-checks the condition against the committed row), so two runners racing for
the same job get one row and zero rows. The background runner (``accord jobs run``, started by
``accord serve``) and the management commands (cron, by hand) go through the same claim and
record their runs in the same table.

The claim is committed before the work and consumes the due time: it records who runs the job,
since when and until when, and moves the next due time one interval on. Whatever happens after
(the job fails, the record of its end fails, the process dies) the same due time is not run
again. A run whose end could not be recorded is kept by its process and recorded at the
process's next tick. A run that never ended (the process died) shows as a lease that expired
while the row still says "running": the page says it was interrupted, and it is run again once
(a second interruption in a row waits for the next due time).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Case, F, PositiveIntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.errors import AccordError

from .models import JobOutcome, JobRun
from .registry import Job, job_named, registered

logger = logging.getLogger("accord.jobs")

RUNNER = "runner"
COMMAND = "command"


class JobBusy(AccordError):
    """Another process is running this job right now; this one did nothing."""

    default_code = "job_busy"


@dataclass(frozen=True)
class RunResult:
    """What one run did: the job, whether it succeeded, and the words recorded for it."""

    name: str
    succeeded: bool
    summary: str
    error: str = ""


@dataclass
class Recorder:
    """Handed to a command running a job by hand: it sets the summary to record."""

    summary: str = ""


def holder_name() -> str:
    """Who claims: host, process and thread, so every runner anywhere has its own name."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def interval_of(job: Job) -> timedelta:
    """How often ``job`` runs: ACCORD_JOB_INTERVALS may override the registered default."""
    override = getattr(settings, "ACCORD_JOB_INTERVALS", {}).get(job.name)
    return override if isinstance(override, timedelta) else job.every


def jobs_ensure_rows(*, names: Sequence[str], now: datetime) -> None:
    """Give each job its row (due now) once; concurrent runners inserting it too are ignored."""
    existing = set(JobRun.objects.filter(name__in=names).values_list("name", flat=True))
    missing = [name for name in names if name not in existing]
    if missing:
        JobRun.objects.bulk_create(
            [JobRun(name=name, next_due_at=now) for name in missing], ignore_conflicts=True
        )


def _free(now: datetime) -> Q:
    """Nobody holds the job: no lease, or one that expired."""
    return Q(lease_until__isnull=True) | Q(lease_until__lte=now)


def _due(now: datetime) -> Q:
    """Due: its due time came, or its last run was interrupted (the lease expired while the row
    still says running) and that run was not itself the rerun of an interruption."""
    interrupted_once = Q(outcome=JobOutcome.RUNNING, failures_in_a_row=0)
    return Q(next_due_at__isnull=True) | Q(next_due_at__lte=now) | interrupted_once


def job_claim(*, job: Job, holder: str, now: datetime, only_when_due: bool = True) -> bool:
    """Take ``job`` for ``holder`` with one conditional UPDATE; True only for the one winner.

    The UPDATE is committed before the work and moves the next due time one interval on, so
    the due time it took is never run again. Taking over an interrupted run counts the
    interruption as a failure in a row. ``only_when_due=False`` is a run by hand: it need not
    be due, but still never runs while another process holds the job."""
    free = JobRun.objects.filter(name=job.name).filter(_free(now))
    if only_when_due:
        free = free.filter(_due(now))
    with transaction.atomic():  # on SQLite the writers of a process take turns (accord.sqlite)
        claimed = free.update(
            holder=holder[:200],
            lease_until=now + job.lease,
            last_started_at=now,
            next_due_at=now + interval_of(job),
            failures_in_a_row=Case(
                When(outcome=JobOutcome.RUNNING, then=F("failures_in_a_row") + 1),
                default=F("failures_in_a_row"),
                output_field=PositiveIntegerField(),
            ),
            outcome=Value(JobOutcome.RUNNING),
        )
    return claimed == 1


def job_finish(
    *,
    job: Job,
    holder: str,
    started: datetime,
    trigger: str,
    summary: str = "",
    error: str = "",
) -> None:
    """Record the end of a run and when the job is next due (one interval after it started;
    a failure is retried after ``retry_after``). Only the holder of the claim may record it."""
    succeeded = not error
    with transaction.atomic():
        JobRun.objects.filter(name=job.name, holder=holder[:200]).update(
            holder="",
            lease_until=None,
            last_finished_at=timezone.now(),
            outcome=JobOutcome.SUCCEEDED if succeeded else JobOutcome.FAILED,
            summary=summary[:300],
            error=error[:500],
            next_due_at=started + (interval_of(job) if succeeded else job.retry_after),
            last_trigger=trigger,
            runs=F("runs") + 1,
            failures_in_a_row=0 if succeeded else F("failures_in_a_row") + 1,
        )


def _describe_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _audit_failure(*, job: Job, error: str, trigger: str) -> None:
    from accord.audit.events import AuditEventType, Outcome
    from accord.audit.services import audit_record

    try:
        audit_record(
            event=AuditEventType.PERIODIC_JOB_FAILED,
            outcome=Outcome.FAILURE,
            username=f"periodic job ({trigger})",
            object_type="periodic_job",
            object_id=job.name,
            detail={"error": error.split(":", 1)[0]},
        )
    except AccordError:  # the failure is still recorded in the run table
        logger.exception("could not audit the failure of %s", job.name)


#: Runs that ended but whose end could not be recorded (the database went away): by holder,
#: then job name, the arguments of ``job_finish``. The holder's next tick records them first.
_UNRECORDED: dict[str, dict[str, dict[str, Any]]] = {}
_UNRECORDED_LOCK = threading.Lock()


def _finish_or_keep(*, job: Job, holder: str, **record: Any) -> None:
    """Record the end of a run; when the database refuses, keep the record for the next tick
    (the claim already moved the due time on, so the run is not repeated meanwhile)."""
    try:
        job_finish(job=job, holder=holder, **record)
    except DatabaseError:
        logger.exception("the end of periodic job %s could not be recorded; next tick", job.name)
        with _UNRECORDED_LOCK:
            _UNRECORDED.setdefault(holder, {})[job.name] = record


def jobs_record_kept(*, holder: str) -> None:
    """Record the ends of runs this holder could not record before (raises ``DatabaseError``
    while the database still refuses; what is left stays kept)."""
    with _UNRECORDED_LOCK:
        kept = _UNRECORDED.get(holder, {})
        for name in list(kept):
            job_finish(job=job_named(name), holder=holder, **kept[name])
            del kept[name]
        _UNRECORDED.pop(holder, None)


def job_run(*, job: Job, holder: str, now: datetime, trigger: str = RUNNER) -> RunResult | None:
    """Run ``job`` if this holder wins the claim; None when it is not due or held elsewhere.

    A failing job never stops the runner: the failure is recorded (and audited) and the job is
    tried again after ``retry_after``."""
    if not job_claim(job=job, holder=holder, now=now):
        return None
    try:
        summary = job.run(now)
    except Exception as exc:
        error = _describe_error(exc)
        logger.exception("periodic job %s failed", job.name)
        _finish_or_keep(job=job, holder=holder, started=now, trigger=trigger, error=error)
        _audit_failure(job=job, error=error, trigger=trigger)
        return RunResult(name=job.name, succeeded=False, summary="", error=error)
    _finish_or_keep(job=job, holder=holder, started=now, trigger=trigger, summary=summary)
    return RunResult(name=job.name, succeeded=True, summary=summary)


def jobs_due(*, jobs: Sequence[Job], now: datetime) -> list[Job]:
    """The jobs that look due and free, read without writing (a tick with nothing to do takes
    no write lock); each is still claimed with the conditional UPDATE before it runs."""
    names = set(
        JobRun.objects.filter(name__in=[job.name for job in jobs])
        .filter(_due(now))
        .filter(_free(now))
        .values_list("name", flat=True)
    )
    return [job for job in jobs if job.name in names]


def jobs_run_due(*, holder: str, now: datetime | None = None) -> list[RunResult]:
    """One tick of the runner: first the ends of this holder's runs not yet recorded, then every
    due job this holder wins, one after the other."""
    jobs = registered()
    results: list[RunResult] = []
    try:
        jobs_record_kept(holder=holder)
        jobs_ensure_rows(names=[job.name for job in jobs], now=now or timezone.now())
    except DatabaseError:
        logger.exception("the periodic jobs' table cannot be read; trying again next tick")
        return results
    for job in jobs_due(jobs=jobs, now=now or timezone.now()):
        try:
            result = job_run(job=job, holder=holder, now=now or timezone.now())
        except DatabaseError:  # the claim itself failed: nothing ran; next tick
            logger.exception("periodic job %s could not be claimed", job.name)
            continue
        if result is not None:
            results.append(result)
    return results


@contextmanager
def job_recorded(name: str, *, now: datetime | None = None) -> Iterator[Recorder]:
    """Run a job by hand (a management command, cron) under the same claim and record.

    Raises ``JobBusy`` when another process holds the job; a failure inside is recorded and
    re-raised. The run counts as the interval's run: the runner waits one interval after it."""
    job = job_named(name)
    started = now or timezone.now()
    holder = holder_name()
    jobs_ensure_rows(names=[job.name], now=started)
    if not job_claim(job=job, holder=holder, now=started, only_when_due=False):
        row = JobRun.objects.filter(name=job.name).first()
        raise JobBusy(
            _("%(label)s is running in another process (%(value)s); nothing was done.")
            % {"label": job.label, "value": row.holder if row else "unknown"},
            data={"job": job.name},
        )
    recorder = Recorder()
    try:
        yield recorder
    except BaseException as exc:
        error = _describe_error(exc)
        job_finish(job=job, holder=holder, started=started, trigger=COMMAND, error=error)
        if isinstance(exc, Exception):
            _audit_failure(job=job, error=error, trigger=COMMAND)
        raise
    job_finish(job=job, holder=holder, started=started, trigger=COMMAND, summary=recorder.summary)
