"""Writing audit events: the one service every other app calls (S15-S17)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from accord.errors import AuditUnavailable

from . import context
from .chain import GENESIS_HASH, event_hash, head_mac
from .events import AuditEventType, Outcome
from .models import AuditChainHead, AuditEvent

logger = logging.getLogger("accord.audit")


class Actor(Protocol):
    """Who acted, as the audit log reads them (``accord.accounts.models.User`` is one): the log
    needs no import of the accounts app, which records its own events here."""

    @property
    def pk(self) -> Any: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def agency_id(self) -> int | None: ...
    @property
    def role_set(self) -> frozenset[str]: ...
    @property
    def task_force_id(self) -> int | None: ...
    def get_username(self) -> str: ...


def audit_key() -> bytes:
    key = getattr(settings, "ACCORD_AUDIT_KEY", "")
    if not key:
        raise AuditUnavailable("The audit key is not configured.")
    return key.encode() if isinstance(key, str) else key


def audit_record(
    *,
    event: AuditEventType,
    actor: Actor | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    username: str = "",
    object_type: str = "",
    object_id: object = "",
    fields: Iterable[str] = (),
    purpose: str = "",
    detail: Mapping[str, Any] | None = None,
    subject_agency_id: int | None = None,
    task_force_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain, or raise ``AuditUnavailable`` so the caller's work fails.

    ``fields`` are field *names* disclosed or changed, never values. Runs in its
    own atomic block (a savepoint inside a caller's transaction, so a rolled-back
    action takes its event with it).
    """
    request = context.current()
    member = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    content: dict[str, Any] = {
        # Millisecond precision: what JSON backups keep, so a restored chain still verifies.
        "occurred_at": now.replace(microsecond=now.microsecond // 1000 * 1000),
        "event": str(event),
        "outcome": str(outcome),
        "actor_id": member.pk if member is not None else None,
        "actor_username": member.get_username() if member is not None else username[:150],
        "actor_agency_id": member.agency_id if member is not None else None,
        "actor_roles": ",".join(sorted(member.role_set)) if member is not None else "",
        "task_force_id": task_force_id
        if task_force_id is not None
        else (member.task_force_id if member is not None else None),
        "subject_agency_id": subject_agency_id,
        "request_id": request.request_id,
        "ip_address": request.ip_address,
        "object_type": object_type,
        "object_id": str(object_id) if object_id not in (None, "") else "",
        "fields": sorted(set(fields)),
        "purpose": purpose[:200],
        "detail": dict(detail or {}),
    }
    chain = content["task_force_id"] or 0
    try:
        key = audit_key()
        with transaction.atomic():
            head = _locked_head(chain)
            content["chain"], content["chain_seq"] = chain, head.seq + 1
            content["seq"] = _next_seq()
            digest = event_hash(key=key, prev_hash=head.hash, content=content)
            audit_event = AuditEvent.objects.create(prev_hash=head.hash, hash=digest, **content)
            head.seq, head.hash = content["chain_seq"], digest
            head.mac = head_mac(key=key, seq=head.seq, hash=head.hash, chain=chain)
            head.save(update_fields=["seq", "hash", "mac", "updated_at"])
    except AuditUnavailable:
        raise
    except DatabaseError as exc:
        logger.error("audit write failed: %s", exc.__class__.__name__)
        raise AuditUnavailable(
            "The audit trail cannot be written; the action was not carried out."
        ) from exc
    return audit_event


def _locked_head(chain: int) -> AuditChainHead:
    """Lock this chain's head only (other task forces write on); start the chain if it is new.

    A new chain's start is itself recorded in chain 0 (``AUDIT_CHAIN_STARTED``), so deleting a
    whole chain, head and all, leaves a start that ``verify`` finds without its chain. Lock
    order is always "this chain, then chain 0", and chain 0 starts no chain: no deadlock.
    """
    head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            head = AuditChainHead.objects.create(chain=chain, seq=0, hash=GENESIS_HASH)
    except IntegrityError:  # another writer started it first (we waited for its commit)
        head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
        if head is None:  # not that: a fault in the table, so the write fails closed
            raise DatabaseError(f"the head of audit chain {chain} cannot be created") from None
        return head
    if chain:
        audit_record(
            event=AuditEventType.AUDIT_CHAIN_STARTED,
            username="accord",
            object_type="audit_chain",
            object_id=chain,
            detail={"chain": chain},
        )
    return head


#: The PostgreSQL sequence numbering every event (``seq``), created by migration 0005.
EVENT_SEQUENCE = "audit_event_seq"


def _next_seq() -> int:
    """The next deployment-wide ordering number, without a lock shared by every writer.

    PostgreSQL: a sequence (never blocks; a rolled-back write leaves a gap, which is harmless:
    each chain's ``chain_seq`` is what must be contiguous). SQLite has one writer at a time, so
    the highest number plus one is safe there.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(%s)", [EVENT_SEQUENCE])
        else:
            cursor.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_auditevent")
        row = cursor.fetchone()
    return int(row[0])
