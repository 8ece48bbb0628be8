"""Benchmark: audit writes with one chain per task force, and ``accord audit verify`` time (issue 15).

    .venv/bin/python bench/bench_audit_chains.py [--postgres URL] [--writers 8] [--per-writer 40]
        [--hold-ms 5] [--events 100000] [--chains 10]

Writes: ``--writers`` threads (each its own database connection) start together; each writes
``--per-writer`` audit events, each inside its own transaction that stays open ``--hold-ms``
after the audit write (a request's work after its audit record: the chain head stays locked
until the commit). Run twice in the same process: every writer in ONE task force (one chain, as
every write of the deployment was before chains) and every writer in its OWN task force. Prints
writes/s of wall time for both and the ratio.

Verify: builds ``--events`` events spread over ``--chains`` task force chains (hashed and
keyed exactly as ``audit_record`` does, inserted in batches), then times ``verify_chain()`` and
prints seconds per 100,000 events and the extrapolation to 10 million.

SQLite (a fresh file under var/) when ``--postgres`` is not given: one writer at a time there,
so the write figures only show what the chains cost, not what they gain.
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
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL; SQLite when empty")
    parser.add_argument("--db", default=str(REPO / "var" / "bench-audit-chains.sqlite3"))
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--per-writer", type=int, default=40)
    parser.add_argument("--hold-ms", type=float, default=5.0)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--chains", type=int, default=10)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings.test"
    if args.postgres:
        os.environ["DATABASE_URL"] = args.postgres
    else:
        os.environ.pop("DATABASE_URL", None)
    from django.conf import settings

    if not args.postgres:
        db = Path(args.db)
        db.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        settings.DATABASES["default"]["NAME"] = str(db)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    base = 1_000_000 + int(time.time()) % 100_000 * 100  # task force ids not used before
    one = _writes(args, task_forces=[base])
    many = _writes(args, task_forces=[base + 1 + n for n in range(args.writers)])
    print(
        f"{database}, {args.writers} writers x {args.per_writer} events, {args.hold_ms:g} ms held: "
        f"one task force {one:.0f} writes/s; {args.writers} task forces {many:.0f} writes/s "
        f"({many / one:.2f}x)"
    )
    seconds, checked = _verify(args, first=base + 1000)
    per_100k = seconds / checked * 100_000
    print(
        f"{database}, verify: {checked} events in {seconds:.1f} s = {per_100k:.1f} s per 100,000 "
        f"(10 million: about {per_100k * 100 / 60:.1f} min)"
    )


def _writes(args: argparse.Namespace, *, task_forces: list[int]) -> float:
    from django.db import connection, transaction

    from accord.audit.events import AuditEventType
    from accord.audit.services import audit_record

    for task_force in task_forces:  # chains started outside the timed run
        audit_record(
            event=AuditEventType.RECORD_UPDATED, username="warm-up", task_force_id=task_force
        )
    barrier = threading.Barrier(args.writers)

    def writer(index: int) -> None:
        task_force = task_forces[index % len(task_forces)]
        try:
            barrier.wait(timeout=120)
            for n in range(args.per_writer):
                with transaction.atomic():
                    audit_record(
                        event=AuditEventType.RECORD_UPDATED,
                        username=f"writer{index}",
                        object_type="case",
                        object_id=n,
                        task_force_id=task_force,
                    )
                    time.sleep(args.hold_ms / 1000)
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.writers) as pool:
        list(pool.map(writer, range(args.writers)))
    return args.writers * args.per_writer / (time.perf_counter() - started)


def _verify(args: argparse.Namespace, *, first: int) -> tuple[float, int]:
    from django.utils import timezone

    from accord.audit.chain import event_hash, head_mac
    from accord.audit.events import AuditEventType
    from accord.audit.models import AuditChainHead, AuditEvent
    from accord.audit.services import _next_seq, audit_key, audit_record
    from accord.audit.verify import verify_chain

    key = audit_key()
    per_chain = max(args.events // args.chains, 1)
    for chain in range(first, first + args.chains):
        audit_record(event=AuditEventType.RECORD_UPDATED, username="bench", task_force_id=chain)
        head = AuditChainHead.objects.get(chain=chain)
        seq, digest = head.seq, head.hash
        batch: list[AuditEvent] = []
        now = timezone.now().replace(microsecond=0)
        for n in range(per_chain - 1):
            seq += 1
            content = {
                "seq": _next_seq() + len(batch),
                "chain": chain,
                "chain_seq": seq,
                "occurred_at": now,
                "event": "record_updated",
                "outcome": "success",
                "actor_id": None,
                "actor_username": "bench",
                "actor_agency_id": None,
                "actor_roles": "",
                "task_force_id": chain,
                "subject_agency_id": None,
                "request_id": f"bench-{n}",
                "ip_address": "",
                "object_type": "case",
                "object_id": str(n),
                "fields": ["case_number"],
                "purpose": "",
                "detail": {},
            }
            new = event_hash(key=key, prev_hash=digest, content=content)
            batch.append(AuditEvent(prev_hash=digest, hash=new, **content))
            digest = new
            if len(batch) == 5000:
                _flush(batch)
        _flush(batch)
        AuditChainHead.objects.filter(chain=chain).update(
            seq=seq, hash=digest, mac=head_mac(key=key, seq=seq, hash=digest, chain=chain)
        )
    started = time.perf_counter()
    report = verify_chain()
    seconds = time.perf_counter() - started
    assert report.ok, report
    return seconds, report.events_checked


def _flush(batch: list) -> None:
    from django.db import connection

    from accord.audit.models import AuditEvent

    if not batch:
        return
    AuditEvent.objects.bulk_create(batch)
    if connection.vendor == "postgresql":  # keep the sequence ahead of the numbers used
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval('audit_event_seq', (SELECT MAX(seq) FROM audit_auditevent))"
            )
    batch.clear()


if __name__ == "__main__":
    main()
