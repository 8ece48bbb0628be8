"""Checking the audit chain (S16): find the first broken link.

What a clean report proves: every event from the chain's start (or the last keyed purge
record) to the keyed chain head was written by a holder of the audit key, unedited, in order,
none missing; and each checkpoint given names an event still there with the same hash. What
it cannot prove without a checkpoint: that the database was not rolled back to an older state
of itself (an older backup, an older head row replayed) — the checkpoints kept off the
machine are what catch that.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Max
from django.forms.models import model_to_dict

from .chain import GENESIS_HASH, HASHED_FIELDS, event_hash, head_mac, purge_mac
from .checkpoint import Checkpoint
from .models import AuditChainHead, AuditEvent, AuditPurge
from .services import audit_key


@dataclass(frozen=True)
class ChainReport:
    """``ok`` with the number of events checked, or the first broken link and why.

    ``last_seq``/``last_hash`` are where the verified chain ends (what a checkpoint signs);
    ``notes`` are facts worth a look that do not break the chain.
    """

    ok: bool
    events_checked: int
    broken_at_seq: int | None = None
    problem: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    checkpoints_matched: int = 0
    notes: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        if self.ok:
            text = f"audit chain intact: {self.events_checked} events verified"
            if self.last_seq:
                text += f", through event #{self.last_seq}"
            if self.checkpoints_matched:
                text += f"; {self.checkpoints_matched} checkpoint(s) matched"
        else:
            where = f" at event #{self.broken_at_seq}" if self.broken_at_seq is not None else ""
            text = (
                f"audit chain BROKEN{where}: {self.problem} "
                f"({self.events_checked} events verified before it)"
            )
        return "\n".join([text, *(f"note: {note}" for note in self.notes)])


class _Broken(Exception):
    def __init__(self, seq: int | None, problem: str) -> None:
        super().__init__(problem)
        self.seq, self.problem = seq, problem


def verify_chain(*, checkpoints: Sequence[Checkpoint] = (), batch_size: int = 5000) -> ChainReport:
    """Walk every event up to the chain head recomputing hashes; check head, purges, checkpoints."""
    walk = _Walk(key=audit_key(), checkpoints=checkpoints)
    notes = tuple(_trigger_notes())
    try:
        walk.run(batch_size=batch_size)
    except _Broken as broken:
        return ChainReport(
            ok=False,
            events_checked=walk.checked,
            broken_at_seq=broken.seq,
            problem=broken.problem,
            notes=notes,
        )
    return ChainReport(
        ok=True,
        events_checked=walk.checked,
        last_seq=walk.last_seq,
        last_hash=walk.prev_hash,
        checkpoints_matched=walk.matched,
        notes=(*notes, *walk.notes),
    )


def _trigger_notes() -> list[str]:
    from .checks import trigger_problem

    problem = trigger_problem(connection)
    return [f"{problem} Reinstall them: accord audit triggers --install"] if problem else []


class _Walk:
    """One verification pass; raises ``_Broken`` at the first problem."""

    def __init__(self, *, key: bytes, checkpoints: Sequence[Checkpoint]) -> None:
        self.key = key
        self.checkpoints = sorted(checkpoints, key=lambda cp: cp.seq)
        self.checked = self.matched = 0
        self.last_seq, self.prev_hash = 0, GENESIS_HASH
        self.notes: list[str] = []

    def run(self, *, batch_size: int) -> None:
        # The head first: events committed after this moment are left to the next run.
        head = AuditChainHead.objects.filter(pk=1).first()
        start_seq = self._start_after_purges()
        if head is None:
            self._no_head()
            return
        if head.seq < start_seq - 1:
            raise _Broken(head.seq + 1, "the chain head lies before the last purge")
        self.last_seq = start_seq - 1
        events = AuditEvent.objects.filter(seq__lte=head.seq).order_by("seq")
        for audit_event in events.iterator(chunk_size=batch_size):
            self._check_event(audit_event)
        if not hmac.compare_digest(head.mac, head_mac(key=self.key, seq=head.seq, hash=head.hash)):
            raise _Broken(
                head.seq + 1,
                "the chain head was rewritten without the audit key (its MAC does not match), "
                "as when the tail of the chain is cut and the head moved back",
            )
        self._check_checkpoints_within(up_to=self.last_seq)
        if self.last_seq != head.seq or self.prev_hash != head.hash:
            raise _Broken(
                self.last_seq + 1,
                f"the chain ends at #{self.last_seq} but {head.seq} events were written (truncated)",
            )
        self._check_nothing_after(head.seq)

    def _start_after_purges(self) -> int:
        """Check every purge record's key; the chain restarts after the last one."""
        start_seq = 1
        purges = list(AuditPurge.objects.order_by("through_seq"))
        self._purge_ends = [purge.through_seq for purge in purges]
        for purge in purges:
            expected = purge_mac(
                key=self.key,
                through_seq=purge.through_seq,
                through_hash=purge.through_hash,
                cutoff=purge.cutoff,
                events_removed=purge.events_removed,
            )
            if not hmac.compare_digest(purge.mac, expected):
                raise _Broken(
                    start_seq,
                    f"the purge record through #{purge.through_seq} was not written by Accord "
                    "(its MAC does not match): the start of the chain was cut and the record forged",
                )
            for checkpoint in self.checkpoints:
                if checkpoint.seq == purge.through_seq:
                    if checkpoint.hash != purge.through_hash:
                        raise _Broken(
                            checkpoint.seq,
                            f"the purge record through #{purge.through_seq} does not end with "
                            f"the event {checkpoint.label} saw: the history was rewritten",
                        )
                    self.matched += 1
            start_seq = purge.through_seq + 1
            self.prev_hash = purge.through_hash
        purged_ends = set(self._purge_ends)
        for checkpoint in self.checkpoints:
            if checkpoint.seq < start_seq and checkpoint.seq not in purged_ends:
                self.notes.append(
                    f"{checkpoint.label} names an event removed by a retention purge; "
                    "newer checkpoints cover the rest"
                )
        return start_seq

    def _no_head(self) -> None:
        """No head row: only a database that never recorded anything may look like this."""
        if self._purge_ends or AuditEvent.objects.exists():
            raise _Broken(None, "the chain head is missing (deleted)")
        self._check_checkpoints_within(up_to=0)
        from accord.accounts.models import User

        users = User.objects.count()
        if users:
            raise _Broken(
                1,
                f"the audit trail is empty but {users} user account(s) exist: every account's "
                "creation and every sign-in is audited, so the trail was deleted",
            )
        self.notes.append("the audit trail is empty (a new installation)")

    def _check_event(self, audit_event: AuditEvent) -> None:
        expected_seq = self.last_seq + 1
        if audit_event.seq != expected_seq:
            kind = (
                "missing (deleted)" if audit_event.seq > expected_seq else "duplicated or reordered"
            )
            raise _Broken(
                expected_seq, f"event #{expected_seq} is {kind}; found #{audit_event.seq} next"
            )
        if audit_event.prev_hash != self.prev_hash:
            raise _Broken(
                audit_event.seq,
                "its link to the previous event does not match (inserted, deleted or reordered)",
            )
        content = model_to_dict(audit_event, fields=HASHED_FIELDS)
        content["seq"] = audit_event.seq
        content["occurred_at"] = audit_event.occurred_at
        if event_hash(key=self.key, prev_hash=self.prev_hash, content=content) != audit_event.hash:
            raise _Broken(audit_event.seq, "its content does not match its hash (edited)")
        self.prev_hash, self.last_seq, self.checked = (
            audit_event.hash,
            audit_event.seq,
            self.checked + 1,
        )
        for checkpoint in self.checkpoints:
            if checkpoint.seq == audit_event.seq:
                if checkpoint.hash != audit_event.hash:
                    raise _Broken(
                        audit_event.seq,
                        f"it is not the event {checkpoint.label} saw: the history up to it "
                        "was rewritten or the database replaced",
                    )
                self.matched += 1

    def _check_checkpoints_within(self, *, up_to: int) -> None:
        for checkpoint in self.checkpoints:
            if checkpoint.seq > up_to:
                raise _Broken(
                    up_to + 1,
                    f"{checkpoint.label} saw the chain reach #{checkpoint.seq}, but it now ends "
                    f"at #{up_to}: events were cut, or the database rolled back or replaced",
                )

    def _check_nothing_after(self, head_seq: int) -> None:
        """Events past the head were not written by Accord (a write moves both at once)."""
        highest = AuditEvent.objects.aggregate(highest=Max("seq"))["highest"] or 0
        current = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first()
        if highest > max(head_seq, current or 0):
            raise _Broken(
                max(head_seq, current or 0) + 1,
                f"events up to #{highest} lie beyond the chain head (inserted)",
            )
