"""THE read door for case data: every page, e-mail, notification and export reads through here.

Functions take the ``viewer`` and return released values (frozen dataclasses and
plain mappings) holding only what the viewer may see, with ``withheld`` saying
which fields were held back and why. Models never reach templates. The policy
lives in one function, ``_field_visible``; the sharing issue replaces it with
the protocol's sharing rules and consent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Role, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core.model import FieldClass, Sector
from accord.errors import NotFound

from . import models as m
from .fields import REGISTRY, spec_for

#: Roles that work cases (auditors and signatories do not see case data).
CASE_ROLES: frozenset[str] = frozenset(
    {
        Role.COORDINATOR,
        Role.INVESTIGATOR,
        Role.PROSECUTOR,
        Role.ADVOCATE,
        Role.INTERPRETER_COORDINATOR,
    }
)
LE_OR_PROSECUTION: frozenset[str] = frozenset(LAW_ENFORCEMENT_SECTORS | {Sector.PROSECUTION})
CJIS_TRAINING_VALID = timedelta(days=365)


@dataclass(frozen=True)
class Visibility:
    visible: bool
    reason: str


@dataclass(frozen=True)
class CaseAccess:
    """Who the viewer is with respect to one case: computed once per request."""

    case_id: int
    task_force_id: int
    viewer_id: int
    agency_id: int
    sector: str
    roles: frozenset[str]
    participant: bool
    is_coordinator: bool
    serving_provider: bool
    cji_cleared: bool
    immigration_authorized: bool
    stage: str

    @property
    def law_enforcement_or_prosecution(self) -> bool:
        return self.sector in LE_OR_PROSECUTION


def cji_cleared(user: User, *, today: date | None = None) -> bool:
    """S14: CJI needs a current CJIS security training and a passed background check."""
    today = today or timezone.localdate()
    trained = user.cjis_training_on
    if isinstance(trained, str):  # set through .update() with a string in fixtures
        trained = date.fromisoformat(trained)
    return bool(
        trained and user.background_check_passed_on and today - trained <= CJIS_TRAINING_VALID
    )


def _field_visible(
    access: CaseAccess,
    field_class: FieldClass | str,
    *,
    produced_by_id: int | None,
    serving_provider_id: int | None = None,
) -> Visibility:
    """THE policy: may this viewer see a field of this class produced by that agency?"""
    field_class = FieldClass(field_class)
    if not (access.participant or access.is_coordinator):
        return Visibility(False, "not on the case")
    if field_class is FieldClass.CASE_BASIC:
        return Visibility(True, "case-basic: task force members on the case")
    if not access.participant:
        return Visibility(False, f"{field_class}: your agency is not on the case")
    if field_class is FieldClass.LE_SENSITIVE:
        if not access.law_enforcement_or_prosecution:
            return Visibility(False, "le-sensitive: law enforcement and prosecution only")
        if not access.cji_cleared:
            return Visibility(False, "le-sensitive: CJIS training or background check not current")
        return Visibility(True, "le-sensitive: law enforcement or prosecution on the case")
    if field_class is FieldClass.NEVER_SHARED:
        if produced_by_id != access.agency_id:
            return Visibility(False, "never-shared: only the producing agency")
        if not access.roles & {Role.INVESTIGATOR, Role.PROSECUTOR}:
            return Visibility(
                False, "never-shared: only the producing agency's investigators and prosecutors"
            )
        if not access.cji_cleared:
            return Visibility(False, "never-shared: CJIS training or background check not current")
        return Visibility(True, "never-shared: your agency produced it")
    if field_class is FieldClass.VSP_CONFIDENTIAL:
        if serving_provider_id is not None and serving_provider_id == access.agency_id:
            return Visibility(True, "vsp-confidential: your agency is the serving provider")
        if produced_by_id == access.agency_id:
            return Visibility(True, "vsp-confidential: your agency produced it")
        return Visibility(
            False, "vsp-confidential: the serving provider only (a release is needed)"
        )
    if field_class is FieldClass.IMMIGRATION_1367:
        if access.immigration_authorized:
            return Visibility(True, "immigration-1367: you are authorized for immigration relief")
        return Visibility(False, "immigration-1367: only users authorized for immigration relief")
    return Visibility(False, "unclassified")  # fail closed


@dataclass(frozen=True)
class Released:
    """One record as one viewer may see it: ``values`` released, ``withheld`` field -> reason."""

    kind: str
    id: int
    values: Mapping[str, Any]
    withheld: Mapping[str, str]
    refs: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def _display(instance: models.Model, name: str) -> Any:
    model_field = instance._meta.get_field(name)
    if model_field.is_relation:
        related = getattr(instance, name)
        if related is None:
            return None
        if name == "protocol_version":
            return f"version {related.number}"
        return str(related)
    value = getattr(instance, name)
    if model_field.choices and value not in (None, ""):
        return getattr(instance, f"get_{name}_display")()
    return value


def release(
    access: CaseAccess,
    instance: models.Model,
    *,
    disclosed: set[str] | None = None,
    class_override: FieldClass | str | None = None,
) -> Released:
    """Release every classified field of ``instance`` the viewer may see; say why for the rest."""
    model_name = instance._meta.model_name
    values: dict[str, Any] = {}
    withheld: dict[str, str] = {}
    produced_by_id = getattr(instance, "produced_by_id", None)
    serving = getattr(instance, "serving_provider_id", None)
    victim = getattr(instance, "victim", None) if hasattr(instance, "victim_id") else None
    if serving is None and victim is not None:
        serving = victim.serving_provider_id
    cache: dict[str, Visibility] = {}
    for name, spec in REGISTRY[model_name].items():
        field_class = class_override or spec.field_class
        key = str(field_class)
        if key not in cache:
            cache[key] = _field_visible(
                access, field_class, produced_by_id=produced_by_id, serving_provider_id=serving
            )
        visibility = cache[key]
        if visibility.visible:
            values[name] = _display(instance, name)
            if disclosed is not None and str(field_class) != FieldClass.CASE_BASIC:
                disclosed.add(f"{model_name}.{name}")
        else:
            withheld[name] = visibility.reason
    refs = {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.attname.endswith("_id") or f.name in ("lock_version",)
    }
    refs["id"] = instance.pk
    return Released(kind=model_name, id=instance.pk, values=values, withheld=withheld, refs=refs)


# --- access -----------------------------------------------------------------------------------


def viewer_agency(viewer: User):  # type: ignore[no-untyped-def]
    if viewer.agency_id is None:
        raise NotFound("No such case.")
    return viewer.agency


def _access_for(
    viewer: User, case: m.Case, participant_rows: Sequence[tuple[int, bool]]
) -> CaseAccess:
    agency = viewer_agency(viewer)
    participant_ids = {agency_id for agency_id, _ in participant_rows}
    serving_ids = {agency_id for agency_id, serving in participant_rows if serving}
    roles = frozenset(viewer.role_set)
    return CaseAccess(
        case_id=case.pk,
        task_force_id=case.task_force_id,
        viewer_id=viewer.pk,
        agency_id=agency.pk,
        sector=agency.sector,
        roles=roles,
        participant=agency.pk in participant_ids and bool(roles & CASE_ROLES),
        is_coordinator=Role.COORDINATOR in roles,
        serving_provider=agency.pk in serving_ids,
        cji_cleared=cji_cleared(viewer),
        immigration_authorized=bool(viewer.immigration_relief_authorized)
        and agency.pk in participant_ids,
        stage=case.stage,
    )


def case_access(*, viewer: User, case_id: int) -> tuple[m.Case, CaseAccess]:
    """The case and the viewer's standing on it; NotFound when the viewer may not see it at all
    (another task force's case looks exactly like a missing one)."""
    case = (
        m.Case.objects.select_related("lead_agency", "protocol_version", "opened_by")
        .filter(pk=case_id, task_force_id=viewer.task_force_id)
        .first()
    )
    if case is None:
        raise NotFound("No such case.")
    rows = list(case.participants.values_list("agency_id", "is_serving_provider"))
    access = _access_for(viewer, case, rows)
    if not (access.participant or access.is_coordinator):
        raise NotFound("No such case.")
    return case, access


def visible_cases_query(viewer: User) -> models.QuerySet[m.Case]:
    query = m.Case.objects.filter(task_force_id=viewer.task_force_id)
    if viewer.has_role(Role.COORDINATOR):
        return query
    if not viewer.has_role(*CASE_ROLES):
        return query.none()
    return query.filter(participants__agency_id=viewer.agency_id)


# --- case list and page -----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    id: int
    number: str
    title: str
    stage: str
    incident_kind: str
    lead_agency: str
    opened_at: datetime


def cases_for(*, viewer: User, stage: str = "", limit: int = 200) -> list[CaseSummary]:
    query = visible_cases_query(viewer).select_related("lead_agency")
    if stage:
        query = query.filter(stage=stage)
    return [
        CaseSummary(
            id=c.pk,
            number=c.number,
            title=c.title,
            stage=c.get_stage_display(),
            incident_kind=c.get_incident_kind_display(),
            lead_agency=c.lead_agency.name,
            opened_at=c.opened_at,
        )
        for c in query.order_by("-opened_at")[:limit]
    ]


@dataclass(frozen=True)
class CaseView:
    access: CaseAccess
    case: Released
    participants: list[dict[str, Any]]
    plan: Released | None
    victims: list[Released]
    suspects: list[Released]
    notes: list[Released]
    sensitive: list[Released]
    tasks: list[Released]
    referrals: list[Released]
    operations: list[Released]
    placements: list[Released]
    interpreters: list[Released]
    immigration: list[Released]
    charging: list[Released]
    safety: list[Released]
    withheld_sections: Mapping[str, str]


def _section(
    access: CaseAccess, query: Iterable[models.Model], disclosed: set[str]
) -> list[Released]:
    return [release(access, row, disclosed=disclosed) for row in query]


def case_detail(*, viewer: User, case_id: int, purpose: str = "case page") -> CaseView:
    """Everything on the case page the viewer may see; audits the fields disclosed (S15)."""
    case, access = case_access(viewer=viewer, case_id=case_id)
    disclosed: set[str] = set()
    victims_q = case.potentialvictims.select_related("serving_provider", "produced_by")
    withheld_sections: dict[str, str] = {}

    def guarded(name: str, field_class: FieldClass, query: Any) -> list[Released]:
        check = _field_visible(access, field_class, produced_by_id=None)
        if (
            field_class in (FieldClass.LE_SENSITIVE, FieldClass.IMMIGRATION_1367)
            and not check.visible
        ):
            withheld_sections[name] = check.reason
            return []
        return _section(access, query, disclosed)

    plan_row = case.responseplans.first()
    released_sensitive = [
        release(access, row, disclosed=disclosed) for row in case.sensitivematerials.all()
    ]
    released_sensitive = [r for r in released_sensitive if "description" in r.values]
    view = CaseView(
        access=access,
        case=release(access, case, disclosed=disclosed),
        participants=[
            {
                "agency": p.agency.name,
                "sector": p.agency.get_sector_display(),
                "serving_provider": p.is_serving_provider,
                "agency_id": p.agency_id,
            }
            for p in case.participants.select_related("agency")
        ],
        plan=release(access, plan_row, disclosed=disclosed) if plan_row else None,
        victims=_section(access, victims_q, disclosed),
        suspects=guarded("suspects", FieldClass.LE_SENSITIVE, case.suspects.all()),
        notes=guarded(
            "investigative notes", FieldClass.LE_SENSITIVE, case.investigativenotes.all()
        ),
        sensitive=released_sensitive,
        tasks=_tasks_released(access, case.tasks.select_related("owner_agency", "assignee")),
        referrals=_section(
            access, case.referrals.select_related("from_agency", "to_agency", "victim"), disclosed
        ),
        operations=_section(access, case.operations.all(), disclosed),
        placements=_section(access, case.placements.select_related("victim"), disclosed),
        interpreters=_section(access, case.interpreterrequests.select_related("victim"), disclosed),
        immigration=guarded(
            "immigration relief",
            FieldClass.IMMIGRATION_1367,
            case.immigrationreliefs.select_related("victim", "signed_by"),
        ),
        charging=_section(access, case.chargingrecords.select_related("victim"), disclosed),
        safety=_section(access, case.safetyassessments.select_related("victim"), disclosed),
        withheld_sections=withheld_sections,
    )
    _audit_disclosure(viewer, case, disclosed, purpose)
    return view


def _tasks_released(access: CaseAccess, query: Iterable[m.Task]) -> list[Released]:
    released = []
    for task in query:
        if not _field_visible(
            access, task.visibility_class, produced_by_id=task.produced_by_id
        ).visible:
            continue
        released.append(release(access, task, class_override=None))
    return released


def _audit_disclosure(viewer: User, case: m.Case, disclosed: set[str], purpose: str) -> None:
    if not disclosed:
        return
    audit_record(
        event=AuditEventType.CASE_FIELD_RELEASED,
        actor=viewer,
        object_type="cases.case",
        object_id=case.pk,
        fields=sorted(disclosed),
        purpose=purpose,
        task_force_id=case.task_force_id,
    )
    immigration = sorted(f for f in disclosed if f.startswith("immigrationrelief."))
    if immigration:
        audit_record(
            event=AuditEventType.IMMIGRATION_RECORD_DISCLOSED,
            actor=viewer,
            object_type="cases.case",
            object_id=case.pk,
            fields=immigration,
            purpose=purpose,
            task_force_id=case.task_force_id,
        )


def case_timeline(*, viewer: User, case_id: int) -> tuple[Released, list[dict[str, Any]]]:
    """Every event of the case the viewer may see, oldest first; hidden events are absent."""
    case, access = case_access(viewer=viewer, case_id=case_id)
    events = []
    for event in case.caseevents.select_related("produced_by", "actor", "victim"):
        serving = event.victim.serving_provider_id if event.victim_id else None
        visibility = _field_visible(
            access,
            event.field_class,
            produced_by_id=event.produced_by_id,
            serving_provider_id=serving,
        )
        if not visibility.visible:
            continue
        events.append(
            {
                "occurred_at": event.occurred_at,
                "kind": event.kind,
                "summary": event.summary,
                "agency": event.produced_by.name,
                "actor": str(event.actor) if event.actor_id else "Accord",
                "field_class": event.field_class,
            }
        )
    return release(access, case), events


# --- task boards ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    id: int
    case_id: int
    case_number: str
    title: str
    owner: str
    assignee: str
    due_at: datetime
    status: str
    overdue: bool
    escalated: bool
    lock_version: int
    may_take: bool
    may_complete: bool


@dataclass(frozen=True)
class TaskBoard:
    overdue: list[TaskRow]
    due: list[TaskRow]
    done: list[TaskRow]


def _board(viewer: User, query: models.QuerySet[m.Task], *, now: datetime) -> TaskBoard:
    from .tasks import is_overdue

    rows: dict[str, list[TaskRow]] = {"overdue": [], "due": [], "done": []}
    for task in query.select_related("case", "owner_agency", "assignee").order_by("due_at")[:500]:
        if task.visibility_class != FieldClass.CASE_BASIC and not (
            task.visibility_class == FieldClass.IMMIGRATION_1367
            and viewer.immigration_relief_authorized
        ):
            continue
        overdue = is_overdue(task, now=now)
        open_ = task.status in (m.TaskStatus.OPEN, m.TaskStatus.TAKEN)
        own_agency = task.owner_agency_id == viewer.agency_id
        row = TaskRow(
            id=task.pk,
            case_id=task.case_id,
            case_number=task.case.number,
            title=task.title,
            owner=(task.owner_agency.name if task.owner_agency_id else "(no agency yet)")
            + (f" · {task.owner_role}" if task.owner_role else ""),
            assignee=str(task.assignee) if task.assignee_id else "",
            due_at=task.due_at,
            status=task.get_status_display(),
            overdue=overdue,
            escalated=task.escalated_at is not None,
            lock_version=task.lock_version,
            may_take=open_ and own_agency and task.assignee_id != viewer.pk,
            may_complete=open_
            and (task.assignee_id == viewer.pk or (own_agency and not task.assignee_id)),
        )
        if not open_:
            rows["done"].append(row)
        elif overdue:
            rows["overdue"].append(row)
        else:
            rows["due"].append(row)
    return TaskBoard(**rows)


def tasks_for_user(*, viewer: User, now: datetime | None = None) -> TaskBoard:
    """The viewer's own tasks and the open tasks of their agency for one of their roles."""
    now = now or timezone.now()
    query = (
        m.Task.objects.filter(case__task_force_id=viewer.task_force_id)
        .filter(
            Q(assignee=viewer)
            | Q(
                assignee__isnull=True,
                owner_agency_id=viewer.agency_id,
                owner_role__in=viewer.role_set,
            )
        )
        .exclude(status=m.TaskStatus.CANCELLED)
    )
    return _board(viewer, query, now=now)


def tasks_for_agency(*, viewer: User, now: datetime | None = None) -> TaskBoard:
    now = now or timezone.now()
    query = m.Task.objects.filter(
        case__task_force_id=viewer.task_force_id, owner_agency_id=viewer.agency_id
    ).exclude(status=m.TaskStatus.CANCELLED)
    return _board(viewer, query, now=now)


# --- notifications ----------------------------------------------------------------------------


def notifications_for(*, viewer: User, limit: int = 50) -> list[dict[str, Any]]:
    return list(
        m.Notification.objects.filter(user=viewer).values(
            "id", "subject", "body", "created_at", "read_at", "case_id", "kind"
        )[:limit]
    )


def unread_count(*, viewer: User) -> int:
    return m.Notification.objects.filter(user=viewer, read_at__isnull=True).count()


# --- referral releases ------------------------------------------------------------------------


def fields_released_to_agency(
    *, case: m.Case, victim: m.PotentialVictim, agency_id: int, sector: str, stage: str
) -> list[str]:
    """Victim fields a user of ``agency_id`` would receive with a referral at ``stage``."""
    access = CaseAccess(
        case_id=case.pk,
        task_force_id=case.task_force_id,
        viewer_id=0,
        agency_id=agency_id,
        sector=sector,
        roles=frozenset({Role.ADVOCATE}),
        participant=True,
        is_coordinator=False,
        serving_provider=False,
        cji_cleared=False,
        immigration_authorized=False,
        stage=stage,
    )
    return sorted(release(access, victim).values)


def field_spec(model_name: str, field_name: str) -> tuple[str, str]:
    spec = spec_for(model_name, field_name)
    return str(spec.field_class), spec.category
