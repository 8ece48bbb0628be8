"""What every case write shares: who may act, the clock, conflicts, the timeline, the audit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, Role, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core.model import FieldClass
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.sharing.door import CaseAccess, case_access
from accord.zones import local_time, zone_of

from ..models import Case, CaseEvent, CaseParticipant

M = TypeVar("M", bound=models.Model)


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def require_member(actor: User) -> Agency:
    """The actor's agency; PermissionDenied for a user of no member agency."""
    agency = actor.agency if actor is not None and actor.agency_id is not None else None
    if agency is None:
        raise PermissionDenied(_("Only a user of a member agency may do this."))
    return agency


def require_case(actor: User, case: Case | int) -> tuple[Case, CaseAccess]:
    """The case (fresh) and the actor's standing; NotFound when the actor cannot see it."""
    case_id = case.pk if isinstance(case, Case) else case
    return case_access(viewer=actor, case_id=case_id)


def require_role(
    actor: User,
    access: CaseAccess | None,
    *,
    roles: Iterable[str],
    sectors: Iterable[str] | None = None,
    participant: bool = True,
    action: str,
) -> None:
    """Refuse with a message naming who may do ``action``."""
    roles = frozenset(roles)
    if not actor.has_role(*roles):
        who = ", ".join(sorted(str(r) for r in roles))
        raise PermissionDenied(
            _("Only %(who)s users may %(action)s.") % {"who": who, "action": action},
            data={"action": action},
        )
    if sectors is not None:
        sectors = frozenset(sectors)
        if require_member(actor).sector not in sectors:
            names = ", ".join(sorted(s.replace("_", " ") for s in sectors))
            raise PermissionDenied(
                _("Only agencies of these sectors may %(action)s: %(names)s.")
                % {"action": action, "names": names},
                data={"action": action},
            )
    if participant and access is not None and not access.participant:
        raise PermissionDenied(
            _("Your agency is not working this case, so you may not %(action)s.")
            % {"action": action},
            data={"action": action},
        )


def check_version(record: models.Model, expected: int | None) -> None:
    """S23: refuse a save from a stale form."""
    if expected is None:
        return
    current = getattr(record, "lock_version")  # noqa: B009
    if int(expected) != current:
        raise ConflictError(
            _(
                "This %(record)s was changed by someone else since you opened it (your "
                "version %(expected)s, now %(current)s). Reload the page and make your "
                "change again."
            )
            % {"record": record._meta.verbose_name, "expected": expected, "current": current},
            data={"expected": expected, "current": current},
        )


def bump(record: models.Model, fields: Iterable[str]) -> None:
    record.lock_version += 1  # type: ignore[attr-defined]
    record.save(update_fields=[*fields, "lock_version"])


def locked(model: type[M], pk: int, **filters: Any) -> M:
    row = model._default_manager.select_for_update().filter(pk=pk, **filters).first()
    if row is None:
        raise NotFound(_("No such %(verbose_name)s.") % {"verbose_name": model._meta.verbose_name})
    return row


def event_add(
    *,
    case: Case,
    actor: User | None,
    agency: Agency,
    kind: str,
    summary: str,
    field_class: FieldClass = FieldClass.CASE_BASIC,
    victim: Any = None,
    now: datetime,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        produced_by=agency,
        created_at=now,
        occurred_at=now,
        kind=kind,
        summary=summary[:400],
        field_class=field_class,
        victim=victim,
        actor=actor,
    )


def audit(
    *,
    actor: User | None,
    event: AuditEventType,
    record: models.Model,
    fields: Iterable[str] = (),
    detail: Mapping[str, Any] | None = None,
    task_force_id: int | None = None,
) -> None:
    audit_record(
        event=event,
        actor=actor,
        object_type=f"cases.{record._meta.model_name}",
        object_id=record.pk,
        fields=list(fields),
        detail=detail,
        task_force_id=task_force_id,
    )


def participant_ensure(
    *,
    case: Case,
    agency: Agency,
    now: datetime,
    part: str | None = None,
    joined_via: str | None = None,
    serving: bool = False,
    reason: str = "",
    added_by: User | None = None,
) -> CaseParticipant:
    """Put ``agency`` on the case (or keep it there) as ``part``; never downgrades a part.

    ``part`` defaults to the lead for the case's lead agency, the serving provider when
    ``serving``, else the part of the agency's sector; ``joined_via`` defaults to "opened the
    case" for the opening and lead agencies, else "the plan". An agency the law keeps off a
    provider's case (``team.held_back``) is refused with the reason, so nothing is stored.
    """
    from ..models import JoinedVia, ParticipantPart
    from ..team import held_back, part_for_sector, stronger_part

    if part is None:
        if agency.pk == case.lead_agency_id:
            part = ParticipantPart.LEAD
        elif serving:
            part = ParticipantPart.SERVING_PROVIDER
        else:
            part = part_for_sector(agency.sector)
    serving = serving or part == ParticipantPart.SERVING_PROVIDER
    existing = CaseParticipant.objects.filter(case=case, agency=agency).first()
    if existing is None:
        refusal = held_back(case=case, agency=agency, now=now)
        if refusal:
            raise ValidationError(refusal, code="held_back", data={"field": "agency"})
        if joined_via is None:
            opening = agency.pk in (case.produced_by_id, case.lead_agency_id)
            joined_via = JoinedVia.OPENED if opening else JoinedVia.PLAN
        participant, created = CaseParticipant.objects.get_or_create(
            case=case,
            agency=agency,
            defaults={
                "joined_at": now,
                "is_serving_provider": serving,
                "part": part,
                "joined_via": joined_via,
                "reason": reason,
                "added_by": added_by,
            },
        )
        if created and joined_via not in (JoinedVia.TASK, JoinedVia.OPENED):
            _tasks_for_newcomer(case=case, agency=agency, now=now)
        return participant
    changed = []
    kept = stronger_part(existing.part, part)
    if kept != existing.part:
        existing.part = kept
        changed.append("part")
    if serving and not existing.is_serving_provider:
        existing.is_serving_provider = True
        changed.append("is_serving_provider")
    if changed:
        existing.save(update_fields=changed)
    return existing


def _tasks_for_newcomer(*, case: Case, agency: Agency, now: datetime) -> None:
    """Deadlines that found no owner may find one in the agency that just joined."""
    from ..notifications import notify
    from ..tasks import tasks_catch_up

    for task in tasks_catch_up(case=case, produced_by=agency, now=now):
        if task.owner_agency is None or task.visibility_class != FieldClass.CASE_BASIC:
            continue
        notify(
            recipients=agency_recipients(task.owner_agency, role=task.owner_role),
            kind="task_assigned",
            subject=f"New task on case {case.number}",
            body=f"Case {case.number}: {task.title}. Due {local_time(task.due_at, zone_of(case.task_force))}.",
            case=case,
            now=now,
        )


def coordinators(task_force_id: int) -> list[User]:
    return list(
        User.objects.filter(
            agency__task_force_id=task_force_id,
            role_grants__role=Role.COORDINATOR,
            is_active=True,
        ).distinct()
    )


def owners_recipients(
    owners: Sequence[tuple[Agency, str]],
) -> dict[tuple[int, str], list[User]]:
    """``agency_recipients`` of several (agency, role) owners at once, keyed (agency id, role):
    the role holders of all of them read in one query, with their agencies and role grants
    (each one's standing is decided next), the agency lead where an agency has none."""
    wanted = {(agency.pk, role): agency for agency, role in owners}
    holders: list[User] = []
    roles = {role for _, role in wanted if role}
    if roles:
        holders = list(
            User.objects.select_related("agency")
            .prefetch_related("role_grants")
            .filter(
                agency_id__in={pk for pk, _ in wanted}, role_grants__role__in=roles, is_active=True
            )
            .distinct()
            .order_by("pk")
        )
    found: dict[tuple[int, str], list[User]] = {}
    for (agency_id, role), agency in wanted.items():
        users = [u for u in holders if role and u.agency_id == agency_id and role in u.role_set]
        if not users and agency.lead is not None:
            users = [agency.lead]
        found[(agency_id, role)] = users
    return found


def agency_recipients(agency: Agency, *, role: str | None = None) -> list[User]:
    """Who hears about an agency's work: holders of the role there, else the agency lead
    (``owners_recipients`` of one owner: the rule lives there)."""
    return owners_recipients([(agency, role or "")])[(agency.pk, role or "")]
