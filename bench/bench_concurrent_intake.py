"""Benchmark: intakes at the same moment (issue 15), on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_concurrent_intake.py [--writers 1 10 50] [--per-writer 4]
        [--db var/bench-concurrent.sqlite3] [--postgres postgres://postgres@127.0.0.1:5432/NAME]
        [--baseline]

For each number of writers (1 is the baseline), that many threads (each with its own database connection)
start together at a barrier and each opens ``--per-writer`` cases with ``case_open``.
Prints throughput (intakes per second of wall time), p50/p95 of one intake as its user
waits for it (queueing on the counter row or SQLite's write lock included), refusals
(any exception) and duplicate numbers. SQLite runs on a fresh file (WAL, IMMEDIATE
transactions, like the embedded default); PostgreSQL, when ``--postgres`` is given, on
that database (migrated here; each run uses a new task force, so old rows do not matter).

``--baseline`` also runs the old numbering (the highest stored number plus one) in the
same run, so the refusals it caused are printed beside the counter's figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FACTS = {
    "imminent_danger": False,
    "trafficking_type": "labor",
    "victim_age": 17,
    "victim_gender": "male",
    "victim_citizenship": "foreign_national",
    "victim_count": 1,
    "jurisdiction": "riverton",
    "operation_planned": False,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--per-writer", type=int, default=4)
    parser.add_argument("--db", default=str(REPO / "var" / "bench-concurrent.sqlite3"))
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL; SQLite when empty")
    parser.add_argument("--baseline", action="store_true", help="also run highest-plus-one")
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings.test"
    if args.postgres:
        os.environ["DATABASE_URL"] = args.postgres
    else:
        os.environ.pop("DATABASE_URL", None)
    if args.postgres:
        import django
        from django.conf import settings

        from bench.benchdb import QUEUED_TASKS

        settings.TASKS = QUEUED_TASKS  # as in production: mail queued, not sent inline
        django.setup()
    else:
        from bench.benchdb import use_sqlite

        use_sqlite(args.db)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite (WAL file)"
    modes = [("locked counter", False)] + (
        [("highest + 1 (before)", True)] if args.baseline else []
    )
    for writers in args.writers:
        for label, old_numbering in modes:
            with _numbering(old=old_numbering):
                result = _run(writers=writers, per_writer=args.per_writer)
            print(f"{database}, {writers} writers x {args.per_writer} intakes, {label}: {result}")
        connection.close()


class Result:
    def __init__(self, timings: list[float], refusals: int, duplicates: int, wall: float) -> None:
        self.timings, self.refusals, self.duplicates, self.wall = (
            timings,
            refusals,
            duplicates,
            wall,
        )

    def __str__(self) -> str:
        done = len(self.timings)
        if not done:
            return f"0 intakes, {self.refusals} refusals"
        ordered = sorted(self.timings)
        p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
        return (
            f"{done / self.wall:.1f} intakes/s, p50 {statistics.median(ordered):.0f} ms, "
            f"p95 {p95:.0f} ms, {self.refusals} refusals, {self.duplicates} duplicate numbers"
        )


def _run(*, writers: int, per_writer: int) -> Result:
    from django.db import connection

    from accord.accounts.models import User
    from accord.cases.models import Case
    from accord.cases.services import VictimInput, case_open

    actor_id, task_force_id = _setup()
    # warm up (protocol parsed and cached, imports done) outside the timed run
    case_open(
        actor=User.objects.get(pk=actor_id),
        title="Bench warm-up",
        incident_kind="victim_ready",
        facts=FACTS,
        intake_token=uuid.uuid4().hex,
        victims=[VictimInput(pseudonym="V-1", legal_name="(bench)")],
    )
    barrier = threading.Barrier(writers)
    reasons: set[str] = set()

    def writer(_index: int) -> tuple[list[float], int, list[str]]:
        timings: list[float] = []
        refused = 0
        numbers: list[str] = []
        try:
            actor = User.objects.get(pk=actor_id)
            barrier.wait(timeout=120)
            for _ in range(per_writer):
                started = time.perf_counter()
                try:
                    case = case_open(
                        actor=actor,
                        title="Bench concurrent intake",
                        incident_kind="victim_ready",
                        facts=FACTS,
                        intake_token=uuid.uuid4().hex,
                        victims=[VictimInput(pseudonym="V-1", legal_name="(bench)")],
                    )
                except Exception as error:
                    refused += 1
                    reasons.add(f"{error.__class__.__name__}: {error}"[:120])
                    continue
                timings.append((time.perf_counter() - started) * 1000)
                numbers.append(case.number)
        finally:
            connection.close()
        return timings, refused, numbers

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        outcomes = list(pool.map(writer, range(writers)))
    wall = time.perf_counter() - started
    timings = [t for outcome in outcomes for t in outcome[0]]
    numbers = [n for outcome in outcomes for n in outcome[2]]
    stored = Case.objects.filter(task_force_id=task_force_id, number__in=numbers).count()
    assert stored == len(numbers), f"lost writes: {len(numbers) - stored}"
    for reason in sorted(reasons):
        print(f"  refused: {reason}")
    return Result(timings, sum(o[1] for o in outcomes), len(numbers) - len(set(numbers)), wall)


@contextmanager
def _numbering(*, old: bool) -> Iterator[None]:
    """With ``old``, number cases the way they were before issue 15 (highest plus one)."""
    from accord.cases.services import cases

    if not old:
        yield
        return
    from django.db.models import Max

    def highest_plus_one(*, task_force_id: int, year: int) -> int:
        top = cases.Case.objects.filter(task_force_id=task_force_id, year=year).aggregate(
            top=Max("sequence")
        )["top"]
        return int(top or 0) + 1

    kept: Callable[..., int] = cases._case_sequence_next
    cases._case_sequence_next = highest_plus_one
    try:
        yield
    finally:
        cases._case_sequence_next = kept


def _setup() -> tuple[int, int]:
    """A new task force with agencies, a small directory, the example protocol and an
    investigator; returns the investigator's and the task force's ids."""
    from accord.accounts.models import Agency, RoleGrant, TaskForce, User
    from accord.directory.models import Organization, Phone
    from accord.protocols.models import ProtocolVersion

    run = uuid.uuid4().hex[:8]
    task_force = TaskForce.objects.create(slug=f"bench-{run}", name=f"Bench {run}")
    sectors: dict[str, Any] = {
        "ecso": "law_enforcement_local",
        "riverton-pd": "law_enforcement_local",
        "hsi-riverton": "law_enforcement_federal",
        "harbor-light": "victim_services",
        "new-dawn": "victim_services",
        "cps-example": "child_protection",
    }
    agencies = {
        s: Agency.objects.create(task_force=task_force, slug=s, name=s, sector=v)
        for s, v in sectors.items()
    }
    for slug in sectors:
        org = Organization.objects.create(
            task_force=task_force, hsds_id=str(uuid.uuid4()), slug=slug, name=slug
        )
        Phone.objects.create(
            organization=org, hsds_id=str(uuid.uuid4()), number="555-0100", is_24_7=True
        )
    ProtocolVersion.objects.create(
        task_force=task_force,
        number=1,
        title="Example",
        yaml_text=(REPO / "examples/protocols/example-county.yaml").read_text(),
        status="in_force",
    )
    actor = User.objects.create_user(
        username=f"bench.{run}", password="x" * 16, agency=agencies["riverton-pd"]
    )
    RoleGrant.objects.create(user=actor, role="investigator")
    return int(actor.pk), int(task_force.pk)


if __name__ == "__main__":
    main()
