"""Referrals: law enforcement → provider, provider → provider, → legal services, → CPS."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Agency, Role, User
from accord.audit.events import AuditEventType
from accord.core.model import Protocol, Sector
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.sharing.door import fields_released_to_agency

from ..models import Case, JoinedVia, PotentialVictim, Referral, ReferralKind, ReferralStatus
from ..notifications import notifications_resolve, notify
from ..plan import answer_rows
from ..tasks import referral_tasks_done, tasks_for_anchor
from ._common import (
    agency_recipients,
    audit,
    bump,
    check_version,
    event_add,
    locked,
    now_or,
    participant_ensure,
    require_case,
    require_member,
    require_role,
)

RECEIVING_SECTORS = {Sector.VICTIM_SERVICES, Sector.LEGAL_SERVICES, Sector.CHILD_PROTECTION}


def _kind(from_sector: str, to_sector: str) -> ReferralKind:
    if to_sector == Sector.CHILD_PROTECTION:
        return ReferralKind.TO_CHILD_PROTECTION
    if to_sector == Sector.LEGAL_SERVICES:
        return ReferralKind.TO_LEGAL_SERVICES
    if from_sector in LAW_ENFORCEMENT_SECTORS:
        return ReferralKind.LE_TO_PROVIDER
    return ReferralKind.PROVIDER_TO_PROVIDER


def referral_send(
    *,
    actor: User,
    case: Case | int,
    victim_id: int,
    to_agency_slug: str,
    to_service: str = "",
    message: str = "",
    now: datetime | None = None,
) -> Referral:
    """Send a referral; the receiving agency joins the case and sees what the sharing policy
    releases at the referral stage (recorded on the referral)."""
    from accord.directory.models import Organization, Service

    now = now_or(now)
    case, access = require_case(actor, case)
    require_role(actor, access, roles=(Role.INVESTIGATOR, Role.ADVOCATE), action="send a referral")
    victim = PotentialVictim.objects.filter(pk=victim_id, case=case).first()
    if victim is None:
        raise ValidationError(
            _("Choose a potential victim of this case."), data={"field": "victim"}
        )
    to_agency = Agency.objects.filter(
        task_force_id=case.task_force_id, slug=to_agency_slug, is_active=True
    ).first()
    in_directory = Organization.objects.filter(
        task_force_id=case.task_force_id, slug=to_agency_slug, is_active=True
    ).exists()
    if to_agency is None or not in_directory:
        raise ValidationError(
            _(
                "%(to_agency_slug)s is not an active member agency in the directory; "
                "refer to a listed provider."
            )
            % {"to_agency_slug": repr(to_agency_slug)},
            data={"field": "to_agency"},
        )
    if to_agency.sector not in RECEIVING_SECTORS:
        raise ValidationError(
            _(
                "Referrals go to victim service providers, legal services or child protective services."
            ),
            data={"field": "to_agency"},
        )
    if to_agency.pk == actor.agency_id:
        raise ValidationError(_("Your agency cannot refer to itself."), data={"field": "to_agency"})
    if (
        to_service
        and not Service.objects.filter(
            task_force_id=case.task_force_id, slug=to_service, organization__slug=to_agency_slug
        ).exists()
    ):
        raise ValidationError(
            _("%(name)s lists no service %(to_service)s in the directory.")
            % {"name": to_agency.name, "to_service": repr(to_service)},
            data={"field": "to_service"},
        )
    declined = Referral.objects.filter(
        victim=victim, to_agency=to_agency, status=ReferralStatus.DECLINED
    ).first()
    if declined is not None:
        raise ValidationError(
            _(
                "%(name)s declined a referral of %(pseudonym)s on %(declined_at)s "
                "(%(decline_reason)s); choose another provider."
            )
            % {
                "name": to_agency.name,
                "pseudonym": victim.pseudonym,
                "declined_at": format(declined.declined_at, "%Y-%m-%d"),
                "decline_reason": declined.decline_reason,
            },
            data={"field": "to_agency"},
        )
    if Referral.objects.filter(
        victim=victim,
        to_agency=to_agency,
        status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED],
    ).exists():
        raise ConflictError(
            _("%(pseudonym)s already has an open referral to %(name)s.")
            % {"pseudonym": victim.pseudonym, "name": to_agency.name}
        )
    plan = case.responseplans.first()
    sharing = answer_rows(plan.answers, "information_sharing") if plan else []
    with transaction.atomic():
        participant_ensure(case=case, agency=to_agency, now=now, joined_via=JoinedVia.REFERRAL)
        referral = Referral.objects.create(
            case=case,
            produced_by=require_member(actor),
            created_at=now,
            victim=victim,
            kind=_kind(require_member(actor).sector, to_agency.sector),
            from_agency=require_member(actor),
            to_agency=to_agency,
            to_service=to_service,
            message=message,
            shared_fields=fields_released_to_agency(
                case=case,
                victim=victim,
                agency_id=to_agency.pk,
                sector=to_agency.sector,
                stage="referral",
            ),
            sharing_answer=sharing[0] if sharing else {},
            sent_by=actor,
            sent_at=now,
        )
        from .cases import current_evaluation

        tasks_for_anchor(
            case=case,
            protocol=case.protocol_version.protocol,
            evaluation=current_evaluation(case),
            anchor="referral_sent",
            anchor_at=now,
            anchor_ref=f"referral:{referral.pk}",
            victim_keys=[str(referral.victim_id)],
            preferred_owner=to_agency,
            produced_by=require_member(actor),
            now=now,
        )
        for task in referral_tasks_done(
            case=case,
            protocol=case.protocol_version.protocol,
            victim_id=victim.pk,
            agency_slug=to_agency.slug,
            now=now,
        ):
            event_add(
                case=case,
                actor=actor,
                agency=require_member(actor),
                kind="task_done",
                summary=f"Done by the referral to {to_agency.name}: {task.title}",
                now=now,
            )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="referral_sent",
            summary=f"Referral of {victim.pseudonym} sent from {require_member(actor).name} to {to_agency.name}",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=referral,
            fields=["to_agency", "shared_fields"],
            detail={"to": to_agency.slug},
        )
        notify(
            recipients=agency_recipients(to_agency, role=Role.ADVOCATE),
            kind="referral_sent",
            subject=f"New referral on case {case.number}",
            body=f"{require_member(actor).name} referred a potential victim ({victim.pseudonym}) on case {case.number} to {to_agency.name}. Please accept or decline.",
            case=case,
            now=now,
            item=referral,
        )
    return referral


def _referral_for(actor: User, referral_id: int) -> Referral:
    referral = (
        Referral.objects.select_related("case", "to_agency", "from_agency", "victim")
        .filter(pk=referral_id, case__task_force_id=actor.task_force_id)
        .first()
    )
    if referral is None:
        raise NotFound(_("No such referral."))
    require_case(actor, referral.case_id)
    return referral


def _receiver(actor: User, referral: Referral, action: str) -> None:
    if referral.to_agency_id != actor.agency_id or not actor.has_role(Role.ADVOCATE):
        raise PermissionDenied(
            _("Only an advocate of %(name)s may %(action)s this referral.")
            % {"name": referral.to_agency.name, "action": action}
        )


def referral_accept(
    *, actor: User, referral_id: int, expected_version: int | None, now: datetime | None = None
) -> Referral:
    now = now_or(now)
    referral = _referral_for(actor, referral_id)
    _receiver(actor, referral, "accept")
    with transaction.atomic():
        referral = locked(Referral, referral.pk)
        check_version(referral, expected_version)
        if referral.status != ReferralStatus.SENT:
            raise ValidationError(
                _("The referral is already %(status)s.")
                % {"status": referral.get_status_display().lower()}
            )
        case = referral.case
        referral.status = ReferralStatus.ACCEPTED
        referral.accepted_at = now
        referral.decided_by = actor
        referral.minutes_to_accept = max(0, int((now - case.opened_at).total_seconds() // 60))
        bump(referral, ["status", "accepted_at", "decided_by", "minutes_to_accept"])
        serving = referral.kind in (
            ReferralKind.LE_TO_PROVIDER,
            ReferralKind.PROVIDER_TO_PROVIDER,
            ReferralKind.TO_CHILD_PROTECTION,
        )
        participant_ensure(case=case, agency=referral.to_agency, now=now, serving=serving)
        if serving:
            victim = locked(PotentialVictim, referral.victim_id)
            victim.serving_provider = referral.to_agency
            bump(victim, ["serving_provider"])
        from .cases import current_evaluation

        tasks_for_anchor(
            case=case,
            protocol=case.protocol_version.protocol,
            evaluation=current_evaluation(case),
            anchor="referral_accepted",
            anchor_at=now,
            anchor_ref=f"referral:{referral.pk}",
            victim_keys=[str(referral.victim_id)],
            preferred_owner=referral.to_agency,
            produced_by=require_member(actor),
            now=now,
        )
        hours = referral.minutes_to_accept / 60
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="referral_accepted",
            summary=f"{referral.to_agency.name} accepted the referral of {referral.victim.pseudonym} ({hours:.1f} h after intake)",
            now=now,
        )
        audit(actor=actor, event=AuditEventType.RECORD_UPDATED, record=referral, fields=["status"])
        notifications_resolve(item=referral, now=now)
        notify(
            recipients=[referral.sent_by],
            kind="referral_accepted",
            subject=f"Referral accepted on case {case.number}",
            body=f"{referral.to_agency.name} accepted the referral of {referral.victim.pseudonym}.",
            case=case,
            now=now,
        )
    return referral


def referral_decline(
    *,
    actor: User,
    referral_id: int,
    reason: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> Referral:
    now = now_or(now)
    referral = _referral_for(actor, referral_id)
    _receiver(actor, referral, "decline")
    if not reason.strip():
        raise ValidationError(_("Say why the referral is declined."), data={"field": "reason"})
    with transaction.atomic():
        referral = locked(Referral, referral.pk)
        check_version(referral, expected_version)
        if referral.status != ReferralStatus.SENT:
            raise ValidationError(
                _("The referral is already %(status)s.")
                % {"status": referral.get_status_display().lower()}
            )
        referral.status = ReferralStatus.DECLINED
        referral.declined_at = now
        referral.decided_by = actor
        referral.decline_reason = reason.strip()
        bump(referral, ["status", "declined_at", "decided_by", "decline_reason"])
        from ..models import Task, TaskStatus

        for task in Task.objects.filter(
            case=referral.case,
            anchor_ref=f"referral:{referral.pk}",
            status__in=[TaskStatus.OPEN, TaskStatus.TAKEN],
        ):
            task.status = TaskStatus.CANCELLED
            bump(task, ["status"])
            notifications_resolve(item=task, now=now)
        event_add(
            case=referral.case,
            actor=actor,
            agency=require_member(actor),
            kind="referral_declined",
            summary=f"{referral.to_agency.name} declined the referral of {referral.victim.pseudonym}: {referral.decline_reason}",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_UPDATED,
            record=referral,
            fields=["status", "decline_reason"],
        )
        notifications_resolve(item=referral, now=now)
        notify(
            recipients=[referral.sent_by],
            kind="referral_declined",
            subject=f"Referral declined on case {referral.case.number}",
            body=f"{referral.to_agency.name} declined the referral of {referral.victim.pseudonym}: {referral.decline_reason}",
            case=referral.case,
            now=now,
        )
    return referral


def referral_complete(
    *, actor: User, referral_id: int, expected_version: int | None, now: datetime | None = None
) -> Referral:
    now = now_or(now)
    referral = _referral_for(actor, referral_id)
    _receiver(actor, referral, "complete")
    with transaction.atomic():
        referral = locked(Referral, referral.pk)
        check_version(referral, expected_version)
        if referral.status != ReferralStatus.ACCEPTED:
            raise ValidationError(_("Only an accepted referral can be completed."))
        referral.status = ReferralStatus.COMPLETED
        referral.completed_at = now
        bump(referral, ["status", "completed_at"])
        event_add(
            case=referral.case,
            actor=actor,
            agency=require_member(actor),
            kind="referral_completed",
            summary=f"Referral of {referral.victim.pseudonym} to {referral.to_agency.name} completed",
            now=now,
        )
        audit(actor=actor, event=AuditEventType.RECORD_UPDATED, record=referral, fields=["status"])
    return referral


#: A ``<select>``'s choices: plain (value, label) pairs or (group label, pairs) groups.
Choices = list[tuple[str, Any]]


def referral_service_choices(*, actor: User, agency_slugs: Iterable[str]) -> Choices:
    """The active directory services of the agencies a referral may go to, by name, grouped by
    organization, for the referral form (directory data, not case data); the service must
    belong to the agency chosen (``referral_send`` says so by the field otherwise)."""
    from accord.directory.models import Service, ServiceStatus

    services = (
        Service.objects.filter(
            task_force_id=actor.task_force_id,
            status=ServiceStatus.ACTIVE,
            organization__slug__in=list(agency_slugs),
        )
        .select_related("organization")
        .order_by("organization__name", "name")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for service in services:
        groups.setdefault(service.organization.name, []).append((service.slug, service.name))
    return [("", "No particular service"), *groups.items()]


def referral_service_agencies(*, actor: User) -> dict[str, str]:
    """Each active directory service's agency (its organization's slug), so the form can keep
    the service list to the agency chosen."""
    from accord.directory.models import Service, ServiceStatus

    return dict(
        Service.objects.filter(
            task_force_id=actor.task_force_id, status=ServiceStatus.ACTIVE
        ).values_list("slug", "organization__slug")
    )


def referral_suggestion(
    *, protocol: Protocol, answers: Sequence[Mapping[str, Any]], victim_id: int | None
) -> tuple[str, str]:
    """The provider (agency slug) and service (directory slug, or "") the response plan's
    referral answer names for this victim, for the referral form to pre-select; ("", "")
    when the plan names none. ``answers`` are the plan's, as released to the viewer."""
    decisions = [
        d.id
        for d in protocol.decisions.values()
        if (d.common_question or d.id) == "service_referral"
    ]
    for decision_id in decisions:
        for row in answer_rows(answers, decision_id, victim_id=victim_id):
            for value in row.values():
                reference = protocol.directory.get(str(value)) if value else None
                if reference is None:
                    continue
                if reference.kind == "service":
                    return reference.organization or "", reference.id
                return reference.id, ""
    return "", ""
