"""Runners racing for the same job: exactly one wins, on SQLite and on PostgreSQL.

Each runner is a thread with its own database connection, all released at the same moment by a
barrier; run the file with DATABASE_URL=postgres://... to race on PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection, connections

from accord.jobs import registry
from accord.jobs.models import JobRun
from accord.jobs.registry import Job
from accord.jobs.services import job_claim, jobs_ensure_rows, jobs_run_due

pytestmark = pytest.mark.django_db(transaction=True)

RUNNERS = 4
ROUNDS = 5
T0 = datetime.fromisoformat("2026-12-07T09:00:00+00:00")


def _readers_do_not_lock() -> None:
    """The test database on SQLite is in memory with a shared cache, where a reader holds a lock
    on the table it reads and a writer meeting it fails at once ("database table is locked")
    instead of waiting as on a database file (WAL: readers never block the writer). Racing
    runners read without those locks, so only the claim (one conditional UPDATE, the writers
    taking turns) decides who runs: what this file tests."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")


def _race(work, runners: int = RUNNERS) -> list[object]:
    """Run ``work(i)`` in ``runners`` threads released together; their results, or errors."""
    barrier = threading.Barrier(runners)
    results: list[object] = [None] * runners

    def runner(i: int) -> None:
        try:
            _readers_do_not_lock()
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # reported by the assertion, not lost in the thread
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_only_one_of_several_racing_runners_claims_a_due_job():
    job = Job("race.claim", "Race", timedelta(minutes=5), lambda now: "")
    jobs_ensure_rows(names=[job.name], now=T0)
    for round_ in range(ROUNDS):
        now = T0 + timedelta(hours=round_)
        JobRun.objects.filter(name=job.name).update(lease_until=None, next_due_at=now)
        claims = _race(lambda i, now=now: job_claim(job=job, holder=f"runner-{i}", now=now))
        assert sorted(claims, key=str) == [False] * (RUNNERS - 1) + [True], (
            connection.vendor,
            claims,
        )
        winner = f"runner-{claims.index(True)}"
        assert JobRun.objects.get(name=job.name).holder == winner


def test_racing_runners_run_each_due_job_exactly_once(monkeypatch):
    calls: list[str] = []
    lock = threading.Lock()

    def count(now: datetime) -> str:
        with lock:
            calls.append(threading.current_thread().name)
        return "counted"

    monkeypatch.setattr(
        registry,
        "JOBS",
        {f"race.{n}": Job(f"race.{n}", f"Race {n}", timedelta(minutes=5), count) for n in "abc"},
    )
    jobs_ensure_rows(names=list(registry.JOBS), now=T0)  # the rows exist; the race is the claim
    results = _race(lambda i: jobs_run_due(holder=f"runner-{i}", now=T0))
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert len(calls) == 3  # three jobs, each run by exactly one of the four runners
    ran = sorted(result.name for batch in results for result in batch)
    assert ran == ["race.a", "race.b", "race.c"]
    assert {row.runs for row in JobRun.objects.filter(name__startswith="race.")} == {1}
