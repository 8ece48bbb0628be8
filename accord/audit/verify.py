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

import hmac
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Max
from django.forms.models import model_to_dict

from .chain import GENESIS_HASH, HASHED_FIELDS, event_hash, head_mac, purge_mac
from .checkpoint import Checkpoint
from .events import AuditEventType
from .models import AuditChainHead, AuditEvent, AuditPurge
from .services import audit_key


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

    def __str__(self) -> str:
        if self.ok:
            text = f"audit chain intact: {self.events_checked} events verified"
            if self.last_seq:
                text += f", through event #{self.last_seq}"
            others = sum(1 for chain, _, _ in self.ends if chain)
            if others:
                text += f", and {others} task force chain(s)"
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


def verify_chain(*, checkpoints: Sequence[Checkpoint] = (), batch_size: int = 5000) -> ChainReport:
    """Walk every chain up to its head recomputing hashes; check heads, purges, checkpoints."""
    key = audit_key()
    notes = tuple(_trigger_notes())
    # The heads first: events committed after this moment are left to the next run.
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    purges: dict[int, list[AuditPurge]] = defaultdict(list)
    for purge in AuditPurge.objects.order_by("chain", "through_seq"):
        purges[purge.chain].append(purge)
    marks: dict[int, list[_Mark]] = defaultdict(list)
    for checkpoint in checkpoints:
        for chain, seq, digest in checkpoint.ends:
            marks[chain].append(_Mark(checkpoint, seq, digest))
    checked = matched = 0
    walk_notes: list[str] = []
    ends: list[tuple[int, int, str]] = []
    started: set[int] = set()
    try:
        for chain in sorted({0, *heads, *purges, *marks}):
            walk = _Walk(
                key=key,
                chain=chain,
                head=heads.get(chain),
                others=len(heads) - (chain in heads),
                purges=purges.get(chain, []),
                marks=marks.get(chain, []),
            )
            try:
                walk.run(batch_size=batch_size)
            finally:
                checked += walk.checked
            matched += walk.matched
            walk_notes.extend(walk.notes)
            started |= walk.started
            ends.append((chain, walk.last_seq, walk.prev_hash))
        _check_chains_complete(heads=set(heads), started=started)
    except _Broken as broken:
        return ChainReport(
            ok=False,
            events_checked=checked,
            broken_at_seq=broken.seq,
            problem=broken.problem,
            notes=notes,
            broken_chain=broken.chain,
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
    )


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
        self.checked = self.matched = 0
        self.last_seq, self.prev_hash = 0, GENESIS_HASH
        self.notes: list[str] = []
        self.started: set[int] = set()
        self.name = _chain_name(chain)

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
        events = AuditEvent.objects.filter(chain=self.chain, chain_seq__lte=head.seq).order_by(
            "chain_seq"
        )
        for audit_event in events.iterator(chunk_size=batch_size):
            self._check_event(audit_event)
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

    def _check_event(self, audit_event: AuditEvent) -> None:
        expected_seq = self.last_seq + 1
        if audit_event.chain_seq != expected_seq:
            kind = (
                "missing (deleted)"
                if audit_event.chain_seq > expected_seq
                else "duplicated or reordered"
            )
            raise self.broken(
                expected_seq,
                f"event #{expected_seq} is {kind}; found #{audit_event.chain_seq} next",
            )
        if audit_event.prev_hash != self.prev_hash:
            raise self.broken(
                audit_event.chain_seq,
                "its link to the previous event does not match (inserted, deleted or reordered)",
            )
        content = model_to_dict(audit_event, fields=HASHED_FIELDS)
        content["seq"] = audit_event.seq
        content["occurred_at"] = audit_event.occurred_at
        content["chain"], content["chain_seq"] = audit_event.chain, audit_event.chain_seq
        if event_hash(key=self.key, prev_hash=self.prev_hash, content=content) != audit_event.hash:
            raise self.broken(audit_event.chain_seq, "its content does not match its hash (edited)")
        self.prev_hash, self.last_seq, self.checked = (
            audit_event.hash,
            audit_event.chain_seq,
            self.checked + 1,
        )
        if audit_event.event == AuditEventType.AUDIT_CHAIN_STARTED and not self.chain:
            self.started.add(int(audit_event.object_id))
        for mark in self.marks:
            if mark.seq == audit_event.chain_seq:
                if mark.hash != audit_event.hash:
                    raise self.broken(
                        audit_event.chain_seq,
                        f"it is not the event {mark.label} saw: the history up to it "
                        "was rewritten or the database replaced",
                    )
                self.matched += 1

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
