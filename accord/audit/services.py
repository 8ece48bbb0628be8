"""Writing audit events: the one service every other app calls (S15-S17)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from accord.errors import AuditUnavailable

from . import context
from .chain import GENESIS_HASH, event_hash, head_mac
from .events import AuditEventType, Outcome
from .models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from accord.accounts.models import User

logger = logging.getLogger("accord.audit")


def audit_key() -> bytes:
    key = getattr(settings, "ACCORD_AUDIT_KEY", "")
    if not key:
        raise AuditUnavailable("The audit key is not configured.")
    return key.encode() if isinstance(key, str) else key


def audit_record(
    *,
    event: AuditEventType,
    actor: User | None = None,
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
    try:
        key = audit_key()
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(
                pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
            )
            content["seq"] = head.seq + 1
            digest = event_hash(key=key, prev_hash=head.hash, content=content)
            audit_event = AuditEvent.objects.create(prev_hash=head.hash, hash=digest, **content)
            head.seq, head.hash = content["seq"], digest
            head.mac = head_mac(key=key, seq=head.seq, hash=head.hash)
            head.save(update_fields=["seq", "hash", "mac", "updated_at"])
    except AuditUnavailable:
        raise
    except DatabaseError as exc:
        logger.error("audit write failed: %s", exc.__class__.__name__)
        raise AuditUnavailable(
            "The audit trail cannot be written; the action was not carried out."
        ) from exc
    return audit_event
