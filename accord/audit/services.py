"""Writing audit events: the one service every other app calls (S15-S17)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.errors import AuditUnavailable

from . import context
from .chain import GENESIS_HASH, READ_FIELDS, event_hash, head_mac, read_entry, read_mac
from .events import READ_EVENTS, AuditEventType, Outcome
from .models import AuditChainHead, AuditEvent, AuditReadEvent

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
        raise AuditUnavailable(_("The audit key is not configured."))
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
) -> AuditEvent | AuditReadEvent:
    """Append one event to the chain, or raise ``AuditUnavailable`` so the caller's work fails.

    ``fields`` are field *names* disclosed or changed, never values. Runs in its
    own atomic block (a savepoint inside a caller's transaction, so a rolled-back
    action takes its event with it). A read event (``READ_EVENTS``) is not appended to the
    chain but stored pending, keyed, without the chain's lock (``_record_read``): it is just
    as durable before the caller goes on, and the sequencer seals it into the chain later.
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
    if event in READ_EVENTS:
        return _record_read(chain=chain, content=content)
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
            _("The audit trail cannot be written; the action was not carried out.")
        ) from exc
    return audit_event


#: Each chain numbers its reads in this many lanes, each without gaps. A thread always uses the
#: same lane (``_lane``), so two readers wait for one another only when their threads share a
#: lane, and then only until the reader's transaction ends (in a page view: its one INSERT); and
#: a transaction that records several reads takes one lane's lock, never two in some order.
READ_LANES = 64


def _lane() -> int:
    return hash((os.getpid(), threading.get_ident())) % READ_LANES


_NEXT_IN_LANE = (
    "INSERT INTO audit_auditreadcounter (chain, lane, last) VALUES (%s, %s, 1) "
    "ON CONFLICT (chain, lane) DO UPDATE SET last = audit_auditreadcounter.last + 1 "
    "RETURNING last"
)


def _record_read(*, chain: int, content: dict[str, Any]) -> AuditReadEvent:
    """Store a read event pending (no chain lock), keyed with the audit key; fail closed.

    The lane's counter and the row are written in one transaction, so a number that a reader
    of the counter can see belongs to a row it can see: a missing number is a deleted read.
    """
    try:
        key = audit_key()
        with transaction.atomic():
            lane = _lane()
            with connection.cursor() as cursor:
                cursor.execute(_NEXT_IN_LANE, [chain, lane])
                lane_seq = int(cursor.fetchone()[0])
            content.update(chain=chain, lane=lane, lane_seq=lane_seq, seq=_next_seq())
            entry = read_entry([content[name] for name in READ_FIELDS])
            return AuditReadEvent.objects.create(mac=read_mac(key, entry), **content)
    except AuditUnavailable:
        raise
    except DatabaseError as exc:
        logger.error("audit read write failed: %s", exc.__class__.__name__)
        raise AuditUnavailable(
            _("The audit trail cannot be written; the record is not shown.")
        ) from exc


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
    the highest number plus one (of chain events and read events) is safe there.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(%s)", [EVENT_SEQUENCE])
        else:
            try:
                with transaction.atomic():
                    cursor.execute(
                        "SELECT MAX(COALESCE((SELECT MAX(seq) FROM audit_auditevent), 0), "
                        "COALESCE((SELECT MAX(seq) FROM audit_auditreadevent), 0)) + 1"
                    )
            except OperationalError:  # a data migration writing before audit 0006 ran
                cursor.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_auditevent")
        row = cursor.fetchone()
    return int(row[0])
