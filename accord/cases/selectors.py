"""THE read door for case data: every page, e-mail, notification and export reads through here.

Functions take the ``viewer`` and return released values (frozen dataclasses and
plain mappings) holding only what the viewer may see, with ``withheld`` saying
which fields were held back and why (reason codes of ``accord.sharing.policy``),
and ``bases`` saying what released each shown field. Models never reach
templates. The policy itself lives in ``accord.sharing.policy``: this module
builds its inputs once per request (``CaseAccess``: viewer, the case's protocol
version's sharing rules, the victims' releases) and asks it field by field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Agency, Role, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core.model import FieldClass, Protocol, Sector, SharingRule
from accord.errors import NotFound
from accord.sharing import policy, viewers
from accord.sharing.alerts import immigration_disclosure_alert
from accord.sharing.selectors import consent_views_for

from . import models as m
from .fields import REGISTRY, FieldSpec, spec_for

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
    """Who the viewer is with respect to one case, and what the policy needs: computed once per
    request (the protocol's sharing rules of the version the CASE runs under, the releases of the
    case's victims, the agencies' sectors, the clock)."""

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
    viewer: policy.Viewer | None = None
    participants: Mapping[int, bool] = field(default_factory=dict)
    rules: tuple[SharingRule, ...] = ()
    agency_sectors: Mapping[int, str] = field(default_factory=dict)
    consents: Mapping[int, tuple[policy.ConsentView, ...]] = field(default_factory=dict)
    now: datetime = field(default_factory=timezone.now)
    rules_version: int = 0  # the protocol version the rules come from (part of cache keys)
    #: Decisions of this request, keyed on EVERY input that can change them (the viewer, the
    #: clock and the per-victim releases are fixed for one request); may be shared by the
    #: accesses of one page because stage, participants and rules are in the key.
    decisions: dict[tuple[Any, ...], policy.Decision] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def law_enforcement_or_prosecution(self) -> bool:
        return self.sector in LE_OR_PROSECUTION

    def policy_viewer(self) -> policy.Viewer:
        if self.viewer is not None:
            return self.viewer
        return policy.Viewer(
            user_id=self.viewer_id,
            agency_id=self.agency_id,
            sector=self.sector,
            roles=self.roles,
            task_force_id=self.task_force_id,
            immigration_authorized=self.immigration_authorized,
            cji_cleared=self.cji_cleared,
        )

    def record_context(
        self,
        *,
        produced_by_id: int | None,
        victim_id: int | None = None,
        serving_provider_id: int | None = None,
    ) -> policy.RecordContext:
        producer = produced_by_id if produced_by_id is not None else 0
        return policy.RecordContext(
            task_force_id=self.task_force_id,
            stage=self.stage,
            participants=self.participants,
            produced_by_agency_id=producer,
            produced_by_sector=self.agency_sectors.get(producer, ""),
            victim_id=victim_id,
            victim_serving_provider_id=serving_provider_id,
        )

    def decide(
        self, record: policy.RecordContext, spec: FieldSpec | policy.FieldSpec
    ) -> policy.Decision:
        """One field, through ``accord.sharing.policy`` (the only place the rules live)."""
        consents = self.consents.get(record.victim_id, ()) if record.victim_id else ()
        key = (
            self.viewer_id,
            self.rules_version,
            self.stage,
            frozenset(record.participants.items()),
            record.produced_by_agency_id,
            record.produced_by_sector,
            record.victim_id if consents else None,  # without releases the victim cannot matter
            record.victim_serving_provider_id,
            str(spec.field_class),
            spec.category,
        )
        decision = self.decisions.get(key)
        if decision is None:
            decision = policy.field_decision(
                viewer=self.policy_viewer(),
                record=record,
                spec=policy.FieldSpec(spec.field_class, spec.category),
                rules=self.rules,
                consents=consents,
                now=self.now,
            )
            self.decisions[key] = decision
        return decision


def cji_cleared(user: User, *, today: date | None = None) -> bool:
    """S14: CJI needs a current CJIS security training and a passed background check."""
    return viewers.cji_cleared(user, on=today or timezone.localdate())


def _field_visible(
    access: CaseAccess,
    field_class: FieldClass | str,
    *,
    produced_by_id: int | None,
    serving_provider_id: int | None = None,
    victim_id: int | None = None,
    category: str = "",
) -> Visibility:
    """May this viewer see a field of this class produced by that agency? (Kept for services
    that check before writing; the answer comes from ``accord.sharing.policy``.)"""
    decision = access.decide(
        access.record_context(
            produced_by_id=produced_by_id,
            victim_id=victim_id,
            serving_provider_id=serving_provider_id,
        ),
        FieldSpec(field_class, category),  # type: ignore[arg-type]
    )
    if isinstance(decision, policy.Released):
        return Visibility(True, decision.explanation)
    return Visibility(False, f"{decision.reason}: {decision.explanation}")


@dataclass(frozen=True)
class Released:
    """One record as one viewer may see it: ``values`` released, ``withheld`` field -> reason."""

    kind: str
    id: int
    values: Mapping[str, Any]
    withheld: Mapping[str, str]
    refs: Mapping[str, Any] = field(default_factory=dict)
    bases: Mapping[str, str] = field(
        default_factory=dict
    )  # field -> basis (sharing rule, release...)

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
    """Release every classified field of ``instance`` the viewer may see; say why for the rest.

    The record's context (provenance, victim, serving provider) is built once; each field is
    decided by the policy (answers cached per class and category of THIS record only)."""
    model_name = instance._meta.model_name
    values: dict[str, Any] = {}
    withheld: dict[str, str] = {}
    bases: dict[str, str] = {}
    produced_by_id = getattr(instance, "produced_by_id", None)
    serving = getattr(instance, "serving_provider_id", None)
    victim_id: int | None = instance.pk if model_name == "potentialvictim" else None
    if victim_id is None and getattr(instance, "victim_id", None) is not None:
        victim_id = instance.victim_id  # type: ignore[attr-defined]
        if serving is None:
            serving = instance.victim.serving_provider_id  # type: ignore[attr-defined]
    record = access.record_context(
        produced_by_id=produced_by_id, victim_id=victim_id, serving_provider_id=serving
    )
    cache: dict[tuple[str, str], policy.Decision] = {}
    for name, spec in REGISTRY[model_name].items():
        field_class = str(class_override or spec.field_class)
        key = (field_class, spec.category)
        if key not in cache:
            cache[key] = access.decide(record, policy.FieldSpec(field_class, spec.category))
        decision = cache[key]
        if isinstance(decision, policy.Released):
            values[name] = _display(instance, name)
            bases[name] = decision.basis
            if disclosed is not None and field_class != FieldClass.CASE_BASIC:
                disclosed.add(f"{model_name}.{name}")
        else:
            withheld[name] = str(decision.reason)
    refs = {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.attname.endswith("_id") or f.name in ("lock_version", "opened_at", "created_at")
    }
    refs["id"] = instance.pk
    return Released(
        kind=model_name, id=instance.pk, values=values, withheld=withheld, refs=refs, bases=bases
    )


# --- access -----------------------------------------------------------------------------------


def viewer_agency(viewer: User):  # type: ignore[no-untyped-def]
    if viewer.agency_id is None:
        raise NotFound("No such case.")
    return viewer.agency


def _agency_sectors(viewer: User, task_force_id: int) -> Mapping[int, str]:
    """Sector of every agency of the task force, read once per request (kept on the request's
    user object, keyed by task force)."""
    cache: dict[int, Mapping[int, str]] = viewer.__dict__.setdefault("_accord_agency_sectors", {})
    if task_force_id not in cache:
        cache[task_force_id] = dict(
            Agency.objects.filter(task_force_id=task_force_id).values_list("pk", "sector")
        )
    return cache[task_force_id]


def _access_for(
    viewer: User,
    case: m.Case,
    participant_rows: Sequence[tuple[int, bool]],
    *,
    victim_ids: Iterable[int] = (),
    consents: Mapping[int, tuple[policy.ConsentView, ...]] | None = None,
    decisions: dict[tuple[Any, ...], policy.Decision] | None = None,
    now: datetime | None = None,
) -> CaseAccess:
    agency = viewer_agency(viewer)
    participants = dict(participant_rows)
    roles = frozenset(viewer.role_set)
    policy_viewer = viewers.viewer_for(viewer)
    if policy_viewer is None:  # viewer_agency refused users of no agency already
        raise NotFound("No such case.")
    return CaseAccess(
        case_id=case.pk,
        task_force_id=case.task_force_id,
        viewer_id=viewer.pk,
        agency_id=agency.pk,
        sector=agency.sector,
        roles=roles,
        participant=agency.pk in participants and bool(roles & CASE_ROLES),
        is_coordinator=Role.COORDINATOR in roles,
        serving_provider=bool(participants.get(agency.pk)),
        cji_cleared=policy_viewer.cji_cleared,
        immigration_authorized=policy_viewer.immigration_authorized,
        stage=case.stage,
        viewer=policy_viewer,
        participants=participants,
        rules=tuple(case.protocol_version.protocol.sharing),
        agency_sectors=_agency_sectors(viewer, case.task_force_id),
        consents=consents
        if consents is not None
        else consent_views_for(task_force_id=case.task_force_id, victim_ids=victim_ids),
        now=now or timezone.now(),
        rules_version=case.protocol_version_id,
        decisions={} if decisions is None else decisions,
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
    access = _access_for(
        viewer,
        case,
        rows,
        victim_ids=case.potentialvictims.values_list("pk", flat=True),
    )
    opened = policy.case_decision(
        access.policy_viewer(), access.record_context(produced_by_id=None)
    )
    if not isinstance(opened, policy.Released):
        raise NotFound("No such case.")
    return case, access


def case_protocol(*, viewer: User, case_id: int) -> Protocol:
    """The protocol version the case runs under (case-basic), for forms built from its factors."""
    case, _ = case_access(viewer=viewer, case_id=case_id)
    return case.protocol_version.protocol


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
class CaseWithVictims:
    case: Released
    victims: list[Released]


def case_list_released(
    *, viewer: User, stage: str = "", limit: int = 50, purpose: str = "case list"
) -> list[CaseWithVictims]:
    """A page of cases with their victims, each field through the policy, in a fixed number
    of queries (cases, participants, victims, releases) whatever the page size; one audit
    event for the fields disclosed on the whole page (S15)."""
    query = visible_cases_query(viewer).select_related("lead_agency", "protocol_version")
    if stage:
        query = query.filter(stage=stage)
    cases = list(query.order_by("-opened_at")[:limit])
    if not cases:
        return []
    ids = [case.pk for case in cases]
    participants: dict[int, list[tuple[int, bool]]] = {pk: [] for pk in ids}
    for case_id, agency_id, serving in m.CaseParticipant.objects.filter(
        case_id__in=ids
    ).values_list("case_id", "agency_id", "is_serving_provider"):
        participants[case_id].append((agency_id, serving))
    victims: dict[int, list[m.PotentialVictim]] = {pk: [] for pk in ids}
    for victim in m.PotentialVictim.objects.filter(case_id__in=ids).select_related(
        "serving_provider"
    ):
        victims[victim.case_id].append(victim)
    consents = consent_views_for(
        task_force_id=viewer.task_force_id or 0,
        victim_ids=[v.pk for rows in victims.values() for v in rows],
    )
    disclosed: set[str] = set()
    page = []
    decisions: dict[tuple[Any, ...], policy.Decision] = {}
    now = timezone.now()
    for case in cases:
        access = _access_for(
            viewer, case, participants[case.pk], consents=consents, decisions=decisions, now=now
        )
        opened = policy.case_decision(
            access.policy_viewer(), access.record_context(produced_by_id=None)
        )
        if not isinstance(opened, policy.Released):
            continue
        page.append(
            CaseWithVictims(
                case=release(access, case, disclosed=disclosed),
                victims=[release(access, v, disclosed=disclosed) for v in victims[case.pk]],
            )
        )
    if disclosed:
        audit_record(
            event=AuditEventType.CASE_FIELD_RELEASED,
            actor=viewer,
            object_type="cases.case_list",
            fields=sorted(disclosed),
            purpose=purpose,
            detail={"case_ids": [row.case.id for row in page]},
            task_force_id=viewer.task_force_id,
        )
    return page


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
        """Rows of a wholly classified section: a row none of whose fields is released is
        absent; the section says why (reason code) when rows were held back."""
        rows = [release(access, row, disclosed=disclosed) for row in query]
        shown = [row for row in rows if row.values]
        if len(shown) < len(rows):
            hidden = next(row for row in rows if not row.values)
            withheld_sections[name] = ", ".join(sorted(set(hidden.withheld.values())))
        return shown

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


def _task_visible(access: CaseAccess, task: m.Task) -> bool:
    """A task is shown (case page and boards alike) when its visibility class is released."""
    return _field_visible(
        access, task.visibility_class, produced_by_id=task.produced_by_id, category="tasks"
    ).visible


def _tasks_released(access: CaseAccess, query: Iterable[m.Task]) -> list[Released]:
    return [
        release(access, task, class_override=None) for task in query if _task_visible(access, task)
    ]


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
        immigration_disclosure_alert(viewer=viewer, case=case, fields=immigration)


def case_timeline(*, viewer: User, case_id: int) -> tuple[Released, list[dict[str, Any]]]:
    """Every event of the case the viewer may see, oldest first; hidden events are absent."""
    case, access = case_access(viewer=viewer, case_id=case_id)
    events = []
    disclosed: set[str] = set()
    for event in case.caseevents.select_related("produced_by", "actor", "victim"):
        serving = event.victim.serving_provider_id if event.victim_id else None
        visibility = _field_visible(
            access,
            event.field_class,
            produced_by_id=event.produced_by_id,
            serving_provider_id=serving,
            victim_id=event.victim_id,
            category="timeline",
        )
        if not visibility.visible:
            continue
        if event.field_class != FieldClass.CASE_BASIC:
            disclosed.add(f"caseevent.summary:{event.field_class}")
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
    _audit_disclosure(viewer, case, disclosed, "case timeline")
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


def _board_accesses(
    viewer: User, cases: Mapping[int, m.Case], *, now: datetime
) -> dict[int, CaseAccess | None]:
    """The viewer's standing on each case of a board (None: the viewer may not open it), built
    as the case page builds it, with the participants of all cases read in one query."""
    participants: dict[int, list[tuple[int, bool]]] = {pk: [] for pk in cases}
    for case_id, agency_id, serving in m.CaseParticipant.objects.filter(
        case_id__in=list(cases)
    ).values_list("case_id", "agency_id", "is_serving_provider"):
        participants[case_id].append((agency_id, serving))
    decisions: dict[tuple[Any, ...], policy.Decision] = {}
    accesses: dict[int, CaseAccess | None] = {}
    for case_id, case in cases.items():
        # tasks concern no victim, so no release (consent) can matter: none are read
        access = _access_for(
            viewer, case, participants[case_id], consents={}, decisions=decisions, now=now
        )
        opened = policy.case_decision(
            access.policy_viewer(), access.record_context(produced_by_id=None)
        )
        accesses[case_id] = access if isinstance(opened, policy.Released) else None
    return accesses


def _board(viewer: User, query: models.QuerySet[m.Task], *, now: datetime) -> TaskBoard:
    """Rows of a task board: a task is listed only when the policy lets the viewer see a task
    of its visibility class on its case, exactly as on the case page."""
    from .tasks import is_overdue

    rows: dict[str, list[TaskRow]] = {"overdue": [], "due": [], "done": []}
    tasks = list(
        query.select_related("case", "case__protocol_version", "owner_agency", "assignee").order_by(
            "due_at"
        )[:500]
    )
    if not tasks:
        return TaskBoard(**rows)
    accesses = _board_accesses(viewer, {task.case_id: task.case for task in tasks}, now=now)
    for task in tasks:
        access = accesses[task.case_id]
        if access is None or not _task_visible(access, task):
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
    """Victim fields an advocate of ``agency_id`` would receive with a referral at ``stage``
    (the agency counted as on the case), under the case's rules and the victim's releases."""
    participants = dict(case.participants.values_list("agency_id", "is_serving_provider"))
    participants.setdefault(agency_id, False)
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
        participants=participants,
        rules=tuple(case.protocol_version.protocol.sharing),
        agency_sectors=dict(
            Agency.objects.filter(task_force_id=case.task_force_id).values_list("pk", "sector")
        ),
        consents=consent_views_for(task_force_id=case.task_force_id, victim_ids=[victim.pk]),
    )
    return sorted(release(access, victim).values)


def field_spec(model_name: str, field_name: str) -> tuple[str, str]:
    spec = spec_for(model_name, field_name)
    return str(spec.field_class), spec.category


# --- "why can I see this?" ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldExplanation:
    """Why one field of one record is shown to (or withheld from) one user; never its value."""

    subject: str
    case_number: str
    kind: str
    record_id: int
    field_name: str
    field_class: str
    category: str
    released: bool
    code: str  # basis when released, reason code when withheld
    explanation: str
    rule_id: str = ""
    rule_note: str = ""
    consent_id: int | None = None
    consent_recipients: tuple[str, ...] = ()
    consent_expires_at: datetime | None = None
    consent_categories: tuple[str, ...] = ()


def field_explanation(
    *,
    viewer: User,
    case_id: int,
    kind: str,
    record_id: int,
    field_name: str,
    subject: User | None = None,
) -> FieldExplanation:
    """The basis (rule and note, release with recipients and expiry, own agency) or the reason.

    ``subject`` (default: the viewer) is whose access is explained; an auditor may ask about
    the users of their own agency. The answer never carries the field's value.
    """
    from django.apps import apps

    subject = subject or viewer
    if subject.pk != viewer.pk and not (
        viewer.has_role(Role.AUDITOR) and viewer.agency_id == subject.agency_id
    ):
        raise NotFound("No such user.")
    if kind not in REGISTRY or field_name not in REGISTRY[kind]:
        raise NotFound("No such field.")
    case, access = case_access(viewer=subject, case_id=case_id)
    model = apps.get_model("cases", kind)
    if kind == "case":
        instance = case
    else:
        instance = model.objects.filter(pk=record_id, case_id=case.pk).first()
        if instance is None:
            raise NotFound("No such record.")
    victim_id = instance.pk if kind == "potentialvictim" else getattr(instance, "victim_id", None)
    serving = getattr(instance, "serving_provider_id", None)
    if serving is None and victim_id is not None and kind != "potentialvictim":
        serving = (
            m.PotentialVictim.objects.filter(pk=victim_id)
            .values_list("serving_provider_id", flat=True)
            .first()
        )
    spec = REGISTRY[kind][field_name]
    field_class = str(spec.field_class)
    if kind == "task":
        field_class = instance.visibility_class  # type: ignore[attr-defined]
    record = access.record_context(
        produced_by_id=getattr(instance, "produced_by_id", None),
        victim_id=victim_id,
        serving_provider_id=serving,
    )
    decision = access.decide(record, FieldSpec(field_class, spec.category))  # type: ignore[arg-type]
    rule = next((r for r in access.rules if r.id == getattr(decision, "rule_id", None)), None)
    consent_id = getattr(decision, "consent_id", None)
    recipients: tuple[str, ...] = ()
    expires_at = None
    categories: tuple[str, ...] = ()
    if consent_id is not None:
        from accord.sharing.models import Release as ConsentRelease

        consent = ConsentRelease.objects.prefetch_related("recipients").get(pk=consent_id)
        recipients = tuple(sorted(a.name for a in consent.recipients.all()))
        expires_at = consent.expires_at
        categories = tuple(consent.categories)
    released = isinstance(decision, policy.Released)
    explanation = FieldExplanation(
        subject=str(subject),
        case_number=case.number,
        kind=kind,
        record_id=instance.pk,
        field_name=field_name,
        field_class=field_class,
        category=spec.category,
        released=released,
        code=decision.basis if isinstance(decision, policy.Released) else str(decision.reason),
        explanation=decision.explanation,
        rule_id=rule.id if rule else "",
        rule_note=rule.note if rule else "",
        consent_id=consent_id,
        consent_recipients=recipients,
        consent_expires_at=expires_at,
        consent_categories=categories,
    )
    audit_record(
        event=AuditEventType.RECORD_READ,
        actor=viewer,
        object_type=f"cases.{kind}",
        object_id=instance.pk,
        fields=[field_name],
        purpose="why can I see this" + ("" if subject.pk == viewer.pk else f" (for {subject})"),
        detail={"released": released, "code": explanation.code},
        task_force_id=case.task_force_id,
    )
    return explanation


# --- a case seen from elsewhere -----------------------------------------------------------------

CASE_BASIC_FIELDS: tuple[str, ...] = tuple(
    name for name, spec in REGISTRY["case"].items() if spec.field_class == FieldClass.CASE_BASIC
)


def case_glimpse(*, viewer: User, case_id: int) -> Released:
    """The case-basic fields of a case as this viewer may see them, for other apps (conflicts)
    that show a linked case; NotFound when the viewer may not see the case at all. Carries no
    model and no class above case-basic, whatever the viewer could see on the case page."""
    case, access = case_access(viewer=viewer, case_id=case_id)
    released = release(access, case)
    return Released(
        kind="case",
        id=case.pk,
        values={k: v for k, v in released.values.items() if k in CASE_BASIC_FIELDS},
        withheld={k: v for k, v in released.withheld.items() if k in CASE_BASIC_FIELDS},
        refs={"id": case.pk},
        bases={k: v for k, v in released.bases.items() if k in CASE_BASIC_FIELDS},
    )


# --- edit pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordEdit:
    """One record on an edit page: the case (case-basic), the record as the viewer may see it,
    and the fields the viewer may change (empty: the page refuses)."""

    case: Released
    record: Released
    editable: tuple[str, ...]


def _case_basic(access: CaseAccess, case: m.Case) -> Released:
    released = release(access, case)
    return Released(
        kind="case",
        id=case.pk,
        values={k: v for k, v in released.values.items() if k in CASE_BASIC_FIELDS},
        withheld={},
        refs={
            "id": case.pk,
            "lead_agency_id": case.lead_agency_id,
            "lock_version": case.lock_version,
        },
    )


def victim_for_edit(*, viewer: User, victim_id: int) -> RecordEdit:
    """A potential victim for the edit form: released fields (audited, S15) and the fields the
    viewer may change; NotFound when the viewer may not see the case."""
    from .services.permissions import victim_fields_editable

    row = (
        m.PotentialVictim.objects.filter(pk=victim_id, case__task_force_id=viewer.task_force_id)
        .values_list("case_id", flat=True)
        .first()
    )
    if row is None:
        raise NotFound("No such potential victim.")
    case, access = case_access(viewer=viewer, case_id=row)
    victim = case.potentialvictims.select_related("serving_provider").get(pk=victim_id)
    disclosed: set[str] = set()
    released = release(access, victim, disclosed=disclosed)
    _audit_disclosure(viewer, case, disclosed, "victim edit form")
    editable = victim_fields_editable(
        access,
        produced_by_id=victim.produced_by_id,
        serving_provider_id=victim.serving_provider_id,
        visible=released.values,
    )
    return RecordEdit(case=_case_basic(access, case), record=released, editable=editable)


def operation_for_edit(*, viewer: User, operation_id: int) -> RecordEdit:
    """An operation for the plan form: released fields (audited) and what the viewer may change."""
    from .services.permissions import operation_fields_editable

    row = (
        m.Operation.objects.filter(pk=operation_id, case__task_force_id=viewer.task_force_id)
        .values_list("case_id", flat=True)
        .first()
    )
    if row is None:
        raise NotFound("No such operation.")
    case, access = case_access(viewer=viewer, case_id=row)
    operation = case.operations.get(pk=operation_id)
    disclosed: set[str] = set()
    released = release(access, operation, disclosed=disclosed)
    _audit_disclosure(viewer, case, disclosed, "operation plan form")
    editable = operation_fields_editable(
        access,
        produced_by_id=operation.produced_by_id,
        status=operation.status,
        visible=released.values,
    )
    if not released.values.get("name"):
        raise NotFound("No such operation.")
    return RecordEdit(case=_case_basic(access, case), record=released, editable=editable)


def case_for_stage(*, viewer: User, case_id: int) -> RecordEdit:
    """The case for the stage form; ``editable`` is ("stage",) when the viewer may move it."""
    from .services.permissions import may_set_stage

    case, access = case_access(viewer=viewer, case_id=case_id)
    basic = _case_basic(access, case)
    editable = ("stage",) if may_set_stage(access, lead_agency_id=case.lead_agency_id) else ()
    record = Released(
        kind="case",
        id=case.pk,
        values={**basic.values, "stage_code": case.stage},
        withheld={},
        refs=basic.refs,
    )
    return RecordEdit(case=basic, record=record, editable=editable)


@dataclass(frozen=True)
class CaseEditLinks:
    """Which edit pages of a case the viewer may use: the case page shows only these links."""

    stage: bool
    victims: tuple[tuple[int, str], ...]  # (victim id, pseudonym)
    operations: frozenset[int]


def case_edit_links(view: CaseView) -> CaseEditLinks:
    """From a case page already released for the viewer (no further query)."""
    from .models import OperationStatus
    from .services.permissions import (
        may_set_stage,
        operation_fields_editable,
        victim_fields_editable,
    )

    access = view.access
    labels = {label: value for value, label in OperationStatus.choices}
    return CaseEditLinks(
        stage=may_set_stage(access, lead_agency_id=view.case.refs.get("lead_agency_id", 0)),
        victims=tuple(
            (victim.id, str(victim.values.get("pseudonym", "")))
            for victim in view.victims
            if victim_fields_editable(
                access,
                produced_by_id=victim.refs.get("produced_by_id"),
                serving_provider_id=victim.refs.get("serving_provider_id"),
                visible=victim.values,
            )
        ),
        operations=frozenset(
            operation.id
            for operation in view.operations
            if operation_fields_editable(
                access,
                produced_by_id=operation.refs.get("produced_by_id"),
                status=labels.get(operation.values.get("status", ""), ""),
                visible=operation.values,
            )
        ),
    )


# --- interpreter requests -------------------------------------------------------------------------

#: What an interpreter coordinator sees of a request: the request's own case-basic fields only
#: (never the victim, the case's facts or its people).
INTERPRETER_BOARD_FIELDS: tuple[str, ...] = tuple(
    name
    for name in (
        "language",
        "proceeding",
        "scheduled_for",
        "court_certified_required",
        "payer",
        "service",
    )
    if REGISTRY["interpreterrequest"][name].field_class == FieldClass.CASE_BASIC
)


@dataclass(frozen=True)
class InterpreterRow:
    id: int
    language: str
    proceeding: str
    scheduled_for: datetime | None
    court_certified_required: bool
    payer: str
    service: str
    requested_by: str  # the requesting agency, so the coordinator knows whom to call back
    status: str
    lock_version: int


def _interpreter_rows(query: models.QuerySet[m.InterpreterRequest]) -> list[InterpreterRow]:
    proceedings = dict(m.Proceeding.choices)
    statuses = dict(m.InterpreterStatus.choices)
    rows = []
    for values in query.values(
        "pk", *INTERPRETER_BOARD_FIELDS, "produced_by__name", "status", "lock_version"
    ):
        rows.append(
            InterpreterRow(
                id=values["pk"],
                language=values.get("language", ""),
                proceeding=proceedings.get(values.get("proceeding", ""), ""),
                scheduled_for=values.get("scheduled_for"),
                court_certified_required=bool(values.get("court_certified_required")),
                payer=values.get("payer", ""),
                service=values.get("service", ""),
                requested_by=values["produced_by__name"],
                status=statuses.get(values["status"], values["status"]),
                lock_version=values["lock_version"],
            )
        )
    return rows


def interpreter_board(*, viewer: User) -> list[InterpreterRow]:
    """The task force's open interpreter requests, soonest first, for its interpreter
    coordinators (who book for every agency); others get PermissionDenied."""
    from accord.errors import PermissionDenied

    if not viewer.has_role(Role.INTERPRETER_COORDINATOR) or viewer.task_force_id is None:
        raise PermissionDenied("Only interpreter coordinators see the interpreter board.")
    return _interpreter_rows(
        m.InterpreterRequest.objects.filter(
            case__task_force_id=viewer.task_force_id, status=m.InterpreterStatus.REQUESTED
        ).order_by("scheduled_for", "pk")
    )


def interpreter_request_for_booking(*, viewer: User, request_id: int) -> InterpreterRow:
    """One request for the booking form: an interpreter coordinator sees the board fields of any
    request of the task force; anyone else only a request of a case they may see."""
    query = m.InterpreterRequest.objects.filter(
        pk=request_id, case__task_force_id=viewer.task_force_id
    )
    if not viewer.has_role(Role.INTERPRETER_COORDINATOR):
        case_id = query.values_list("case_id", flat=True).first()
        if case_id is None:
            raise NotFound("No such interpreter request.")
        case, access = case_access(viewer=viewer, case_id=case_id)
        released = release(access, case.interpreterrequests.get(pk=request_id))
        if any(name not in released.values for name in INTERPRETER_BOARD_FIELDS):
            raise NotFound("No such interpreter request.")
    rows = _interpreter_rows(query)
    if not rows:
        raise NotFound("No such interpreter request.")
    return rows[0]


# --- aggregate reports ----------------------------------------------------------------------------

#: Age bands and genders an aggregate counts; any other recorded gender counts as "other", so no
#: free text ever leaves the door in a report row.
AGE_BANDS: tuple[str, ...] = ("minor", "adult", "unknown")
GENDERS: tuple[str, ...] = ("female", "male", "nonbinary", "other", "unknown")
TRAFFICKING_TYPES: tuple[str, ...] = ("sex", "labor", "both", "unknown")


@dataclass(frozen=True)
class CaseAggregateRow:
    """One case as a report counts it: codes, a date and counts; never a name, a number, an id or
    free text. Immigration counts are None for a viewer not authorized for them (8 U.S.C. 1367)."""

    stage: str
    incident_kind: str
    trafficking_type: str
    opened_on: date
    referral_accepted: bool
    minutes_to_accept: int | None  # intake to the first accepted referral
    victims: Mapping[tuple[str, str], int]  # (age band, gender) -> potential victims
    tasks_done_on_time: int
    tasks_done_late: int
    tasks_open_overdue: int
    tasks_open_not_due: int
    continued_presence_requests: int | None
    t_visa_requests: int | None
    u_visa_requests: int | None


def _age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    return "minor" if age < 18 else "adult"


def _gender(value: str) -> str:
    value = (value or "").strip().lower()
    if value in ("", "unknown"):
        return "unknown"
    return value if value in GENDERS else "other"


def case_aggregate_rows(
    *,
    viewer: User,
    period_start: date,
    period_end: date,
    now: datetime | None = None,
) -> tuple[CaseAggregateRow, ...]:
    """The cases of the viewer's task force opened from ``period_start`` to ``period_end``
    (inclusive, local dates), reduced to what counting needs; coordinators only.

    Reads case-basic codes and counts only (stage, incident kind, the trafficking type fact,
    victims' age band and gender, referral acceptance, task timeliness); immigration-relief
    requests are counted only for a viewer authorized for that class. Writes one audit event
    (RECORD_READ, purpose "aggregate report") naming the fields counted, never values.
    """
    from accord.errors import PermissionDenied, ValidationError

    if viewer.task_force_id is None or not viewer.has_role(Role.COORDINATOR):
        raise PermissionDenied("Only the task force's coordinators run reports.")
    if period_end < period_start:
        raise ValidationError("The period ends before it starts.", data={"field": "period_end"})
    now = now or timezone.now()
    policy_viewer = viewers.viewer_for(viewer)
    immigration = bool(policy_viewer and policy_viewer.immigration_authorized)
    zone = timezone.get_current_timezone()
    start = datetime.combine(period_start, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(period_end + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    cases = list(
        m.Case.objects.filter(
            task_force_id=viewer.task_force_id, opened_at__gte=start, opened_at__lt=end
        )
        .order_by("opened_at", "pk")
        .values_list("pk", "stage", "incident_kind", "facts", "opened_at")
    )
    ids = [row[0] for row in cases]
    victims: dict[int, dict[tuple[str, str], int]] = {pk: {} for pk in ids}
    for case_id, age, gender in m.PotentialVictim.objects.filter(case_id__in=ids).values_list(
        "case_id", "age", "gender"
    ):
        key = (_age_band(age), _gender(gender))
        victims[case_id][key] = victims[case_id].get(key, 0) + 1
    accepted: dict[int, int | None] = {}
    for case_id, minutes in m.Referral.objects.filter(
        case_id__in=ids, accepted_at__isnull=False
    ).values_list("case_id", "minutes_to_accept"):
        best = accepted.get(case_id)
        if case_id not in accepted or (minutes is not None and (best is None or minutes < best)):
            accepted[case_id] = minutes
    hidden_classes = {str(FieldClass.NEVER_SHARED)}
    if not immigration:
        hidden_classes.add(str(FieldClass.IMMIGRATION_1367))
    tasks: dict[int, list[int]] = {pk: [0, 0, 0, 0] for pk in ids}
    for case_id, status, due_at, completed_at in (
        m.Task.objects.filter(case_id__in=ids)
        .exclude(status=m.TaskStatus.CANCELLED)
        .exclude(visibility_class__in=hidden_classes)
        .values_list("case_id", "status", "due_at", "completed_at")
    ):
        if status == m.TaskStatus.DONE:
            late = completed_at is not None and completed_at > due_at
            tasks[case_id][1 if late else 0] += 1
        else:
            tasks[case_id][2 if due_at < now else 3] += 1
    reliefs: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    if immigration:
        for case_id, kind in (
            m.ImmigrationRelief.objects.filter(case_id__in=ids)
            .exclude(status=m.ReliefStatus.DRAFT)
            .values_list("case_id", "kind")
        ):
            reliefs[case_id][kind] = reliefs[case_id].get(kind, 0) + 1

    def relief_count(case_id: int, kind: str) -> int | None:
        return reliefs[case_id].get(kind, 0) if immigration else None

    rows = tuple(
        CaseAggregateRow(
            stage=stage,
            incident_kind=incident_kind,
            trafficking_type=(
                (facts or {}).get("trafficking_type")
                if (facts or {}).get("trafficking_type") in TRAFFICKING_TYPES
                else "unknown"
            ),
            opened_on=timezone.localtime(opened_at, zone).date(),
            referral_accepted=pk in accepted,
            minutes_to_accept=accepted.get(pk),
            victims=dict(victims[pk]),
            tasks_done_on_time=tasks[pk][0],
            tasks_done_late=tasks[pk][1],
            tasks_open_overdue=tasks[pk][2],
            tasks_open_not_due=tasks[pk][3],
            continued_presence_requests=relief_count(pk, m.ReliefKind.CONTINUED_PRESENCE),
            t_visa_requests=relief_count(pk, m.ReliefKind.T_VISA_DECLARATION),
            u_visa_requests=relief_count(pk, m.ReliefKind.U_VISA_CERTIFICATION),
        )
        for pk, stage, incident_kind, facts, opened_at in cases
    )
    fields = [
        "case.stage",
        "case.incident_kind",
        "case.facts.trafficking_type",
        "case.opened_at",
        "potentialvictim.age",
        "potentialvictim.gender",
        "referral.accepted_at",
        "referral.minutes_to_accept",
        "task.status",
        "task.due_at",
        "task.completed_at",
    ]
    if immigration:
        fields += ["immigrationrelief.kind", "immigrationrelief.status"]
    audit_record(
        event=AuditEventType.RECORD_READ,
        actor=viewer,
        object_type="cases.aggregate",
        fields=fields,
        purpose="aggregate report",
        detail={
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
            "cases": len(rows),
            "immigration_counted": immigration,
        },
        task_force_id=viewer.task_force_id,
    )
    return rows
