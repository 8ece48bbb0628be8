"""Where a potential victim stays: the protocol's recommendation and the placement record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from accord.accounts.models import Role, User
from accord.audit.events import AuditEventType
from accord.core.model import FieldClass
from accord.directory.services import bed_reserve
from accord.errors import ValidationError

from ..models import Case, Placement, PlacementKind, PotentialVictim
from ._common import audit, event_add, now_or, require_role
from ._per_victim import decision_for as _decision_for
from ._per_victim import victim_for as _victim_for


def placement_recommendation(*, case: Case, victim: PotentialVictim) -> dict[str, Any]:
    return _decision_for(case, "placement", victim_age=victim.age, victim_gender=victim.gender)


def placement_record(
    *,
    actor: User,
    victim_id: int,
    kind: str,
    service: str = "",
    details: str = "",
    reserve_bed: bool = True,
    now: datetime | None = None,
) -> Placement:
    """Where the victim stays; a bed at a directory service with capacity is reserved at once."""
    from accord.directory.models import Service

    now = now_or(now)
    victim, case, access = _victim_for(actor, victim_id)
    require_role(
        actor, access, roles=(Role.INVESTIGATOR, Role.ADVOCATE), action="record a placement"
    )
    if kind not in PlacementKind.values:
        raise ValidationError(f"Unknown placement kind {kind!r}.", data={"field": "kind"})
    recommendation = placement_recommendation(case=case, victim=victim)
    recommended = next((r.get("service") for r in recommendation["rows"] if r.get("service")), "")
    service = service or (recommended if kind in (PlacementKind.SHELTER, PlacementKind.CPS) else "")
    directory_service = None
    if service:
        directory_service = Service.objects.filter(
            task_force_id=case.task_force_id, slug=service
        ).first()
        if directory_service is None:
            raise ValidationError(
                f"{service!r} is not a service in the directory.", data={"field": "service"}
            )
    with transaction.atomic():
        reserved = False
        if (
            reserve_bed
            and directory_service is not None
            and directory_service.beds_available is not None
        ):
            bed_reserve(
                actor=actor,
                service=directory_service,
                purpose=f"placement on case {case.number}",
                now=now,
            )
            reserved = True
        placement = Placement.objects.create(
            case=case,
            produced_by=actor.agency,
            created_at=now,
            victim=victim,
            kind=kind,
            service=service,
            recommended_service=recommended or "",
            details=details,
            bed_reserved=reserved,
            placed_at=now,
        )
        event_add(
            case=case,
            actor=actor,
            agency=actor.agency,
            kind="placement_recorded",
            summary=f"Placement of {victim.pseudonym} recorded ({placement.get_kind_display()})",
            field_class=FieldClass.VSP_CONFIDENTIAL,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=placement,
            fields=["kind", "service", "details"],
        )
    return placement
