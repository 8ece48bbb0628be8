"""Writes for disagreements: raise, escalate when due, decide, withdraw, link an amendment.

Every write validates, changes inside one transaction, records a
``DisagreementEvent`` and an audit event, and sends notifications after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, Role, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.mail import email_on_commit
from accord.protocols.models import ProtocolStatus, ProtocolVersion
from accord.protocols.selectors import protocol_in_force
from accord.zones import local_time, zone_of

from .case_links import case_linkable
from .deciders import deciders_for, party_leads
from .models import (
    Disagreement,
    DisagreementEvent,
    DisagreementEventKind,
    DisagreementParty,
    DisagreementStatus,
    DisagreementSubject,
)

OBJECT_TYPE = "conflicts.disagreement"


@dataclass(frozen=True)
class PartyPosition:
    """One party to a disagreement: an agency and its position in its own words."""

    agency_id: int
    position: str


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _link(disagreement: Disagreement) -> str:
    return reverse("conflicts:detail", args=[disagreement.pk])


def _notify(
    *, disagreement: Disagreement, users: Sequence[User], headline: str, extra: str = ""
) -> list[str]:
    """E-mail ``users`` about ``disagreement`` (no case details, no positions) after commit."""
    spec = disagreement.level_spec()
    body = (
        f"{headline}\n\n"
        f"Disagreement #{disagreement.pk} is at level {spec['level']} ({spec['name']}).\n"
        f"Decision due by {local_time(disagreement.due_at, zone_of(disagreement.task_force))}.\n"
        f"{extra}\n"
        f"Open Accord to read it: {_link(disagreement)}\n"
    )
    email_on_commit(
        subject=f"[Accord] Disagreement #{disagreement.pk}: {headline}",
        body=body,
        emails=[user.email for user in users],
    )
    return sorted({user.username for user in users})


def _ladder_of(version: ProtocolVersion) -> list[dict[str, object]]:
    return [
        {
            "level": level.level,
            "name": level.name,
            "decided_by": level.decided_by,
            "hours": level.time_limit_hours,
        }
        for level in sorted(version.protocol.escalation, key=lambda level: level.level)
    ]


def disagreement_raise(
    *,
    actor: User,
    question: str,
    parties: Sequence[PartyPosition],
    case_id: int | None = None,
    protocol_version: ProtocolVersion | None = None,
    protocol_reference: str = "",
    now: datetime | None = None,
) -> Disagreement:
    """Raise a disagreement between at least two member agencies at level 1 of the ladder."""
    now = _now(now)
    task_force = actor.agency.task_force  # type: ignore[union-attr]  # a signed-in member always has an agency
    question = question.strip()
    if not question:
        raise ValidationError(
            _("Say what the agencies disagree about."), data={"field": "question"}
        )
    agency_ids = [party.agency_id for party in parties]
    if len(set(agency_ids)) != len(agency_ids):
        raise ValidationError(_("Each agency can be a party only once."), data={"field": "parties"})
    if len(agency_ids) < 2:
        raise ValidationError(
            _("A disagreement needs at least two party agencies, each with its position."),
            data={"field": "parties"},
        )
    agencies = {
        agency.pk: agency
        for agency in Agency.objects.filter(pk__in=agency_ids, task_force=task_force)
    }
    if len(agencies) != len(agency_ids):
        raise ValidationError(
            _("Every party must be a member agency of this task force."), data={"field": "parties"}
        )
    for party in parties:
        if not party.position.strip():
            raise ValidationError(
                _("Write the position of %(name)s.") % {"name": agencies[party.agency_id].name},
                data={"field": "positions", "agency": agencies[party.agency_id].slug},
            )
    in_force = protocol_in_force(task_force=task_force)
    if in_force is None or not in_force.protocol.escalation:
        raise ValidationError(
            _("No protocol with an escalation ladder is in force, so nobody is named to decide."),
            data={"field": "protocol"},
        )
    if case_id is None and protocol_version is None:
        raise ValidationError(
            _("Link the disagreement to a case or to the protocol."), data={"field": "subject"}
        )
    if case_id is not None and not case_linkable(viewer=actor, case_id=case_id):
        raise ValidationError(
            _("No case with that id is visible to you."), data={"field": "case_id"}
        )
    if protocol_version is not None and protocol_version.task_force_id != task_force.pk:
        raise ValidationError(_("No such protocol version."), data={"field": "protocol_version"})
    ladder = _ladder_of(in_force)
    first = ladder[0]
    with transaction.atomic():
        disagreement = Disagreement.objects.create(
            task_force=task_force,
            raised_by=actor,
            raised_at=now,
            question=question,
            subject_kind=DisagreementSubject.CASE if case_id else DisagreementSubject.PROTOCOL,
            case_id=case_id,
            protocol_version=protocol_version,
            protocol_reference=protocol_reference.strip(),
            ladder=ladder,
            ladder_protocol_version=in_force,
            current_level=int(first["level"]),  # type: ignore[call-overload]
            level_started_at=now,
            due_at=now + timedelta(hours=int(first["hours"])),  # type: ignore[call-overload]
        )
        DisagreementParty.objects.bulk_create(
            DisagreementParty(
                disagreement=disagreement,
                agency=agencies[party.agency_id],
                position=party.position.strip(),
            )
            for party in parties
        )
        deciders = deciders_for(disagreement=disagreement)
        notified = _notify(
            disagreement=disagreement,
            users=[*deciders.users, *party_leads(disagreement=disagreement)],
            headline="a new disagreement needs a decision",
        )
        DisagreementEvent.objects.create(
            disagreement=disagreement,
            kind=DisagreementEventKind.RAISED,
            at=now,
            actor=actor,
            to_level=disagreement.current_level,
            note=deciders.explanation,
            notified=notified,
        )
        audit_record(
            event=AuditEventType.DISAGREEMENT_RAISED,
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=disagreement.pk,
            fields=["question", "parties", "positions", "subject"],
            detail={
                "parties": sorted(a.slug for a in agencies.values()),
                "case_id": case_id,
                "protocol_version": protocol_version.pk if protocol_version else None,
            },
        )
    return disagreement


@dataclass(frozen=True)
class EscalationReport:
    """What one run of the escalation did, for the command's output and the tests."""

    escalated: tuple[tuple[int, int, int], ...] = ()  # (disagreement id, from level, to level)
    flagged: tuple[int, ...] = ()  # overdue at the last level: flagged once, never looped
    notified: dict[int, list[str]] = field(default_factory=dict)


def disagreements_escalate_due(*, now: datetime | None = None) -> EscalationReport:
    """Move every open disagreement whose limit has passed one level up (once per limit).

    The new level's deciders get their full time limit from now. At the last level
    an overdue disagreement is flagged once (coordinators are told); it never loops.
    """
    now = _now(now)
    escalated: list[tuple[int, int, int]] = []
    flagged: list[int] = []
    notified: dict[int, list[str]] = {}
    candidates = Disagreement.objects.filter(
        status=DisagreementStatus.OPEN, due_at__lte=now, overdue_flagged_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            disagreement = (
                Disagreement.objects.select_for_update().select_related("task_force").get(pk=pk)
            )
            if (
                disagreement.status != DisagreementStatus.OPEN
                or disagreement.due_at > now
                or disagreement.overdue_flagged_at is not None
            ):
                continue  # decided or escalated by someone else meanwhile
            from_level = disagreement.current_level
            higher = sorted(
                int(spec["level"])
                for spec in disagreement.ladder
                if int(spec["level"]) > from_level
            )
            if not higher:
                disagreement.overdue_flagged_at = now
                disagreement.lock_version += 1
                disagreement.save(update_fields=["overdue_flagged_at", "lock_version"])
                coordinators = list(
                    User.objects.filter(
                        agency__task_force=disagreement.task_force,
                        role_grants__role=Role.COORDINATOR,
                        is_active=True,
                    )
                )
                deciders = deciders_for(disagreement=disagreement)
                names = _notify(
                    disagreement=disagreement,
                    users=[*coordinators, *deciders.users],
                    headline="overdue at the last level of the ladder",
                    extra="No higher level exists; the coordinator follows up.",
                )
                DisagreementEvent.objects.create(
                    disagreement=disagreement,
                    kind=DisagreementEventKind.OVERDUE_AT_LAST_LEVEL,
                    at=now,
                    from_level=from_level,
                    note="The last level's time limit passed without a decision.",
                    notified=names,
                )
                audit_record(
                    event=AuditEventType.DISAGREEMENT_OVERDUE_AT_LAST_LEVEL,
                    object_type=OBJECT_TYPE,
                    object_id=disagreement.pk,
                    task_force_id=disagreement.task_force_id,
                    fields=["overdue_flagged_at"],
                    detail={"level": from_level},
                )
                flagged.append(disagreement.pk)
                notified[disagreement.pk] = names
                continue
            to_level = higher[0]
            disagreement.current_level = to_level
            disagreement.level_started_at = now
            disagreement.due_at = now + timedelta(
                hours=int(disagreement.level_spec(to_level)["hours"])
            )
            disagreement.lock_version += 1
            disagreement.save(
                update_fields=["current_level", "level_started_at", "due_at", "lock_version"]
            )
            deciders = deciders_for(disagreement=disagreement)
            spec = disagreement.level_spec(from_level)
            names = _notify(
                disagreement=disagreement,
                users=[*deciders.users, *party_leads(disagreement=disagreement)],
                headline=f"escalated to level {to_level}",
                extra=(
                    f"Level {from_level} ({spec['name']}) did not decide within "
                    f"{spec['hours']} hours."
                ),
            )
            DisagreementEvent.objects.create(
                disagreement=disagreement,
                kind=DisagreementEventKind.ESCALATED,
                at=now,
                from_level=from_level,
                to_level=to_level,
                note=(
                    f"Unresolved after {spec['hours']} hours at level {from_level}. "
                    f"Deciders: {deciders.explanation}."
                ),
                notified=names,
            )
            audit_record(
                event=AuditEventType.DISAGREEMENT_ESCALATED,
                object_type=OBJECT_TYPE,
                object_id=disagreement.pk,
                task_force_id=disagreement.task_force_id,
                fields=["current_level", "due_at"],
                detail={"from_level": from_level, "to_level": to_level},
            )
            escalated.append((disagreement.pk, from_level, to_level))
            notified[disagreement.pk] = names
    return EscalationReport(escalated=tuple(escalated), flagged=tuple(flagged), notified=notified)


def _locked(*, disagreement: Disagreement, lock_version: int) -> Disagreement:
    fresh = Disagreement.objects.select_for_update().get(pk=disagreement.pk)
    if fresh.lock_version != lock_version:
        raise ConflictError(
            _(
                "This disagreement changed since you opened it (it may have escalated or been "
                "decided). Reload the page; your text is kept below."
            ),
            data={"current_level": fresh.current_level, "status": fresh.status},
        )
    if fresh.status != DisagreementStatus.OPEN:
        raise ValidationError(
            _("This disagreement is already %(status)s.")
            % {"status": fresh.get_status_display().lower()},
            data={"field": "status"},
        )
    return fresh


def may_decide(*, user: User, disagreement: Disagreement) -> bool:
    """Deciders of the current level decide; coordinators may record their decision."""
    if user.agency is None or user.agency.task_force_id != disagreement.task_force_id:
        return False
    if user.has_role(Role.COORDINATOR):
        return True
    return user.pk in deciders_for(disagreement=disagreement).user_ids


def disagreement_decide(
    *,
    actor: User,
    disagreement: Disagreement,
    decision: str,
    reason: str,
    lock_version: int,
    amendment: ProtocolVersion | None = None,
    now: datetime | None = None,
) -> Disagreement:
    """Record the decision, who made it and why; optionally feed a protocol draft."""
    now = _now(now)
    if not may_decide(user=actor, disagreement=disagreement):
        raise PermissionDenied(
            _("Only the deciders of the current level (or a coordinator) record the decision.")
        )
    if not decision.strip():
        raise ValidationError(_("Write the decision."), data={"field": "decision"})
    if not reason.strip():
        raise ValidationError(_("Say why it was decided so."), data={"field": "reason"})
    _check_amendment(disagreement=disagreement, amendment=amendment)
    with transaction.atomic():
        fresh = _locked(disagreement=disagreement, lock_version=lock_version)
        fresh.status = DisagreementStatus.RESOLVED
        fresh.decision = decision.strip()
        fresh.decision_reason = reason.strip()
        fresh.decided_by = actor
        fresh.decided_at = now
        fresh.decided_at_level = fresh.current_level
        fresh.amendment = amendment
        fresh.lock_version += 1
        fresh.save()
        names = _notify(
            disagreement=fresh,
            users=[fresh.raised_by, *party_leads(disagreement=fresh)],
            headline="decided",
        )
        DisagreementEvent.objects.create(
            disagreement=fresh,
            kind=DisagreementEventKind.DECIDED,
            at=now,
            actor=actor,
            from_level=fresh.current_level,
            note=fresh.decision_reason,
            notified=names,
        )
        audit_record(
            event=AuditEventType.DISAGREEMENT_DECIDED,
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=fresh.pk,
            fields=["decision", "decision_reason", "status"] + (["amendment"] if amendment else []),
            detail={"level": fresh.current_level, "amendment": amendment.pk if amendment else None},
        )
    return fresh


def disagreement_withdraw(
    *,
    actor: User,
    disagreement: Disagreement,
    reason: str,
    lock_version: int,
    now: datetime | None = None,
) -> Disagreement:
    """The person who raised it, or a coordinator, withdraws an open disagreement."""
    now = _now(now)
    if actor.pk != disagreement.raised_by_id and not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only whoever raised it, or a coordinator, may withdraw it."))
    if not reason.strip():
        raise ValidationError(_("Say why it is withdrawn."), data={"field": "reason"})
    with transaction.atomic():
        fresh = _locked(disagreement=disagreement, lock_version=lock_version)
        fresh.status = DisagreementStatus.WITHDRAWN
        fresh.decision_reason = reason.strip()
        fresh.decided_at = now
        fresh.decided_by = actor
        fresh.lock_version += 1
        fresh.save()
        DisagreementEvent.objects.create(
            disagreement=fresh,
            kind=DisagreementEventKind.WITHDRAWN,
            at=now,
            actor=actor,
            from_level=fresh.current_level,
            note=fresh.decision_reason,
        )
        audit_record(
            event=AuditEventType.DISAGREEMENT_WITHDRAWN,
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=fresh.pk,
            fields=["status", "decision_reason"],
        )
    return fresh


def _check_amendment(*, disagreement: Disagreement, amendment: ProtocolVersion | None) -> None:
    if amendment is None:
        return
    if amendment.task_force_id != disagreement.task_force_id:
        raise NotFound(_("No such protocol version."))
    if amendment.status not in (ProtocolStatus.DRAFT, ProtocolStatus.CIRCULATED):
        raise ValidationError(
            _("A decision feeds a draft (or circulated) version, not one already in force."),
            data={"field": "amendment"},
        )


def disagreement_link_amendment(
    *,
    actor: User,
    disagreement: Disagreement,
    amendment: ProtocolVersion,
    now: datetime | None = None,
) -> Disagreement:
    """A coordinator links a decided disagreement to the draft that carries its change."""
    now = _now(now)
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only a coordinator links a decision to a protocol draft."))
    if disagreement.status != DisagreementStatus.RESOLVED:
        raise ValidationError(
            _("Only a decided disagreement can feed an amendment."), data={"field": "status"}
        )
    _check_amendment(disagreement=disagreement, amendment=amendment)
    if disagreement.amendment_id == amendment.pk:
        return disagreement
    with transaction.atomic():
        disagreement.amendment = amendment
        disagreement.lock_version += 1
        disagreement.save(update_fields=["amendment", "lock_version"])
        DisagreementEvent.objects.create(
            disagreement=disagreement,
            kind=DisagreementEventKind.AMENDMENT_LINKED,
            at=now,
            actor=actor,
            note=f"Feeds protocol draft version {amendment.number}: {amendment.title}",
        )
        audit_record(
            event=AuditEventType.DISAGREEMENT_AMENDMENT_LINKED,
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=disagreement.pk,
            fields=["amendment"],
            detail={"amendment": amendment.pk},
        )
    return disagreement
