"""Checking the audit chain (S16): find the first broken link.

There is one chain per task force and chain 0 (see ``accord.audit.models``); each is checked
as the single chain was: contiguous ``chain_seq``, links, keyed hashes, keyed head, nothing past
the head, keyed purge records. Across chains: every event's chain has a head, and every chain
whose start chain 0 records still exists (so deleting a whole chain is caught).

What a clean report proves: in every chain, every event from the chain's start (or the last keyed
purge record) to the keyed chain head was written by a holder of the audit key, unedited, in order,
none missing; and each checkpoint given names an event still there with the same hash. What
it cannot prove without a checkpoint: that the database was not rolled back to an older state
of itself (an older backup, an older head row replayed) — the checkpoints kept off the
machine are what catch that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, connections
from django.db.models import F, Max, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .chain import (
    GENESIS_HASH,
    READ_FIELDS,
    ROW_COLUMNS,
    canonical_json,
    derived_key,
    event_message_of_text,
    head_mac,
    purge_mac,
    read_entry_of_text,
)
from .checkpoint import Checkpoint
from .events import AuditEventType
from .merkle import leaf_hash, root_from_leaves
from .models import AuditChainHead, AuditEvent, AuditPurge, AuditReadCounter, AuditReadEvent
from .services import audit_key

#: ``verify`` notes a read that has waited longer than this to be sealed (the sequencer stopped).
PENDING_WARN_SECONDS = 10 * 60


@dataclass(frozen=True)
class ChainReport:
    """``ok`` with the number of events checked, or the first broken link and why.

    ``last_seq``/``last_hash`` are where chain 0 ends and ``ends`` where every chain ends, as
    ``(chain, chain_seq, hash)`` (what a checkpoint signs); ``broken_at_seq`` is a ``chain_seq``
    of ``broken_chain``; ``notes`` are facts worth a look that do not break the chain.
    """

    ok: bool
    events_checked: int
    broken_at_seq: int | None = None
    problem: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    checkpoints_matched: int = 0
    notes: tuple[str, ...] = field(default=())
    broken_chain: int = 0
    ends: tuple[tuple[int, int, str], ...] = field(default=())
    reads_checked: int = 0

    def __str__(self) -> str:
        if self.ok:
            text = f"audit chain intact: {self.events_checked} events verified"
            if self.last_seq:
                text += f", through event #{self.last_seq}"
            others = sum(1 for chain, _, _ in self.ends if chain)
            if others:
                text += f", and {others} task force chain(s)"
            if self.reads_checked:
                text += f"; {self.reads_checked} record reads verified"
            if self.checkpoints_matched:
                text += f"; {self.checkpoints_matched} checkpoint(s) matched"
        else:
            where = f" at event #{self.broken_at_seq}" if self.broken_at_seq is not None else ""
            if self.broken_chain:
                where += f" of {_chain_name(self.broken_chain)}"
            text = (
                f"audit chain BROKEN{where}: {self.problem} "
                f"({self.events_checked} events verified before it)"
            )
        return "\n".join([text, *(f"note: {note}" for note in self.notes)])


def _chain_name(chain: int) -> str:
    return f"the chain of task force {chain}" if chain else "the chain"


class _Broken(Exception):
    def __init__(self, seq: int | None, problem: str, chain: int = 0) -> None:
        super().__init__(problem)
        self.seq, self.problem, self.chain = seq, problem, chain


@dataclass(frozen=True)
class _Mark:
    """One chain's end as one checkpoint saw it."""

    checkpoint: Checkpoint
    seq: int
    hash: str

    @property
    def label(self) -> str:
        return self.checkpoint.label


@dataclass
class _ChainResult:
    """What one chain's walk found (returned from a worker process when verifying in parallel)."""

    chain: int
    checked: int = 0
    reads: int = 0
    matched: int = 0
    notes: list[str] = field(default_factory=list)
    started: set[int] = field(default_factory=set)
    last_seq: int = 0
    prev_hash: str = GENESIS_HASH
    broken: tuple[int | None, str, int] | None = None


def _walk_chain(job: dict[str, Any]) -> _ChainResult:
    """Verify one chain: its events, head, purges, checkpoints, and its sealed and pending reads."""
    walk = _Walk(**job["walk"])
    result = _ChainResult(chain=walk.chain)
    try:
        walk.run(batch_size=job["batch_size"])
        walk.check_reads(counters=job["counters"], now=job["now"], batch_size=job["batch_size"])
    except _Broken as broken:
        result.broken = (broken.seq, broken.problem, broken.chain)
    result.checked, result.reads, result.matched = walk.checked, walk.reads, walk.matched
    result.notes, result.started = walk.notes, walk.started
    result.last_seq, result.prev_hash = walk.last_seq, walk.prev_hash
    return result


def _worker_start() -> None:
    """A forked worker never uses the parent's database connection: it opens its own."""
    for conn in connections.all(initialized_only=True):
        conn.connection = None  # inherited socket: drop it without closing it for the parent
        conn.close()


def default_jobs() -> int:
    return os.cpu_count() or 1


def verify_chain(
    *, checkpoints: Sequence[Checkpoint] = (), batch_size: int = 5000, jobs: int = 1
) -> ChainReport:
    """Walk every chain up to its head recomputing hashes; check heads, purges, checkpoints,
    and the read events (sealed batches' roots, pending reads' MACs and numbers).

    ``jobs`` > 1 verifies that many chains at once, each in its own process (forked; each opens
    its own database connection, so not for an in-memory database nor inside a transaction:
    then the chains are verified one after the other here)."""
    key = audit_key()
    notes = tuple(_trigger_notes())
    # The lanes' counters, then the heads: what is committed after this moment is left to the
    # next run (a counter read first numbers only reads already committed with it).
    counters: dict[int, dict[int, int]] = defaultdict(dict)
    for chain, lane, last in AuditReadCounter.objects.values_list("chain", "lane", "last"):
        counters[chain][lane] = last
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    purges: dict[int, list[AuditPurge]] = defaultdict(list)
    for purge in AuditPurge.objects.order_by("chain", "through_seq"):
        purges[purge.chain].append(purge)
    marks: dict[int, list[_Mark]] = defaultdict(list)
    for checkpoint in checkpoints:
        for chain, seq, digest in checkpoint.ends:
            marks[chain].append(_Mark(checkpoint, seq, digest))
    now = timezone.now()
    work = [
        {
            "walk": {
                "key": key,
                "chain": chain,
                "head": heads.get(chain),
                "others": len(heads) - (chain in heads),
                "purges": purges.get(chain, []),
                "marks": marks.get(chain, []),
            },
            "counters": counters.get(chain, {}),
            "now": now,
            "batch_size": batch_size,
        }
        for chain in sorted({0, *heads, *purges, *marks, *counters})
    ]
    # Forked workers read what is committed, on their own connections: not from inside a
    # transaction (its rows are invisible to them), nor from an in-memory database.
    if jobs > 1 and len(work) > 1 and not _in_memory() and not connection.in_atomic_block:
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(work)), mp_context=context, initializer=_worker_start
        ) as pool:
            results = list(pool.map(_walk_chain, work))
    else:
        results = [_walk_chain(item) for item in work]
    checked = reads = matched = 0
    walk_notes: list[str] = []
    ends: list[tuple[int, int, str]] = []
    started: set[int] = set()
    try:
        for result in results:  # in chain order: the first broken chain is the one reported
            checked += result.checked
            reads += result.reads
            if result.broken is not None:
                raise _Broken(*result.broken)
            matched += result.matched
            walk_notes.extend(result.notes)
            started |= result.started
            ends.append((result.chain, result.last_seq, result.prev_hash))
        _check_chains_complete(heads=set(heads), started=started)
        _check_reads_counted(walked={result.chain for result in results})
    except _Broken as broken:
        return ChainReport(
            ok=False,
            events_checked=checked,
            broken_at_seq=broken.seq,
            problem=broken.problem,
            notes=notes,
            broken_chain=broken.chain,
            reads_checked=reads,
        )
    last_seq, last_hash = next(((s, h) for c, s, h in ends if c == 0), (0, GENESIS_HASH))
    return ChainReport(
        ok=True,
        events_checked=checked,
        last_seq=last_seq,
        last_hash=last_hash,
        checkpoints_matched=matched,
        notes=(*notes, *walk_notes),
        ends=tuple((c, s, h) for c, s, h in ends if s or c == 0),
        reads_checked=reads,
    )


def _in_memory() -> bool:
    name = str(connection.settings_dict.get("NAME") or "")
    return connection.vendor == "sqlite" and (
        not name or ":memory:" in name or "mode=memory" in name
    )


def _check_reads_counted(*, walked: set[int]) -> None:
    """No record reads in a chain that has no lane counter (deleted with its counters)."""
    current = set(AuditReadCounter.objects.values_list("chain", flat=True).distinct())
    orphan = AuditReadEvent.objects.exclude(chain__in=walked | current).values_list(
        "chain", flat=True
    )
    chain = orphan.first()
    if chain is not None:
        raise _Broken(None, "record reads of this chain have no counter (deleted)", chain)


def _check_chains_complete(*, heads: set[int], started: set[int]) -> None:
    """No chain deleted whole (its start is in chain 0), no events in a chain without a head."""
    deleted = sorted(started - heads)
    if deleted:
        raise _Broken(
            None,
            f"chain 0 records that {_chain_name(deleted[0])} was started, but its head is gone: "
            "the whole chain was deleted",
            deleted[0],
        )
    current = set(AuditChainHead.objects.values_list("chain", flat=True))  # new chains since
    orphan = (
        AuditEvent.objects.exclude(chain__in=heads | current)
        .order_by("chain", "chain_seq")
        .values_list("chain", "chain_seq")
        .first()
    )
    if orphan is not None:
        raise _Broken(
            orphan[1],
            f"events of {_chain_name(orphan[0])} have no chain head (inserted, or the head deleted)",
            orphan[0],
        )


def _trigger_notes() -> list[str]:
    from .checks import trigger_problem

    problem = trigger_problem(connection)
    return [f"{problem} Reinstall them: accord audit triggers --install"] if problem else []


_READ_LANE, _READ_LANE_SEQ, _READ_SEQ, _READ_OCCURRED_AT = (
    3 + READ_FIELDS.index(n) for n in ("lane", "lane_seq", "seq", "occurred_at")
)
_FIELDS_AT, _DETAIL_AT = ROW_COLUMNS.index("fields"), ROW_COLUMNS.index("detail")
_OBJECT_ID, _TIME_AT = ROW_COLUMNS.index("object_id"), ROW_COLUMNS.index("occurred_at")
_READ_FIELDS_AT, _READ_DETAIL_AT = (3 + READ_FIELDS.index(n) for n in ("fields", "detail"))
_STARTED, _SEALED = str(AuditEventType.AUDIT_CHAIN_STARTED), str(AuditEventType.AUDIT_BATCH_SEALED)

#: A stored time as ``_iso`` reads it, formatted by the database (no datetime object per row):
#: PostgreSQL formats it in UTC; SQLite holds the text Django wrote (``str()`` of the naive UTC
#: datetime, without a fraction when it is zero), which is reshaped; any other text SQLite holds
#: (written by hand, with an offset) comes back marked ``?`` for ``_iso_of_marked``.
_DIGITS = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
_ISO_SQL = {
    "postgresql": "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')",
    "sqlite": f"CASE WHEN {{0}} GLOB '{_DIGITS}' "
    "THEN substr({0}, 1, 10) || 'T' || substr({0}, 12) || '.000000+00:00' "
    f"WHEN {{0}} GLOB '{_DIGITS}.[0-9][0-9][0-9][0-9][0-9][0-9]' "
    "THEN substr({0}, 1, 10) || 'T' || substr({0}, 12) || '+00:00' "
    "ELSE '?' || {0} END",
}


def _iso_of_marked(value: Any) -> Any:
    """A time ``_ISO_SQL`` left to Python (marked ``?``), read as Django's converter reads it."""
    if value.__class__ is not str or not value.startswith("?"):
        return value
    try:
        moment = parse_datetime(value[1:])
    except ValueError:
        return value[1:]  # not a time: it cannot match what a writer hashed
    return _iso(moment) if moment is not None else value[1:]


def _iso(value: Any) -> str:
    """A stored time as ``isoformat(timespec="microseconds")`` of the aware UTC datetime Django
    would read: PostgreSQL hands a datetime (the connection is in UTC), SQLite the text Django
    wrote (``str()`` of the naive UTC datetime, without a fraction when it is zero)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite's converter: naive, in UTC (the connection's zone)
            return value.isoformat(timespec="microseconds") + "+00:00"
        if value.utcoffset():
            value = value.astimezone(UTC)
        return value.isoformat(timespec="microseconds")
    text = str(value).replace(" ", "T")
    if len(text) == 19:
        text += ".000000"
    return text + "+00:00"


def _with_iso_time(rows: QuerySet[Any, Any], columns: Sequence[str]) -> Any:
    """``rows.values_list(*columns)`` with ``occurred_at`` read as its ISO text (``_ISO_SQL``)."""
    quote = connection.ops.quote_name
    column = f"{quote(rows.model._meta.db_table)}.{quote('occurred_at')}"
    sql = f"COALESCE({_ISO_SQL[connection.vendor].format(column)}, '?')"  # never NULL nor ''
    iso = RawSQL(sql, ())  # noqa: S611 (constants)
    names = [name if name != "occurred_at" else "occurred_at_iso" for name in columns]
    return rows.annotate(occurred_at_iso=iso).values_list(*names)


def _chunks(rows: Any, *, batch_size: int) -> Iterator[list[Any]]:
    """The rows of a ``values_list`` query in lists of ``batch_size`` tuples, without Django's
    per-value converters (a server-side cursor on PostgreSQL)."""
    sql, params = rows.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(batch_size):
            yield chunk


class _Walk:
    """One chain's verification pass; raises ``_Broken`` at the first problem."""

    def __init__(
        self,
        *,
        key: bytes,
        chain: int,
        head: AuditChainHead | None,
        others: int,
        purges: list[AuditPurge],
        marks: list[_Mark],
    ) -> None:
        self.key, self.chain, self.head, self.others = key, chain, head, others
        self.purges = purges
        self.marks = sorted(marks, key=lambda mark: mark.seq)
        self.checked = self.matched = self.reads = 0
        self.last_seq, self.prev_hash = 0, GENESIS_HASH
        #: chain_seq -> detail of each AUDIT_BATCH_SEALED event walked (the batches to check)
        self.batches: dict[int, dict[str, Any]] = {}
        self.notes: list[str] = []
        self.started: set[int] = set()
        self.name = _chain_name(chain)
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # copied per event: keyed once
        self._known: dict[str, str] = {}  # stored JSON text -> its canonical encoding
        self._marks_at: dict[int, list[_Mark]] = {}
        for mark in self.marks:
            self._marks_at.setdefault(mark.seq, []).append(mark)

    def broken(self, seq: int | None, problem: str) -> _Broken:
        return _Broken(seq, problem, self.chain)

    def run(self, *, batch_size: int) -> None:
        head = self.head
        start_seq = self._start_after_purges()
        if head is None:
            self._no_head()
            return
        if head.seq < start_seq - 1:
            raise self.broken(head.seq + 1, "the chain head lies before the last purge")
        self.last_seq = start_seq - 1
        rows = _with_iso_time(
            AuditEvent.objects.filter(chain=self.chain, chain_seq__lte=head.seq).order_by(
                "chain_seq"
            ),
            ROW_COLUMNS,
        )
        for chunk in _chunks(rows, batch_size=batch_size):
            self._check_events(chunk)
        expected = head_mac(key=self.key, seq=head.seq, hash=head.hash, chain=self.chain)
        if not hmac.compare_digest(head.mac, expected):
            raise self.broken(
                head.seq + 1,
                "the chain head was rewritten without the audit key (its MAC does not match), "
                "as when the tail of the chain is cut and the head moved back",
            )
        self._check_checkpoints_within(up_to=self.last_seq)
        if self.last_seq != head.seq or self.prev_hash != head.hash:
            raise self.broken(
                self.last_seq + 1,
                f"the chain ends at #{self.last_seq} but {head.seq} events were written (truncated)",
            )
        self._check_nothing_after(head.seq)

    def _start_after_purges(self) -> int:
        """Check every purge record's key; the chain restarts after the last one."""
        start_seq = 1
        self._purge_ends = [purge.through_seq for purge in self.purges]
        for purge in self.purges:
            expected = purge_mac(
                key=self.key,
                through_seq=purge.through_seq,
                through_hash=purge.through_hash,
                cutoff=purge.cutoff,
                events_removed=purge.events_removed,
                chain=self.chain,
            )
            if not hmac.compare_digest(purge.mac, expected):
                raise self.broken(
                    start_seq,
                    f"the purge record through #{purge.through_seq} was not written by Accord "
                    "(its MAC does not match): the start of the chain was cut and the record forged",
                )
            for mark in self.marks:
                if mark.seq == purge.through_seq:
                    if mark.hash != purge.through_hash:
                        raise self.broken(
                            mark.seq,
                            f"the purge record through #{purge.through_seq} does not end with "
                            f"the event {mark.label} saw: the history was rewritten",
                        )
                    self.matched += 1
            start_seq = purge.through_seq + 1
            self.prev_hash = purge.through_hash
        purged_ends = set(self._purge_ends)
        for mark in self.marks:
            if mark.seq < start_seq and mark.seq not in purged_ends:
                self.notes.append(
                    f"{mark.label} names an event removed by a retention purge; "
                    "newer checkpoints cover the rest"
                )
        return start_seq

    def _no_head(self) -> None:
        """No head row: only a chain that never recorded anything may look like this."""
        if self._purge_ends or AuditEvent.objects.filter(chain=self.chain).exists():
            what = "the chain head" if not self.chain else f"the head of {self.name}"
            raise self.broken(None, f"{what} is missing (deleted)")
        self._check_checkpoints_within(up_to=0)
        if self.chain:
            return
        if self.others:
            raise self.broken(None, "the chain head is missing (deleted)")
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.count()
        if users:
            raise self.broken(
                1,
                f"the audit trail is empty but {users} user account(s) exist: every account's "
                "creation and every sign-in is audited, so the trail was deleted",
            )
        self.notes.append("the audit trail is empty (a new installation)")

    def _check_events(self, rows: list[Any]) -> None:
        """Check rows of ``ROW_COLUMNS`` (``occurred_at`` as ISO text) continuing the chain: each
        one's number, link and keyed hash, in that order; then note chain starts and sealed
        batches, and match checkpoints. The hot loop: one message template filled per event,
        one copy of the keyed hash state (no re-keying), stored JSON canonicalised once per text.
        """
        keyed, message_of, loads = self._keyed, event_message_of_text, json.loads
        known = self._known
        if len(known) > 50_000:
            known.clear()
        marks = self._marks_at
        expected, prev_hash = self.last_seq + 1, self.prev_hash
        first = expected
        try:
            for row in rows:
                chain_seq = row[1]
                if chain_seq != expected:
                    kind = (
                        "missing (deleted)" if chain_seq > expected else "duplicated or reordered"
                    )
                    raise self.broken(
                        expected, f"event #{expected} is {kind}; found #{chain_seq} next"
                    )
                if row[2] != prev_hash:
                    raise self.broken(
                        chain_seq,
                        "its link to the previous event does not match (inserted, deleted or "
                        "reordered)",
                    )
                if row[_TIME_AT][0] == "?":
                    row = (*row[:_TIME_AT], _iso_of_marked(row[_TIME_AT]), *row[_TIME_AT + 1 :])
                fields, detail = row[_FIELDS_AT], row[_DETAIL_AT]
                fields_json = canonical_json(fields, known, loads)
                detail_json = canonical_json(detail, known, loads)
                mac = keyed.copy()
                mac.update(message_of(row, fields_json, detail_json))
                digest = row[3]
                if mac.hexdigest() != digest:
                    raise self.broken(chain_seq, "its content does not match its hash (edited)")
                prev_hash, expected = digest, expected + 1
                event = row[6]
                if event == _STARTED and not self.chain:
                    self.started.add(int(row[_OBJECT_ID]))
                elif event == _SEALED:
                    value = loads(detail) if detail.__class__ is str else detail
                    self.batches[chain_seq] = value if isinstance(value, dict) else {}
                if marks and chain_seq in marks:
                    for mark in marks[chain_seq]:
                        if mark.hash != digest:
                            raise self.broken(
                                chain_seq,
                                f"it is not the event {mark.label} saw: the history up to it "
                                "was rewritten or the database replaced",
                            )
                        self.matched += 1
        finally:
            self.last_seq, self.prev_hash = expected - 1, prev_hash
            self.checked += expected - first

    def check_reads(self, *, counters: dict[int, int], now: datetime, batch_size: int) -> None:
        """The chain's read events: each one's MAC; each sealed batch's root, count and lanes
        against its sealing event; each lane numbered without a gap up to its counter."""
        head_seq = self.last_seq
        purged = bool(self.purges)
        rows = _with_iso_time(
            AuditReadEvent.objects.filter(chain=self.chain).order_by(
                F("batch").asc(nulls_last=True), "leaf_index", "seq"
            ),
            ("batch", "leaf_index", "mac", *READ_FIELDS),
        )
        keyed = hmac.new(derived_key(self.key, "read-event"), digestmod=hashlib.sha256)
        entry_of, leaf_of, loads, known = read_entry_of_text, leaf_hash, json.loads, self._known
        group: list[bytes] = []
        group_lanes: dict[int, list[int]] = defaultdict(list)
        group_batch: int | None = None
        seen_batches: dict[int, dict[int, tuple[int, int]]] = {}
        pending: dict[int, list[int]] = defaultdict(list)
        oldest: str | None = None

        def close_group() -> None:
            if group_batch is None:
                return
            seen_batches[group_batch] = self._check_batch(group_batch, group, group_lanes)

        for chunk in _chunks(rows, batch_size=batch_size):
            if len(known) > 50_000:
                known.clear()
            for row in chunk:
                batch, leaf_index, mac = row[0], row[1], row[2]
                if row[_READ_OCCURRED_AT][0] == "?":
                    at = _READ_OCCURRED_AT
                    row = (*row[:at], _iso_of_marked(row[at]), *row[at + 1 :])
                fields, detail = row[_READ_FIELDS_AT], row[_READ_DETAIL_AT]
                fields_json = canonical_json(fields, known, loads)
                detail_json = canonical_json(detail, known, loads)
                entry = entry_of(row[3:], fields_json, detail_json)
                lane, lane_seq = row[_READ_LANE], row[_READ_LANE_SEQ]
                keyed_entry = keyed.copy()
                keyed_entry.update(entry)
                if not hmac.compare_digest(keyed_entry.hexdigest(), mac):
                    raise self.broken(
                        batch,
                        f"record read #{row[_READ_SEQ]} (lane {lane}, #{lane_seq}) does not match "
                        "its MAC (edited)",
                    )
                self.reads += 1
                if batch is None or batch > head_seq:  # pending when this check started
                    pending[lane].append(lane_seq)
                    occurred_at = row[_READ_OCCURRED_AT]  # ISO text in UTC: sorts as time does
                    if oldest is None or occurred_at < oldest:
                        oldest = occurred_at
                    continue
                if batch != group_batch:
                    close_group()
                    group, group_lanes, group_batch = [], defaultdict(list), batch
                if leaf_index != len(group):
                    raise self.broken(
                        batch,
                        f"the reads sealed by event #{batch} are not in their sealed order "
                        f"(found leaf {leaf_index} where {len(group)} was expected): reordered "
                        "or deleted",
                    )
                group.append(leaf_of(entry))
                group_lanes[lane].append(lane_seq)
        close_group()
        missing = sorted(set(self.batches) - set(seen_batches))
        if missing:
            raise self.broken(
                missing[0], f"the reads sealed by event #{missing[0]} are gone (deleted)"
            )
        self._check_lanes(seen_batches, pending, counters, purged=purged)
        waited = (now - datetime.fromisoformat(oldest)).total_seconds() if oldest else 0.0
        if waited > PENDING_WARN_SECONDS:
            minutes = int(waited // 60)
            self.notes.append(
                f"{self.name}: a record read has waited {minutes} minutes to be sealed: "
                "is the background worker (audit.seal_reads) running?"
            )

    def _check_batch(
        self, batch: int, leaves: list[bytes], lanes: dict[int, list[int]]
    ) -> dict[int, tuple[int, int]]:
        detail = self.batches.get(batch)
        if detail is None:
            raise self.broken(
                batch,
                f"reads are sealed by event #{batch}, which is not a sealing event of this chain "
                "(moved or inserted)",
            )
        if len(leaves) != detail.get("count"):
            raise self.broken(
                batch,
                f"event #{batch} sealed {detail.get('count')} record reads but {len(leaves)} "
                "are there (deleted or inserted)",
            )
        if root_from_leaves(leaves).hex() != detail.get("root"):
            raise self.broken(
                batch,
                f"the record reads sealed by event #{batch} do not match its Merkle root "
                "(edited, reordered or replaced)",
            )
        ranges: dict[int, tuple[int, int]] = {}
        recorded = detail.get("lanes") or {}
        for lane, numbers in lanes.items():
            low, high = min(numbers), max(numbers)
            if recorded.get(str(lane)) != [low, high] or high - low + 1 != len(numbers):
                raise self.broken(
                    batch,
                    f"the record reads sealed by event #{batch} do not number lane {lane} "
                    "as the event says",
                )
            ranges[lane] = (low, high)
        return ranges

    def _check_lanes(
        self,
        batches: dict[int, dict[int, tuple[int, int]]],
        pending: dict[int, list[int]],
        counters: dict[int, int],
        *,
        purged: bool,
    ) -> None:
        """Each lane: batches continue one another, pending reads continue the last batch, and
        every number up to the lane's counter is there (a deleted pending read is a gap)."""
        following: dict[int, int] = {}
        for batch in sorted(batches):
            for lane, (low, high) in batches[batch].items():
                expected = following.get(lane, low if purged else 1)
                if low != expected:
                    raise self.broken(
                        batch,
                        f"lane {lane}'s record reads jump from #{expected - 1} to #{low} "
                        f"at the batch sealed by event #{batch} (deleted)",
                    )
                following[lane] = high + 1
        for lane in sorted(set(pending) | set(counters)):
            numbers = sorted(pending.get(lane, []))
            start = following.get(lane, numbers[0] if purged and numbers else 1)
            last = counters.get(lane)
            if last is None:
                if numbers:
                    raise self.broken(
                        None, f"record reads of lane {lane} have no counter (deleted)"
                    )
                continue
            wanted = list(range(start, last + 1))
            present = [n for n in numbers if n <= last]
            if present != wanted:
                gap = next((n for n in wanted if n not in set(present)), last)
                raise self.broken(
                    None,
                    f"record read #{gap} of lane {lane} is missing (deleted before it was sealed)",
                )

    def _check_checkpoints_within(self, *, up_to: int) -> None:
        for mark in self.marks:
            if mark.seq > up_to:
                raise self.broken(
                    up_to + 1,
                    f"{mark.label} saw {self.name} reach #{mark.seq}, but it now ends "
                    f"at #{up_to}: events were cut, or the database rolled back or replaced",
                )

    def _check_nothing_after(self, head_seq: int) -> None:
        """Events past the head were not written by Accord (a write moves both at once)."""
        in_chain = AuditEvent.objects.filter(chain=self.chain)
        highest = in_chain.aggregate(highest=Max("chain_seq"))["highest"] or 0
        current = (
            AuditChainHead.objects.filter(chain=self.chain).values_list("seq", flat=True).first()
        )
        if highest > max(head_seq, current or 0):
            raise self.broken(
                max(head_seq, current or 0) + 1,
                f"events up to #{highest} lie beyond the chain head (inserted)",
            )
