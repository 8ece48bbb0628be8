"""Benchmark: page views of ONE task force recording their reads at once (issue 15).

    .venv/bin/python bench/bench_audit_reads.py --postgres URL [--readers 20] [--per-reader 40]
        [--hold-ms 5]

``--readers`` threads (each its own database connection) start together; each records
``--per-reader`` reads of the same task force, each inside a transaction held open ``--hold-ms``
after the audit write (the rest of a page view's work). Run twice in the same process:

* as a chain event (``RECORD_UPDATED``: the path every read took before, under the head's lock);
* as a record read (``RECORD_READ``: stored pending, no head lock; lanes of a gap-free counter).

Prints reads/s of wall time for both, the ratio, how many waits on the chain head PostgreSQL saw
meanwhile (``pg_locks`` sampled every 2 ms: a reader waiting on the head row's lock), and the
time the sequencer then takes to seal the reads.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL")
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--per-reader", type=int, default=40)
    parser.add_argument("--hold-ms", type=float, default=5.0)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings.test"
    os.environ["DATABASE_URL"] = args.postgres
    import django

    django.setup()
    from django.core.management import call_command

    from accord.audit.batches import audit_batches_seal
    from accord.audit.events import AuditEventType
    from accord.audit.verify import verify_chain

    call_command("migrate", verbosity=0)
    audit_batches_seal()
    task_force = 2_000_000 + int(time.time()) % 100_000 * 10
    figures = {}
    for label, event in (
        ("chain event (head lock)", AuditEventType.RECORD_UPDATED),
        ("record read (pending)", AuditEventType.RECORD_READ),
    ):
        rate, waits = _run(args, task_force=task_force, event=event)
        figures[label] = rate
        print(
            f"{args.readers} readers x {args.per_reader}, {args.hold_ms:g} ms held, one task "
            f"force, {label}: {rate:.0f} reads/s; lock waits seen: {waits}"
        )
    one, two = figures.values()
    print(f"pending reads / chain events: {two / one:.2f}x")
    started = time.perf_counter()
    sealed = audit_batches_seal()
    print(f"sealed: {sealed} in {time.perf_counter() - started:.2f} s")
    report = verify_chain()
    assert report.ok, report
    print(f"load average: {os.getloadavg()}")


def _run(args: argparse.Namespace, *, task_force: int, event: str) -> tuple[float, int]:
    from django.db import connection, connections, transaction

    from accord.audit.events import AuditEventType
    from accord.audit.services import audit_record

    audit_record(event=AuditEventType.RECORD_UPDATED, username="warm-up", task_force_id=task_force)
    barrier = threading.Barrier(args.readers + 1)
    stop = threading.Event()
    waits = 0

    def watch() -> None:  # lock waits on audit tables, sampled
        nonlocal waits
        try:
            with connections["default"].cursor() as cursor:
                while not stop.is_set():
                    cursor.execute(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE NOT l.granted AND c.relname LIKE 'audit_%%'"
                    )
                    waits += cursor.fetchone()[0]
                    cursor.execute(
                        "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = "
                        "'transactionid'"
                    )
                    waits += cursor.fetchone()[0]
                    time.sleep(0.002)
        finally:
            connection.close()

    def reader(index: int) -> None:
        try:
            barrier.wait(timeout=120)
            for n in range(args.per_reader):
                with transaction.atomic():
                    audit_record(
                        event=event,  # type: ignore[arg-type]
                        username=f"reader{index}",
                        object_type="cases.case",
                        object_id=n,
                        fields=["potentialvictim.legal_name"],
                        task_force_id=task_force,
                    )
                    time.sleep(args.hold_ms / 1000)
        finally:
            connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    with ThreadPoolExecutor(max_workers=args.readers) as pool:
        futures = [pool.submit(reader, i) for i in range(args.readers)]
        barrier.wait(timeout=120)
        started = time.perf_counter()
        for future in futures:
            future.result()
        seconds = time.perf_counter() - started
    stop.set()
    watcher.join()
    return args.readers * args.per_reader / seconds, waits


if __name__ == "__main__":
    main()
