"""Immigration relief (Continued Presence, T declarations, U certifications, HHS letters), the
certifying officials who sign U certifications, and the immigration-records authorization.

Every relief action asks the signer table (``accord.cases.relief_rules``) first and refuses
with a sentence naming who may do it. Relief records are of the 8 U.S.C. 1367 class: a user
without the immigration-records authorization is answered as if no such record existed
(NotFound), never "you may not" (which would say there is one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, Role, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core.model import FieldClass
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.sharing.door import CaseAccess

from ..models import (
    Case,
    CertifyingOfficial,
    ImmigrationRelief,
    PotentialVictim,
    ReliefKind,
    ReliefStatus,
    Task,
    TaskStatus,
)
from ..relief_rules import CERTIFYING_SECTORS, RELIEF_RULES, ReliefAction, relief_permission
from ._common import (
    audit,
    bump,
    check_version,
    event_add,
    locked,
    now_or,
    require_case,
    require_member,
)

CP_RENEWAL_NOTICE = timedelta(days=90)

#: Which action moving a record to a status is.
STATUS_ACTIONS: dict[str, ReliefAction] = {
    ReliefStatus.DRAFT: ReliefAction.PREPARE,
    ReliefStatus.REQUESTED: ReliefAction.REQUEST,
    ReliefStatus.SIGNED: ReliefAction.SIGN,
    ReliefStatus.WITHDRAWN: ReliefAction.WITHDRAW,
    ReliefStatus.GRANTED: ReliefAction.RECORD_OUTCOME,
    ReliefStatus.DENIED: ReliefAction.RECORD_OUTCOME,
    ReliefStatus.EXPIRED: ReliefAction.RECORD_OUTCOME,
}
#: A record in one of these statuses is finished: nothing moves it on.
CLOSED_STATUSES: frozenset[str] = frozenset(
    {ReliefStatus.WITHDRAWN, ReliefStatus.DENIED, ReliefStatus.EXPIRED}
)
NO_SUCH_RELIEF = "No such immigration relief record."


def is_certifying_official(user: User) -> bool:
    if user.agency_id is None:  # only a member agency's user can be designated
        return False
    return CertifyingOfficial.objects.filter(agency_id=user.agency_id, user=user).exists()


def relief_allowed(
    actor: User, access: CaseAccess, kind: str, action: str, *, designated: bool | None = None
) -> tuple[bool, str]:
    """The signer table's answer for this actor on this case (authorization checked apart)."""
    if designated is None:
        designated = is_certifying_official(actor)
    answer = relief_permission(
        kind,
        action,
        sector=require_member(actor).sector,
        roles=frozenset(actor.role_set),
        designated=designated,
        working_case=access.participant,
    )
    return answer.allowed, answer.message


def _require(actor: User, access: CaseAccess, kind: str, action: str) -> None:
    allowed, message = relief_allowed(actor, access, kind, action)
    if not allowed:
        raise PermissionDenied(message, data={"action": str(action), "kind": kind})


def _require_authorized(actor: User) -> None:
    """Someone not authorized for these records may not know they exist: a missing record."""
    if not actor.immigration_relief_authorized:
        raise NotFound(NO_SUCH_RELIEF)


def relief_offers(
    actor: User,
    access: CaseAccess,
    records: Sequence[Any],
    pseudonyms: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """What the case page offers this viewer: ``kinds`` they may open a record of, and ``rows``
    pairing each released record with the statuses they may move it to and, for a record
    waiting for a signature the viewer may not give, ``signer``: the table's sentence naming
    who signs it, and ``victim``: her pseudonym from ``pseudonyms`` (the victims the page
    released; a record is not a victim's record, so it carries only her id). Nothing at all
    for anyone not authorized."""
    if not actor.immigration_relief_authorized:
        return {"kinds": [], "rows": []}
    designated = is_certifying_official(actor)

    def may(kind: str, action: str) -> bool:
        return relief_allowed(actor, access, kind, action, designated=designated)[0]

    kinds = [
        (kind.value, kind.label)
        for kind in ReliefKind
        if may(kind, ReliefAction.PREPARE) or may(kind, ReliefAction.REQUEST)
    ]
    codes = {label: value for value, label in ReliefKind.choices}
    rows = []
    for record in records:
        kind = codes.get(str(record.values.get("kind", "")), "")
        current = str(record.values.get("status", ""))
        statuses = [  # never the status it has: "Update" must change something
            (status.value, status.label)
            for status in ReliefStatus
            if kind
            and status != ReliefStatus.DRAFT
            and status.label != current  # the door releases the status as its label
            and may(kind, STATUS_ACTIONS[status])
        ]
        signer = ""
        waiting = str(record.values.get("status", "")) in (
            ReliefStatus.DRAFT.label,
            ReliefStatus.REQUESTED.label,
        )
        if kind and waiting and ReliefAction.SIGN in RELIEF_RULES[kind]:  # type: ignore[index]
            allowed, message = relief_allowed(
                actor, access, kind, ReliefAction.SIGN, designated=designated
            )
            signer = "" if allowed else message
        victim = (pseudonyms or {}).get(record.refs.get("victim_id"), "")
        rows.append({"record": record, "statuses": statuses, "signer": signer, "victim": victim})
    return {"kinds": kinds, "rows": rows}


def _victim_for(actor: User, victim_id: int) -> tuple[PotentialVictim, Case, CaseAccess]:
    victim = PotentialVictim.objects.filter(
        pk=victim_id, case__task_force_id=actor.task_force_id
    ).first()
    if victim is None:
        raise NotFound(_("No such potential victim."))
    case, access = require_case(actor, victim.case_id)
    return victim, case, access


def immigration_relief_create(
    *, actor: User, victim_id: int, kind: str, notes: str = "", now: datetime | None = None
) -> ImmigrationRelief:
    """Open a relief record: a request at once for those the table lets request it (CP, HHS),
    otherwise a draft (T and U are prepared, then signed by the people the law names)."""
    now = now_or(now)
    if not actor.immigration_relief_authorized:
        raise PermissionDenied(
            _(
                "Immigration relief records need a user authorized for them (8 U.S.C. 1367); ask "
                "your agency lead or a coordinator."
            )
        )
    if kind not in ReliefKind.values:
        raise ValidationError(
            _("Unknown kind of relief %(kind)s.") % {"kind": repr(kind)}, data={"field": "kind"}
        )
    victim, case, access = _victim_for(actor, victim_id)
    signed_kind = ReliefAction.SIGN in RELIEF_RULES[kind]  # type: ignore[index]
    may_request = relief_allowed(actor, access, kind, ReliefAction.REQUEST)[0]
    if signed_kind or not may_request:
        _require(actor, access, kind, ReliefAction.PREPARE)
    requested = not signed_kind and may_request
    with transaction.atomic():
        relief = ImmigrationRelief.objects.create(
            case=case,
            produced_by=require_member(actor),
            created_at=now,
            victim=victim,
            kind=kind,
            status=ReliefStatus.REQUESTED if requested else ReliefStatus.DRAFT,
            requested_at=now if requested else None,
            notes=notes,
        )
        if kind == ReliefKind.CONTINUED_PRESENCE and requested:
            from .task import task_complete_for

            # her own task (or the case's, opened before victims were recorded); another
            # victim's task waits for her own request
            for task in Task.objects.filter(
                case=case,
                deadline_id="continued-presence-request",
                anchor_ref__in=(f"victim:{victim.pk}", ""),
            ):
                task_complete_for(task=task, actor=actor, now=now)
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="immigration_relief",
            summary=f"{relief.get_kind_display()} for {victim.pseudonym}: "
            f"{relief.get_status_display().lower()}",
            field_class=FieldClass.IMMIGRATION_1367,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.IMMIGRATION_RELIEF_RECORDED,
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
    """Move a relief record on, as the signer table allows: a U certification is signed or
    withdrawn only by a designated certifying official, a T declaration by a law enforcement
    investigator, CP only by the federal partner; granted CP gets a renewal task."""
    now = now_or(now)
    _require_authorized(actor)
    relief = (
        ImmigrationRelief.objects.select_related("victim", "produced_by")
        .filter(pk=relief_id, case__task_force_id=actor.task_force_id)
        .first()
    )
    if relief is None:
        raise NotFound(NO_SUCH_RELIEF)
    case, access = require_case(actor, relief.case_id)
    if status not in ReliefStatus.values:
        raise ValidationError(
            _("Unknown status %(status)s.") % {"status": repr(status)}, data={"field": "status"}
        )
    _require(actor, access, relief.kind, STATUS_ACTIONS[status])
    if relief.status in CLOSED_STATUSES:
        raise ConflictError(
            _("This record is %(status)s; open a new one instead.")
            % {"status": relief.get_status_display().lower()},
            data={"status": relief.status},
        )
    if (
        status == ReliefStatus.GRANTED
        and relief.kind == ReliefKind.CONTINUED_PRESENCE
        and not expires_on
    ):
        raise ValidationError(
            _("Give the date Continued Presence expires."), data={"field": "expires_on"}
        )
    with transaction.atomic():
        relief = locked(ImmigrationRelief, relief.pk)
        check_version(relief, expected_version)
        old = relief.status
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
            _renewal_task(relief=relief, case=case, actor=actor, now=now)
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="immigration_relief",
            summary=f"{relief.get_kind_display()} for {relief.victim.pseudonym}: "
            f"{relief.get_status_display().lower()}",
            field_class=FieldClass.IMMIGRATION_1367,
            victim=relief.victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.IMMIGRATION_RELIEF_CHANGED,
            record=relief,
            fields=fields,
            detail={"action": str(STATUS_ACTIONS[status]), "changed": old != status},
        )
    return relief


def _renewal_task(*, relief: ImmigrationRelief, case: Case, actor: User, now: datetime) -> None:
    expires: date = relief.expires_on  # type: ignore[assignment]  # checked by the caller
    due = datetime.combine(expires - CP_RENEWAL_NOTICE, datetime.min.time(), tzinfo=now.tzinfo)
    Task.objects.update_or_create(
        case=case,
        deadline_id="relief-renewal",
        anchor_ref=f"relief:{relief.pk}",
        defaults={
            "produced_by": require_member(actor),
            "created_at": now,
            "anchor": "relief_granted",
            "title": f"Renew {relief.get_kind_display()} before {expires:%Y-%m-%d}",
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


# --- who may sign and who may see: designation and authorization ------------------------------


def may_manage(actor: User, agency: Agency) -> bool:
    """Coordinators manage every agency of their task force; an agency lead only their own."""
    if agency.task_force_id != actor.task_force_id:
        return False
    return actor.has_role(Role.COORDINATOR) or agency.lead_id == actor.pk


def _require_manager(actor: User, user: User, what: str) -> Agency:
    agency = user.agency
    if agency is None or agency.task_force_id != actor.task_force_id:
        raise NotFound(_("No such user."))
    if not may_manage(actor, agency):
        raise PermissionDenied(
            _("Only a coordinator or the lead of %(name)s may %(what)s.")
            % {"name": agency.name, "what": what},
            data={"action": what},
        )
    return agency


def certifying_official_designate(
    *, actor: User, agency: Agency, user: User, now: datetime | None = None
) -> CertifyingOfficial:
    """The agency lead or a coordinator designates who signs U certifications for the agency
    (8 C.F.R. 214.14(a)(3): the head of a certifying agency or a supervisor they designate)."""
    now = now_or(now)
    if agency.task_force_id != actor.task_force_id or user.agency_id != agency.pk:
        raise ValidationError(
            _("The certifying official must be a user of that agency."), data={"field": "user"}
        )
    _require_manager(actor, user, "designate a certifying official")
    if agency.sector not in CERTIFYING_SECTORS:
        raise ValidationError(
            _(
                "%(name)s is not a certifying agency: only law enforcement, "
                "prosecution and child protection certify U visas."
            )
            % {"name": agency.name},
            data={"field": "user"},
        )
    if not user.immigration_relief_authorized:
        raise ValidationError(
            _("%(user)s must first be authorized for immigration-relief records (8 U.S.C. 1367).")
            % {"user": user},
            data={"field": "user"},
        )
    with transaction.atomic():
        designation, created = CertifyingOfficial.objects.get_or_create(
            agency=agency, user=user, defaults={"designated_by": actor, "designated_at": now}
        )
        if created:
            audit(
                actor=actor,
                event=AuditEventType.CERTIFYING_OFFICIAL_DESIGNATED,
                record=designation,
                fields=["user"],
                detail={"user_id": user.pk, "agency_id": agency.pk},
                task_force_id=agency.task_force_id,
            )
    return designation


def certifying_official_undesignate(
    *, actor: User, user: User, now: datetime | None = None
) -> bool:
    """End a designation; True when there was one."""
    agency = _require_manager(actor, user, "end a certifying official's designation")
    with transaction.atomic():
        designation = CertifyingOfficial.objects.filter(agency_id=agency.pk, user=user).first()
        if designation is None:
            return False
        audit(
            actor=actor,
            event=AuditEventType.CERTIFYING_OFFICIAL_UNDESIGNATED,
            record=designation,
            fields=["user"],
            detail={"user_id": user.pk, "agency_id": agency.pk},
            task_force_id=agency.task_force_id,
        )
        designation.delete()
    return True


def immigration_authorization_set(
    *, actor: User, user: User, authorized: bool, now: datetime | None = None
) -> User:
    """Grant or revoke a user's authorization for immigration-relief records (8 U.S.C. 1367).

    A designated certifying official keeps the authorization until the designation ends: a
    signer who cannot see the records they sign would be refused on every page."""
    agency = _require_manager(actor, user, "change the immigration-records authorization")
    if bool(user.immigration_relief_authorized) == authorized:
        return user
    if not authorized and is_certifying_official(user):
        raise ValidationError(
            _("%(user)s is a designated certifying official; end the designation first.")
            % {"user": user},
            data={"field": "user"},
        )
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(immigration_relief_authorized=authorized)
        user.immigration_relief_authorized = authorized
        audit_record(
            event=AuditEventType.IMMIGRATION_AUTHORIZATION_GRANTED
            if authorized
            else AuditEventType.IMMIGRATION_AUTHORIZATION_REVOKED,
            actor=actor,
            object_type="accounts.user",
            object_id=user.pk,
            fields=["immigration_relief_authorized"],
            detail={"old": not authorized, "new": authorized},
            task_force_id=agency.task_force_id,
        )
    return user


def relief_access_rows(*, actor: User) -> list[dict[str, Any]]:
    """The users whose immigration-records access this actor manages (a coordinator: every
    active user of the task force; an agency lead: their agency's), with their standing."""
    query = User.objects.filter(
        agency__task_force_id=actor.task_force_id, is_active=True
    ).select_related("agency")
    if not actor.has_role(Role.COORDINATOR):
        query = query.filter(agency__lead=actor)
    designated = set(
        CertifyingOfficial.objects.filter(user__in=query).values_list("user_id", flat=True)
    )
    return [
        {
            "id": user.pk,
            "name": str(user),
            "agency": require_member(user).name,
            "certifying_agency": require_member(user).sector in CERTIFYING_SECTORS,
            "authorized": bool(user.immigration_relief_authorized),
            "designated": user.pk in designated,
        }
        for user in query.order_by("agency__name", "last_name", "first_name", "pk")
    ]


def relief_access_change(*, actor: User, user_id: int, change: str) -> str:
    """One change from the immigration-records page; returns what was done, in words."""
    user = (
        User.objects.select_related("agency")
        .filter(pk=user_id, agency__task_force_id=actor.task_force_id)
        .first()
    )
    if user is None:
        raise NotFound(_("No such user."))
    if change == "authorize":
        immigration_authorization_set(actor=actor, user=user, authorized=True)
        return f"{user} may now see immigration-relief records."
    if change == "revoke":
        immigration_authorization_set(actor=actor, user=user, authorized=False)
        return f"{user} no longer sees immigration-relief records."
    if change == "designate":
        certifying_official_designate(actor=actor, agency=require_member(user), user=user)
        return f"{user} is now a certifying official of {require_member(user).name}."
    if change == "undesignate":
        certifying_official_undesignate(actor=actor, user=user)
        return f"{user} is no longer a certifying official."
    raise ValidationError(
        _("Unknown change %(change)s.") % {"change": repr(change)}, data={"field": "change"}
    )
