"""Immigration relief (8 U.S.C. 1367) and certifying officials.

Placement, interpreters, charging and safety moved to modules of their own; what remains here
moves to ``immigration_relief.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Agency, Role, User
from accord.audit.events import AuditEventType
from accord.core.model import FieldClass, Sector
from accord.errors import NotFound, PermissionDenied, ValidationError

from ..models import (
    CertifyingOfficial,
    ImmigrationRelief,
    ReliefKind,
    ReliefStatus,
    Task,
    TaskStatus,
)
from ._common import (
    audit,
    bump,
    check_version,
    event_add,
    locked,
    now_or,
    require_case,
    require_role,
)
from ._per_victim import victim_for as _victim_for

LE_OR_PROSECUTION = frozenset(LAW_ENFORCEMENT_SECTORS | {Sector.PROSECUTION})


# --- immigration relief (8 U.S.C. 1367) -------------------------------------------------------

CP_RENEWAL_NOTICE = timedelta(days=90)


def _may_create_relief(actor: User, kind: str) -> None:
    sector = actor.agency.sector
    if kind == ReliefKind.CONTINUED_PRESENCE:
        if sector != Sector.LAW_ENFORCEMENT_FEDERAL or not actor.has_role(Role.INVESTIGATOR):
            raise PermissionDenied(
                "Only a federal law enforcement partner may request Continued Presence."
            )
    elif kind == ReliefKind.T_VISA_DECLARATION:
        if sector not in LAW_ENFORCEMENT_SECTORS or not actor.has_role(Role.INVESTIGATOR):
            raise PermissionDenied(
                "A T visa declaration (I-914 Supplement B) is made by a law enforcement official."
            )
    elif kind == ReliefKind.U_VISA_CERTIFICATION:
        if sector not in LE_OR_PROSECUTION:
            raise PermissionDenied(
                "U visa certifications are prepared by law enforcement or prosecutors."
            )
    elif kind in (ReliefKind.HHS_ELIGIBILITY_LETTER, ReliefKind.HHS_CERTIFICATION_LETTER):
        if not (sector == Sector.LAW_ENFORCEMENT_FEDERAL or actor.has_role(Role.ADVOCATE)):
            raise PermissionDenied("HHS letters are requested by a federal partner or an advocate.")
    else:
        raise ValidationError(f"Unknown relief {kind!r}.", data={"field": "kind"})


def _require_authorized(actor: User) -> None:
    if not actor.immigration_relief_authorized:
        raise PermissionDenied(
            "Immigration relief records need a user authorized for them (8 U.S.C. 1367)."
        )


def immigration_relief_create(
    *, actor: User, victim_id: int, kind: str, notes: str = "", now: datetime | None = None
) -> ImmigrationRelief:
    now = now_or(now)
    _require_authorized(actor)
    victim, case, access = _victim_for(actor, victim_id)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE),
        action="record immigration relief",
    )
    _may_create_relief(actor, kind)
    requested = kind in (
        ReliefKind.CONTINUED_PRESENCE,
        ReliefKind.HHS_ELIGIBILITY_LETTER,
        ReliefKind.HHS_CERTIFICATION_LETTER,
    )
    with transaction.atomic():
        relief = ImmigrationRelief.objects.create(
            case=case,
            produced_by=actor.agency,
            created_at=now,
            victim=victim,
            kind=kind,
            status=ReliefStatus.REQUESTED if requested else ReliefStatus.DRAFT,
            requested_at=now if requested else None,
            notes=notes,
        )
        if kind == ReliefKind.CONTINUED_PRESENCE:
            from .task import task_complete_for

            for task in Task.objects.filter(case=case, deadline_id="continued-presence-request"):
                task_complete_for(task=task, actor=actor, now=now)
        event_add(
            case=case,
            actor=actor,
            agency=actor.agency,
            kind="immigration_relief",
            summary=f"{relief.get_kind_display()} for {victim.pseudonym}: {relief.get_status_display().lower()}",
            field_class=FieldClass.IMMIGRATION_1367,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=relief,
            fields=["kind", "status"],
        )
    return relief


def immigration_relief_update(
    *,
    actor: User,
    relief_id: int,
    status: str,
    expected_version: int | None,
    expires_on: date | None = None,
    notes: str | None = None,
    now: datetime | None = None,
) -> ImmigrationRelief:
    """Move a relief record on; a U certification is signed only by a designated certifying
    official, a T declaration by a law enforcement official; granted CP gets a renewal reminder."""
    now = now_or(now)
    _require_authorized(actor)
    relief = (
        ImmigrationRelief.objects.select_related("victim")
        .filter(pk=relief_id, case__task_force_id=actor.task_force_id)
        .first()
    )
    if relief is None:
        raise NotFound("No such immigration relief record.")
    case, access = require_case(actor, relief.case_id)
    require_role(
        actor,
        access,
        roles=(Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE),
        action="update immigration relief",
    )
    if status not in ReliefStatus.values:
        raise ValidationError(f"Unknown status {status!r}.", data={"field": "status"})
    if status == ReliefStatus.SIGNED:
        if (
            relief.kind == ReliefKind.U_VISA_CERTIFICATION
            and not CertifyingOfficial.objects.filter(
                agency_id=actor.agency_id, user=actor
            ).exists()
        ):
            raise PermissionDenied(
                "Only the designated certifying official of the agency may sign a U visa certification (I-918 Supplement B)."
            )
        if relief.kind == ReliefKind.T_VISA_DECLARATION and (
            actor.agency.sector not in LAW_ENFORCEMENT_SECTORS
            or not actor.has_role(Role.INVESTIGATOR)
        ):
            raise PermissionDenied("A T visa declaration is signed by a law enforcement official.")
        if relief.kind not in (ReliefKind.U_VISA_CERTIFICATION, ReliefKind.T_VISA_DECLARATION):
            raise ValidationError(
                "Only T declarations and U certifications are signed.", data={"field": "status"}
            )
    elif relief.kind == ReliefKind.CONTINUED_PRESENCE:
        _may_create_relief(actor, relief.kind)
    if (
        status == ReliefStatus.GRANTED
        and relief.kind == ReliefKind.CONTINUED_PRESENCE
        and not expires_on
    ):
        raise ValidationError(
            "Give the date Continued Presence expires.", data={"field": "expires_on"}
        )
    with transaction.atomic():
        relief = locked(ImmigrationRelief, relief.pk)
        check_version(relief, expected_version)
        fields = ["status"]
        relief.status = status
        if status == ReliefStatus.SIGNED:
            relief.signed_by = actor
            fields.append("signed_by")
        if status in (ReliefStatus.GRANTED, ReliefStatus.DENIED, ReliefStatus.SIGNED):
            relief.decided_at = now
            fields.append("decided_at")
        if status == ReliefStatus.REQUESTED and not relief.requested_at:
            relief.requested_at = now
            fields.append("requested_at")
        if expires_on:
            relief.expires_on = expires_on
            fields.append("expires_on")
        if notes is not None:
            relief.notes = notes
            fields.append("notes")
        bump(relief, fields)
        if status == ReliefStatus.GRANTED and relief.expires_on:
            due = datetime.combine(
                relief.expires_on - CP_RENEWAL_NOTICE, datetime.min.time(), tzinfo=now.tzinfo
            )
            Task.objects.update_or_create(
                case=case,
                deadline_id="relief-renewal",
                anchor_ref=f"relief:{relief.pk}",
                defaults={
                    "produced_by": actor.agency,
                    "created_at": now,
                    "anchor": "relief_granted",
                    "title": f"Renew {relief.get_kind_display()} before {relief.expires_on:%Y-%m-%d}",
                    "owner_agency": relief.produced_by,
                    "owner_sector": relief.produced_by.sector,
                    "owner_role": Role.INVESTIGATOR
                    if relief.produced_by.is_law_enforcement
                    else Role.ADVOCATE,
                    "due_at": due,
                    "visibility_class": FieldClass.IMMIGRATION_1367,
                    "status": TaskStatus.OPEN,
                },
            )
        event_add(
            case=case,
            actor=actor,
            agency=actor.agency,
            kind="immigration_relief",
            summary=f"{relief.get_kind_display()} for {relief.victim.pseudonym}: {relief.get_status_display().lower()}",
            field_class=FieldClass.IMMIGRATION_1367,
            victim=relief.victim,
            now=now,
        )
        audit(actor=actor, event=AuditEventType.RECORD_UPDATED, record=relief, fields=fields)
    return relief


def certifying_official_designate(
    *, actor: User, agency: Agency, user: User, now: datetime | None = None
) -> CertifyingOfficial:
    """The agency lead or a coordinator designates who signs U certifications for the agency."""
    now = now_or(now)
    if agency.task_force_id != actor.task_force_id or user.agency_id != agency.pk:
        raise ValidationError("The certifying official must be a user of that agency.")
    if not (actor.has_role(Role.COORDINATOR) or agency.lead_id == actor.pk):
        raise PermissionDenied(
            "Only the agency lead or a coordinator designates the certifying official."
        )
    if agency.sector not in LE_OR_PROSECUTION:
        raise ValidationError("Only law enforcement or prosecution agencies certify U visas.")
    with transaction.atomic():
        designation, _ = CertifyingOfficial.objects.get_or_create(
            agency=agency, user=user, defaults={"designated_by": actor, "designated_at": now}
        )
        audit(actor=actor, event=AuditEventType.RECORD_CREATED, record=designation, fields=["user"])
    return designation
