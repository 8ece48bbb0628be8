"""``assert_audited``: the one way a test says "this action left this audit event".

Every service writes a *specific* audit event (S15); a service test proves it by naming the event
and what it must say about the object, the actor and the fields. When the event is missing the
failure lists the events that *were* written, so a wrong event type or a wrong object id reads at
a glance instead of as ``assert False``.

Test-only: nothing in the application imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .events import AuditEventType
from .models import AuditEvent, AuditReadEvent

__all__ = ["assert_audited", "audit_mark"]


def audit_mark() -> int:
    """The sequence number of the newest event so far; pass it as ``since`` to look only later."""
    marks = [
        model.objects.order_by("-seq").values_list("seq", flat=True).first()
        for model in (AuditEvent, AuditReadEvent)
    ]
    return int(max(mark or 0 for mark in marks))


def _describe(event: AuditEvent | AuditReadEvent) -> str:
    parts = [f"#{event.seq} {event.event}"]
    if event.outcome != "success":
        parts.append(f"outcome={event.outcome}")
    if event.object_type or event.object_id:
        parts.append(f"object={event.object_type}:{event.object_id}")
    parts.append(f"actor={event.actor_username or event.actor_id or '-'}")
    if event.fields:
        parts.append(f"fields={sorted(event.fields)}")
    return " ".join(parts)


def assert_audited(
    event: AuditEventType | str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    actor: Any = None,
    fields: Iterable[str] | None = None,
    outcome: str | None = None,
    since: int | None = None,
) -> AuditEvent | AuditReadEvent:
    """The newest audit event of type ``event`` matching every criterion given; fails otherwise.

    ``object_id`` is compared as text (the column is text); ``actor`` is a user (or its pk);
    ``fields`` must be exactly the field names recorded (order ignored); ``since`` is an
    :func:`audit_mark` taken before the action, so events of the test's set-up do not count.
    """
    written: list[AuditEvent | AuditReadEvent] = []
    for model in (AuditEvent, AuditReadEvent):  # chain events and record reads alike
        events = model.objects.order_by("seq")
        if since is not None:
            events = events.filter(seq__gt=since)
        written.extend(events)
    written.sort(key=lambda candidate: candidate.seq)
    wanted_fields = sorted(fields) if fields is not None else None
    actor_id = getattr(actor, "pk", actor)

    def matches(candidate: AuditEvent | AuditReadEvent) -> bool:
        return (
            candidate.event == str(event)
            and (object_type is None or candidate.object_type == object_type)
            and (object_id is None or candidate.object_id == str(object_id))
            and (actor_id is None or candidate.actor_id == actor_id)
            and (wanted_fields is None or sorted(candidate.fields or []) == wanted_fields)
            and (outcome is None or candidate.outcome == outcome)
        )

    found = [candidate for candidate in written if matches(candidate)]
    if not found:
        wanted = [f"event={event}"]
        for name, value in (
            ("object_type", object_type),
            ("object_id", object_id),
            ("actor", actor_id),
            ("fields", wanted_fields),
            ("outcome", outcome),
        ):
            if value is not None:
                wanted.append(f"{name}={value}")
        listing = "\n".join(f"  {_describe(e)}" for e in written) or "  (none)"
        scope = f" after #{since}" if since is not None else ""
        raise AssertionError(
            f"No audit event {' '.join(wanted)}.\nEvents written{scope}:\n{listing}"
        )
    return found[-1]
