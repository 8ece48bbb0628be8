"""Checking the audit chain (S16): find the first broken link."""

from __future__ import annotations

from dataclasses import dataclass

from django.forms.models import model_to_dict

from .chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from .models import AuditChainHead, AuditEvent, AuditPurge
from .services import audit_key


@dataclass(frozen=True)
class ChainReport:
    """``ok`` with the number of events checked, or the first broken link and why."""

    ok: bool
    events_checked: int
    broken_at_seq: int | None = None
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.events_checked} events verified"
        return (
            f"audit chain BROKEN at event #{self.broken_at_seq}: {self.problem} "
            f"({self.events_checked} events verified before it)"
        )


def verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Walk every event in sequence order recomputing hashes; compare the end with the head."""
    key = audit_key()
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    last_purge = AuditPurge.objects.order_by("-through_seq").first()
    if last_purge is not None:  # an audited retention purge removed the chain's beginning
        expected_seq, prev_hash = last_purge.through_seq + 1, last_purge.through_hash
    for audit_event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if audit_event.seq != expected_seq:
            kind = (
                "missing (deleted)" if audit_event.seq > expected_seq else "duplicated or reordered"
            )
            return ChainReport(
                ok=False,
                events_checked=checked,
                broken_at_seq=expected_seq,
                problem=f"event #{expected_seq} is {kind}; found #{audit_event.seq} next",
            )
        if audit_event.prev_hash != prev_hash:
            return ChainReport(
                ok=False,
                events_checked=checked,
                broken_at_seq=audit_event.seq,
                problem="its link to the previous event does not match (inserted, deleted or reordered)",
            )
        content = model_to_dict(audit_event, fields=HASHED_FIELDS)
        content["seq"] = audit_event.seq
        content["occurred_at"] = audit_event.occurred_at
        if event_hash(key=key, prev_hash=prev_hash, content=content) != audit_event.hash:
            return ChainReport(
                ok=False,
                events_checked=checked,
                broken_at_seq=audit_event.seq,
                problem="its content does not match its hash (edited)",
            )
        prev_hash, expected_seq, checked = audit_event.hash, expected_seq + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    last_seq = expected_seq - 1
    if head_seq != last_seq or head_hash != prev_hash:
        return ChainReport(
            ok=False,
            events_checked=checked,
            broken_at_seq=last_seq + 1,
            problem=f"the chain ends at #{last_seq} but {head_seq} events were written (truncated)",
        )
    return ChainReport(ok=True, events_checked=checked)
