"""Where a potential victim stays: the protocol recommends, the directory decides.

A placement at a directory service is checked against that service's eligibility (age, gender)
and capacity (beds). What the directory excludes is refused with the reason in words; only a
coordinator may record an emergency placement outside eligibility, with a reason, and such a
placement is flagged on the case and audited as an override. A full service is never
overridden: there is no bed to give. Beds are reserved when the placement is made and released
when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import Role, User
from accord.audit.events import AuditEventType
from accord.core.model import FieldClass
from accord.directory.services import bed_release, bed_reserve
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError

from ..models import Case, Placement, PlacementKind, PotentialVictim
from ._common import (
    audit,
    bump,
    check_version,
    event_add,
    locked,
    now_or,
    require_case,
    require_member,
    require_role,
)
from ._per_victim import decision_for as _decision_for
from ._per_victim import victim_for as _victim_for

if TYPE_CHECKING:
    from accord.directory.models import Service

#: Who records placements on a case they work; a coordinator may too (and alone may override).
PLACING_ROLES = (Role.INVESTIGATOR, Role.ADVOCATE)


@dataclass(frozen=True)
class Exclusion:
    """Why the directory excludes a person from a service: the eligibility field and words."""

    field: str  # "age", "gender", "status"
    reason: str


def placement_recommendation(*, case: Case, victim: PotentialVictim) -> dict[str, Any]:
    return _decision_for(case, "placement", victim_age=victim.age, victim_gender=victim.gender)


def recommended_service(*, case: Case, victim: PotentialVictim) -> str:
    """The directory service id the protocol's placement answer names for this person, or ""."""
    rows = placement_recommendation(case=case, victim=victim)["rows"]
    return next((str(r["service"]) for r in rows if r.get("service")), "")


def placement_suggestion(*, actor: User, victim_id: int) -> str:
    """For the placement form: the service the protocol answers for this victim (checked
    through the actor's access to the case), or "" when there is none."""
    victim, case, _access = _victim_for(actor, victim_id)
    return recommended_service(case=case, victim=victim)


def _person_facts(case: Case, victim: PotentialVictim) -> tuple[int | None, str]:
    """The person's own age and gender, else the case's facts about the victim."""
    age: Any = victim.age if victim.age is not None else case.facts.get("victim_age")
    gender = victim.gender or case.facts.get("victim_gender") or ""
    return (age if isinstance(age, int) and not isinstance(age, bool) else None), str(gender)


def service_exclusions(service: Service, *, age: int | None, gender: str) -> list[Exclusion]:
    """What in the service's directory entry excludes this person (empty: eligible).

    Age limits are inclusive (a service for ages 12-17 takes 12 and 17, not 18). A fact not
    known is not held against the person; a restriction the service does not state is none.
    """
    from accord.directory.models import ServiceStatus

    found: list[Exclusion] = []
    if service.status != ServiceStatus.ACTIVE:
        found.append(
            Exclusion("status", f"{service.name} is {service.get_status_display().lower()}.")
        )
    low, high = service.minimum_age, service.maximum_age
    if age is not None and ((low is not None and age < low) or (high is not None and age > high)):
        served = (
            f"{low}-{high}"
            if low is not None and high is not None
            else f"{low} and over"
            if low is not None
            else f"up to {high}"
        )
        found.append(
            Exclusion("age", f"Age: {service.name} serves ages {served}; this person is {age}.")
        )
    genders = service.gender_set
    if gender and genders and gender not in genders:
        served = ", ".join(sorted(g.replace("_", " ") for g in genders))
        found.append(
            Exclusion(
                "gender",
                f"Gender: {service.name} serves {served}; this person is "
                f"{gender.replace('_', ' ')}.",
            )
        )
    return found


def _directory_service(case: Case, slug: str) -> Service:
    from accord.directory.models import Service

    found = Service.objects.filter(task_force_id=case.task_force_id, slug=slug).first()
    if found is None:
        raise ValidationError(
            _("Choose a service from the directory."), data={"field": "service", "value": slug}
        )
    return found


def placement_record(
    *,
    actor: User,
    victim_id: int,
    kind: str,
    service: str = "",
    details: str = "",
    reserve_bed: bool = True,
    override_reason: str = "",
    now: datetime | None = None,
) -> Placement:
    """Where the victim stays; a bed at a directory service with capacity is reserved at once.

    Refused, with nothing stored, when the directory excludes the person (age, gender, an
    inactive service) unless a coordinator records an emergency override with a reason, and
    always when the service has no free bed.
    """
    now = now_or(now)
    victim, case, access = _victim_for(actor, victim_id)
    override_reason = override_reason.strip()
    if actor.has_role(Role.COORDINATOR):
        require_role(actor, access, roles=(Role.COORDINATOR,), participant=False, action="place")
    else:
        require_role(actor, access, roles=PLACING_ROLES, action="record a placement")
    if kind not in PlacementKind.values:
        raise ValidationError(
            _("Unknown placement kind %(kind)s.") % {"kind": repr(kind)}, data={"field": "kind"}
        )
    recommended = recommended_service(case=case, victim=victim)
    service = service or (recommended if kind in (PlacementKind.SHELTER, PlacementKind.CPS) else "")
    directory_service = _directory_service(case, service) if service else None
    exclusions: list[Exclusion] = []
    if directory_service is not None:
        age, gender = _person_facts(case, victim)
        exclusions = service_exclusions(directory_service, age=age, gender=gender)
    if exclusions and not override_reason:
        raise ValidationError(
            " ".join(e.reason for e in exclusions)
            + _(
                " Choose another service; in an emergency a coordinator may record an override "
                "with a reason."
            ),
            data={"field": "service", "excluded_by": [e.field for e in exclusions]},
        )
    if exclusions and not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(
            _(
                "Only a coordinator may override the directory's eligibility for an emergency "
                "placement."
            ),
            data={"field": "override_reason"},
        )
    if override_reason and not exclusions:
        raise ValidationError(
            _("No override is needed: the directory's eligibility admits this person here."),
            data={"field": "override_reason"},
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
            produced_by=require_member(actor),
            created_at=now,
            victim=victim,
            kind=kind,
            service=service,
            service_name=directory_service.name if directory_service else "",
            recommended_service=recommended,
            details=details,
            bed_reserved=reserved,
            placed_at=now,
            outside_eligibility=bool(exclusions),
            eligibility_finding=" ".join(e.reason for e in exclusions)[:300],
            override_reason=override_reason if exclusions else "",
            override_by=actor if exclusions else None,
            override_at=now if exclusions else None,
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="placement_recorded",
            summary=f"Placement of {victim.pseudonym} recorded ({placement.get_kind_display()})",
            field_class=FieldClass.VSP_CONFIDENTIAL,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.PLACEMENT_RECORDED,
            record=placement,
            fields=["kind", "service", "details"],
            detail={"bed_reserved": reserved},
        )
        if exclusions:
            event_add(
                case=case,
                actor=actor,
                agency=require_member(actor),
                kind="placement_override",
                summary=f"Emergency placement outside the directory's eligibility: override "
                f"recorded by {actor.get_full_name() or actor.username}",
                now=now,
            )
            audit(
                actor=actor,
                event=AuditEventType.PLACEMENT_OVERRIDE_RECORDED,
                record=placement,
                fields=["override_reason", "eligibility_finding"],
                detail={"excluded_by": [e.field for e in exclusions]},
            )
    return placement


def placement_end(
    *,
    actor: User,
    placement: Placement | int,
    expected_version: int | None,
    now: datetime | None = None,
) -> Placement:
    """The person left the placement: it ends and its bed goes back to the directory."""
    now = now_or(now)
    placement_id = placement.pk if isinstance(placement, Placement) else placement
    found = Placement.objects.filter(
        pk=placement_id, case__task_force_id=actor.task_force_id
    ).first()
    if found is None:
        raise NotFound(_("No such placement."))
    case, access = require_case(actor, found.case_id)
    if actor.has_role(Role.COORDINATOR):
        require_role(
            actor, access, roles=(Role.COORDINATOR,), participant=False, action="end a placement"
        )
    else:
        require_role(actor, access, roles=PLACING_ROLES, action="end a placement")
    with transaction.atomic():
        current = locked(Placement, found.pk)
        check_version(current, expected_version)
        if current.ended_at is not None:
            raise ConflictError(_("This placement has already ended."), data={"field": "ended_at"})
        current.ended_at = now
        current.ended_by = actor
        bump(current, ["ended_at", "ended_by"])
        if current.bed_reserved and current.service:
            service = _directory_service(case, current.service)
            if service.beds_available is not None:
                bed_release(
                    actor=actor,
                    service=service,
                    purpose=f"placement ended on case {case.number}",
                    now=now,
                )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="placement_ended",
            summary=f"Placement of {current.victim.pseudonym} ended",
            field_class=FieldClass.VSP_CONFIDENTIAL,
            victim=current.victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.PLACEMENT_ENDED,
            record=current,
            fields=["ended_at"],
            detail={"bed_released": current.bed_reserved},
        )
    return current


def _eligibility_words(service: Service) -> str:
    parts = []
    low, high = service.minimum_age, service.maximum_age
    if low is not None or high is not None:
        parts.append(
            f"ages {low}-{high}"
            if low is not None and high is not None
            else f"ages {low}+"
            if low is not None
            else f"ages up to {high}"
        )
    if service.gender_set:
        parts.append(", ".join(sorted(g.replace("_", " ") for g in service.gender_set)))
    if service.beds_available is not None:
        parts.append(f"{service.beds_available} of {service.beds_total} beds free")
    return f" ({'; '.join(parts)})" if parts else ""


def placement_service_choices(*, actor: User) -> list[tuple[str, str]]:
    """The task force's active directory services, by name with eligibility and free beds, for
    the placement form (directory data, not case data)."""
    from accord.directory.models import Service, ServiceStatus

    services = Service.objects.filter(
        task_force_id=actor.task_force_id, status=ServiceStatus.ACTIVE
    ).order_by("name")
    return [("", "No directory service")] + [
        (s.slug, f"{s.name}{_eligibility_words(s)}") for s in services
    ]
