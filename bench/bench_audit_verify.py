"""Benchmark: ``accord audit verify`` throughput, one process and one process per chain (issue 15).

    .venv/bin/python bench/bench_audit_verify.py [--postgres URL] [--events 1000000]
        [--chains 10] [--reads 0.5] [--batch 1000] [--jobs 2]

Generates ``--events`` audit events spread over ``--chains`` task force chains, hashed and keyed
exactly as ``audit_record`` and the sequencer make them, with a fast generator (tuples, one
INSERT per 5,000 rows on SQLite, COPY on PostgreSQL): a fraction ``--reads`` are record reads,
sealed every ``--batch`` reads into a Merkle batch by an ``AUDIT_BATCH_SEALED`` chain event (the
rest are chain events). Then times ``verify_chain(jobs=1)`` and ``verify_chain(jobs=--jobs)``
and prints events/s for both, the ratio, and the extrapolation to 10 million events (the target:
under 5 minutes, about 33,000 events/s).

SQLite: a fresh file under var/. PostgreSQL: the database in the URL is emptied of audit rows.
``--reuse`` verifies again what the previous run generated (the file, or the database's rows).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

EVENT_COLUMNS = (
    "seq", "chain", "chain_seq", "occurred_at", "event", "outcome", "actor_id", "actor_username",
    "actor_agency_id", "actor_roles", "task_force_id", "subject_agency_id", "request_id",
    "ip_address", "object_type", "object_id", "fields", "purpose", "detail", "prev_hash", "hash",
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL; SQLite when empty")
    parser.add_argument("--db", default=str(REPO / "var" / "bench-audit-verify.sqlite3"))
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--chains", type=int, default=10)
    parser.add_argument("--reads", type=float, default=0.5)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="verify what a previous run generated (the SQLite file, or the PostgreSQL database)",
    )
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
        for suffix in ("", "-wal", "-shm") if not args.reuse else ():
            Path(str(db) + suffix).unlink(missing_ok=True)
        settings.DATABASES["default"]["NAME"] = str(db)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql" and not args.reuse:
        from accord.audit.triggers import remove_triggers

        remove_triggers(connection)
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE audit_auditevent, audit_auditchainhead, audit_auditpurge, "
                "audit_auditreadevent, audit_auditreadcounter"
            )
            # A previous run left the sequence past the numbers the generator writes.
            cursor.execute("ALTER SEQUENCE audit_event_seq RESTART")
        from accord.audit.triggers import install_triggers

        install_triggers(connection)
    started = time.perf_counter()
    if args.reuse:
        total = 0
    else:
        total = generate(events=args.events, chains=args.chains, reads=args.reads, batch=args.batch)
    made = time.perf_counter() - started
    print(f"generated {total:,} events over {args.chains} chains in {made:.1f} s "
          f"({connection.vendor})")  # fmt: skip
    from accord.audit.verify import verify_chain

    figures = {}
    for jobs in (1, args.jobs):
        if jobs in figures:
            continue
        cpu_before = _cpu()
        started = time.perf_counter()
        report = verify_chain(jobs=jobs)
        seconds = time.perf_counter() - started
        cpu = _cpu() - cpu_before
        assert report.ok, report
        checked = report.events_checked + report.reads_checked
        figures[jobs] = checked / seconds
        print(
            f"verify --jobs {jobs}: {checked:,} events ({report.events_checked:,} chain events, "
            f"{report.reads_checked:,} record reads) in {seconds:.1f} s = "
            f"{figures[jobs]:,.0f} events/s; 10 million would take "
            f"{10_000_000 / figures[jobs] / 60:.1f} min"
        )
        print(
            f"  CPU of the verifying processes: {cpu:.1f} s = {checked / cpu:,.0f} events per "
            f"CPU-second; on {args.jobs} otherwise idle cores 10 million would take about "
            f"{10_000_000 / (checked / cpu) / min(jobs, args.chains) / 60:.1f} min"
        )
    if len(figures) > 1:
        print(f"parallel / single: {figures[args.jobs] / figures[1]:.2f}x")
    print(f"load average: {os.getloadavg()}")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the verify workers): on a loaded
    shared machine a steadier figure than wall time (SQLite's work is in-process; PostgreSQL's
    server is not counted)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def generate(*, events: int, chains: int, reads: float, batch: int) -> int:
    """Write the events; return how many (chain events and reads) ``verify`` will check."""
    from django.db import connection
    from django.utils import timezone

    from accord.audit.batches import batch_detail
    from accord.audit.chain import READ_FIELDS, event_hash, head_mac, read_entry, read_mac
    from accord.audit.events import AuditEventType
    from accord.audit.models import AuditChainHead
    from accord.audit.services import audit_key, audit_record

    key = audit_key()
    per_chain = max(events // chains, 2)
    seq = 10_000_000  # above whatever audit_record numbers (SQLite: it follows, so skip ahead)
    written = 0
    base = timezone.now().replace(microsecond=0) - timedelta(days=1)
    for chain in range(1, chains + 1):
        audit_record(event=AuditEventType.RECORD_UPDATED, username="bench", task_force_id=chain)
        head = AuditChainHead.objects.get(chain=chain)
        chain_seq, digest = head.seq, head.hash
        seq += 1000  # past the numbers audit_record took meanwhile
        event_rows: list[tuple] = []
        read_rows: list[tuple] = []
        pending: list[list] = []
        lane_last = 0
        every = max(round(1 / reads), 1) if reads else 0

        def append_event(content: dict, chain: int = chain, event_rows: list = event_rows) -> None:
            nonlocal chain_seq, digest, seq
            seq += 1
            chain_seq += 1
            content.update(seq=seq, chain=chain, chain_seq=chain_seq)
            new = event_hash(key=key, prev_hash=digest, content=content)
            event_rows.append((*tuple(content[c] for c in EVENT_COLUMNS[:-2]), digest, new))
            digest = new

        for n in range(per_chain - 1):
            occurred = base + timedelta(milliseconds=n)
            content = {
                "occurred_at": occurred, "event": "record_updated", "outcome": "success",
                "actor_id": 5, "actor_username": "bench.user", "actor_agency_id": 2,
                "actor_roles": "investigator", "task_force_id": chain, "subject_agency_id": 2,
                "request_id": f"r{n:08x}", "ip_address": "192.0.2.1", "object_type": "cases.case",
                "object_id": str(n), "fields": ["case.stage"], "purpose": "", "detail": {"n": n},
            }  # fmt: skip
            if every and n % every == 0:
                seq += 1
                lane_last += 1
                content.update(
                    event="record_read", fields=["potentialvictim.legal_name"],
                    purpose="case page", seq=seq, chain=chain, lane=0, lane_seq=lane_last,
                    detail={},
                )  # fmt: skip
                row = [content[name] for name in READ_FIELDS]
                pending.append(row)
                if len(pending) == batch:
                    detail = batch_detail(pending)
                    append_event({
                        **content, "event": "audit_batch_sealed", "actor_id": None,
                        "actor_username": "accord", "actor_agency_id": None, "actor_roles": "",
                        "subject_agency_id": None, "object_type": "audit_batch",
                        "object_id": detail["root"][:16], "fields": [], "detail": detail,
                    })  # fmt: skip
                    for index, entry_row in enumerate(pending):
                        mac = read_mac(key, read_entry(entry_row))
                        read_rows.append((*entry_row, mac, chain_seq, index))
                    pending.clear()
            else:
                append_event(content)
            if len(event_rows) + len(read_rows) >= 20_000:
                written += _flush(event_rows, read_rows, connection)
        for entry_row in pending:  # left pending, as between two runs of the sequencer
            read_rows.append((*entry_row, read_mac(key, read_entry(entry_row)), None, None))
        written += _flush(event_rows, read_rows, connection)
        AuditChainHead.objects.filter(chain=chain).update(
            seq=chain_seq,
            hash=digest,
            mac=head_mac(key=key, seq=chain_seq, hash=digest, chain=chain),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_auditreadcounter (chain, lane, last) VALUES (%s, 0, %s)",
                [chain, lane_last],
            )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval('audit_event_seq', %s)", [seq + 1])
    return (
        written + chains + AuditChainHead.objects.filter(chain=0).values_list("seq", flat=True)[0]
    )


READ_COLUMNS = (
    "seq", "occurred_at", "event", "outcome", "actor_id", "actor_username", "actor_agency_id",
    "actor_roles", "task_force_id", "subject_agency_id", "request_id", "ip_address",
    "object_type", "object_id", "fields", "purpose", "detail", "chain", "lane", "lane_seq",
    "mac", "batch", "leaf_index",
)  # fmt: skip


def _flush(event_rows: list[tuple], read_rows: list[tuple], connection) -> int:
    """Insert the rows as the database stores them; return how many."""
    from accord.audit.chain import READ_FIELDS

    assert READ_COLUMNS[:20] == READ_FIELDS
    count = len(event_rows) + len(read_rows)
    for table, columns, rows in (
        ("audit_auditevent", EVENT_COLUMNS, event_rows),
        ("audit_auditreadevent", READ_COLUMNS, read_rows),
    ):
        if not rows:
            continue
        json_at = [i for i, c in enumerate(columns) if c in ("fields", "detail")]
        time_at = columns.index("occurred_at")
        prepared = []
        for row in rows:
            values = list(row)
            for i in json_at:
                values[i] = json.dumps(values[i])
            if connection.vendor == "sqlite":
                values[time_at] = connection.ops.adapt_datetimefield_value(values[time_at])
            prepared.append(values)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for values in prepared:
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 (constants)
                    prepared,
                )
        rows.clear()
    return count


if __name__ == "__main__":
    main()
