"""The sequencer: pending read events sealed into their chain in Merkle batches (issue #15).

Read events (``READ_EVENTS``) are stored pending by ``audit_record`` without taking the chain's
lock (``AuditReadEvent``). ``audit_batches_seal`` then, per chain and in one transaction: locks
the chain's head (so two sequencers never seal the same read twice: the second waits, then finds
nothing pending), takes the pending reads in ``seq`` order, computes the RFC 6962 Merkle root of
their entries, appends ONE ``AUDIT_BATCH_SEALED`` event to the chain naming the root, the count,
the ``seq`` range and each lane's ``lane_seq`` range, and stamps each read with that event's
``chain_seq`` (``batch``) and its ``leaf_index``. From then on the chain's hash covers the root,
and the root covers every entry of the batch, in order.

It runs as the periodic job ``audit.seal_reads`` (every minute, exactly once across processes:
the jobs lease) and can be called inline (``accord audit seal``, tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from .chain import READ_FIELDS, read_entry
from .events import AuditEventType
from .merkle import leaf_hash, root_from_leaves
from .models import AuditReadEvent
from .services import _locked_head, audit_record

#: At most this many reads in one batch (a backlog is sealed in several, one after the other).
BATCH_LIMIT = 10_000
#: ``verify`` warns when a read has waited longer than this to be sealed (the sequencer stopped).
PENDING_WARN_SECONDS = 10 * 60

_PENDING_COLUMNS = ("id", *READ_FIELDS)


@dataclass(frozen=True)
class SealResult:
    batches: int
    reads: int

    def __str__(self) -> str:
        if not self.reads:
            return "No record reads were waiting"
        reads = "1 record read" if self.reads == 1 else f"{self.reads} record reads"
        batches = "1 batch" if self.batches == 1 else f"{self.batches} batches"
        return f"{reads} sealed in {batches}"


def batch_detail(rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """What the sealing event says about a batch of read rows (tuples of ``READ_FIELDS``)."""
    lane_at, lane_seq_at, seq_at = (
        READ_FIELDS.index("lane"),
        READ_FIELDS.index("lane_seq"),
        READ_FIELDS.index("seq"),
    )
    lanes: dict[str, list[int]] = {}
    for row in rows:
        lane, number = str(row[lane_at]), int(row[lane_seq_at])
        low_high = lanes.setdefault(lane, [number, number])
        low_high[0], low_high[1] = min(low_high[0], number), max(low_high[1], number)
    root = root_from_leaves([leaf_hash(read_entry(row)) for row in rows])
    return {
        "root": root.hex(),
        "count": len(rows),
        "first_seq": min(int(row[seq_at]) for row in rows),
        "last_seq": max(int(row[seq_at]) for row in rows),
        "lanes": dict(sorted(lanes.items())),
    }


def _seal_one_batch(chain: int) -> int:
    """Seal up to ``BATCH_LIMIT`` pending reads of ``chain``; how many were sealed."""
    with transaction.atomic():
        _locked_head(chain)  # held to the end: one sequencer per chain at a time
        pending = list(
            AuditReadEvent.objects.filter(chain=chain, batch__isnull=True)
            .order_by("seq")
            .values_list(*_PENDING_COLUMNS)[:BATCH_LIMIT]
        )
        if not pending:
            return 0
        detail = batch_detail([row[1:] for row in pending])
        sealed = audit_record(
            event=AuditEventType.AUDIT_BATCH_SEALED,
            username="accord",
            object_type="audit_batch",
            object_id=detail["root"][:16],
            task_force_id=chain or None,
            detail=detail,
        )
        batch = sealed.chain_seq  # type: ignore[union-attr]
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE audit_auditreadevent SET batch = %s, leaf_index = %s "
                "WHERE id = %s AND batch IS NULL",
                [(batch, index, row[0]) for index, row in enumerate(pending)],
            )
        stamped = AuditReadEvent.objects.filter(chain=chain, batch=batch).count()
        if stamped != len(pending):  # another sequencer got some first: seal nothing
            raise RuntimeError(
                f"audit chain {chain}: {stamped} of {len(pending)} reads could be sealed"
            )
        return len(pending)


def audit_batches_seal(*, chains: Sequence[int] | None = None) -> SealResult:
    """Seal every pending read of every chain (or of ``chains``) into batches."""
    if chains is None:
        chains = list(
            AuditReadEvent.objects.filter(batch__isnull=True)
            .order_by("chain")
            .values_list("chain", flat=True)
            .distinct()
        )
    batches = reads = 0
    for chain in chains:
        while sealed := _seal_one_batch(chain):
            batches, reads = batches + 1, reads + sealed
            if sealed < BATCH_LIMIT:
                break
    return SealResult(batches=batches, reads=reads)


def seal_job(now: datetime) -> str:
    """The periodic job: what ``accord jobs`` records for the run."""
    return str(audit_batches_seal())
