"""Case data for pages, the API and other apps: the case list, the case page, the timeline,
a glimpse of a linked case, one record for an edit form, and "why can I see this?".

Every function takes the viewer, reads through ``release`` and audits the field names it
disclosed (S15). Classes a viewer may not know of (immigration relief without the
authorization, never-shared material outside its producer) leave no trace: no row, no
"withheld" note, and a "why" question about them is answered like one about a missing record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from accord.accounts.models import Role
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core.model import FieldClass, Protocol
from accord.errors import NotFound
from accord.sharing import policy
from accord.sharing.alerts import immigration_disclosure_alert

from .access import CaseAccess, case_access, field_visible
from .registry import field_specs, m, model_for
from .release import Released, case_basic, record_context_of, release

if TYPE_CHECKING:
    from accord.accounts.models import User

#: Withholding reasons that would betray that a record exists to someone who may not know it.
SILENT_REASONS: frozenset[str] = frozenset(
    {str(policy.Reason.NOT_IMMIGRATION_AUTHORIZED), str(policy.Reason.CLASS_NEVER_SHARED)}
)


# --- case list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseWithVictims:
    case: Released
    victims: list[Released]


@dataclass(frozen=True)
class CaseSummary:
    """A case in a list (API and e-mail): case-basic fields as released, never a raw column."""

    id: int
    number: str
    title: str
    stage: str
    incident_kind: str
    lead_agency: str
    opened_at: datetime


def participant_rows(case_ids: Iterable[int]) -> dict[int, list[tuple[int, bool]]]:
    ids = list(case_ids)
    rows: dict[int, list[tuple[int, bool]]] = {pk: [] for pk in ids}
    for case_id, agency_id, serving in m.CaseParticipant.objects.filter(
        case_id__in=ids
    ).values_list("case_id", "agency_id", "is_serving_provider"):
        rows[case_id].append((agency_id, serving))
    return rows


def case_list_released(
    *,
    viewer: User,
    stage: str = "",
    limit: int = 50,
    purpose: str = "case list",
    query: Any = None,
    after: int | None = None,
) -> list[CaseWithVictims]:
    """A page of cases with their victims, each field through the policy, in a fixed number
    of queries (cases, participants, victims, releases) whatever the page size; one audit
    event for the fields disclosed on the whole page (S15). ``query`` (a
    ``listing.CaseQuery``) searches, filters and sorts; ``after`` continues after a case.
    The page with its link onwards is ``listing.case_list_page``."""
    from .listing import CaseQuery, case_list_page

    return case_list_page(
        viewer=viewer,
        query=query or CaseQuery(stage=stage),
        after=after,
        limit=limit,
        purpose=purpose,
    ).rows


def cases_for(*, viewer: User, stage: str = "", limit: int = 200) -> list[CaseSummary]:
    """The same released rows as the case page list, reduced to a summary (API, e-mail)."""
    rows = case_list_released(viewer=viewer, stage=stage, limit=limit, purpose="case summaries")
    return [
        CaseSummary(
            id=row.case.id,
            number=str(row.case.values.get("number", "")),
            title=str(row.case.values.get("title", "")),
            stage=str(row.case.values.get("stage", "")),
            incident_kind=str(row.case.values.get("incident_kind", "")),
            lead_agency=str(row.case.values.get("lead_agency", "")),
            opened_at=row.case.refs["opened_at"],
        )
        for row in rows
    ]


# --- the case page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseView:
    access: CaseAccess
    protocol: Protocol  # the version the case runs under (the agreed text, not case data)
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
    #: The producing provider's privileged notes, for its advocates only (absent for others).
    advocate_notes: list[Released] = field(default_factory=list)


def _section(access: CaseAccess, query: Iterable[Any], disclosed: set[str]) -> list[Released]:
    return [release(access, row, disclosed=disclosed) for row in query]


def task_context(access: CaseAccess, task: Any) -> policy.RecordContext:
    """A task is its owner's work: the owning agency stands as its producer, so the class of
    its title decides who of that agency sees it (an immigration-relief task: its authorized
    users) and the sharing rules decide for everyone else."""
    return access.record_context(
        produced_by_id=task.owner_agency_id or task.produced_by_id,
        victim_id=None,
        serving_provider_id=None,
    )


def task_visible(access: CaseAccess, task: Any) -> bool:
    """A task is shown (case page and boards alike) when its visibility class is released."""
    decision = access.decide(
        task_context(access, task), policy.FieldSpec(task.visibility_class, "tasks")
    )
    return isinstance(decision, policy.Released)


#: The title an agency's user sees of its own task whose class they may not see: the work is
#: theirs (someone authorized must do it), what it is about is not for them (issue 12, item 5).
RESTRICTED_TASK = "Restricted task"


def task_restricted_for_owner(access: CaseAccess, task: Any) -> bool:
    """The viewer's agency owns a task the viewer may not read: shown with a neutral title."""
    return (
        access.participant
        and task.owner_agency_id == access.agency_id
        and not task_visible(access, task)
    )


def restricted_task(task: Any) -> Released:
    """A task row that says only that there is work for the viewer's agency, and when."""
    return Released(
        kind="task",
        id=task.pk,
        values={
            "title": RESTRICTED_TASK,
            "owner_agency": str(task.owner_agency) if task.owner_agency_id else None,
            "owner_role": task.owner_role,
            "assignee": None,
            "due_at": task.due_at,
            "status": task.get_status_display(),
        },
        withheld={},
        refs={"id": task.pk, "restricted": True},
    )


def tasks_released(access: CaseAccess, query: Iterable[Any]) -> list[Released]:
    rows = []
    for task in query:
        if task_visible(access, task):
            rows.append(release(access, task))
        elif task_restricted_for_owner(access, task):
            rows.append(restricted_task(task))
    return rows


def task_title_for(
    *,
    viewer: User,
    task: Any,
    accesses: dict[tuple[int, int], CaseAccess | None] | None = None,
) -> str | None:
    """A task's title as ``viewer`` may be told it (notifications, e-mail): the title when they
    may read the task, ``RESTRICTED_TASK`` when their agency owns it but they may not, None when
    they may not know of it at all. ``accesses`` keeps each viewer's standing on each case
    for the duration of one write (many tasks, few recipients)."""
    key = (viewer.pk, task.case_id)
    if accesses is not None and key in accesses:
        access = accesses[key]
    else:
        try:
            access = case_access(viewer=viewer, case_id=task.case_id)[1]
        except NotFound:
            access = None
        if accesses is not None:
            accesses[key] = access
    if access is None:
        return None
    if task_visible(access, task):
        return str(task.title)
    if task_restricted_for_owner(access, task):
        return RESTRICTED_TASK
    return None


def case_detail(*, viewer: User, case_id: int, purpose: str = "case page") -> CaseView:
    """Everything on the case page the viewer may see; audits the fields disclosed (S15)."""
    case, access = case_access(viewer=viewer, case_id=case_id)
    disclosed: set[str] = set()
    withheld_sections: dict[str, str] = {}

    def guarded(name: str, query: Any) -> list[Released]:
        """Rows of a wholly classified section: a row none of whose fields is released is
        absent; the section says why only when the viewer may know such rows exist."""
        rows = [release(access, row, disclosed=disclosed) for row in query]
        shown = [row for row in rows if row.values]
        hidden = [row for row in rows if not row.values]
        reasons = sorted({r for row in hidden for r in row.withheld.values()} - SILENT_REASONS)
        if reasons:
            withheld_sections[name] = ", ".join(reasons)
        return shown

    plan_row = case.responseplans.first()
    sensitive = [
        row
        for row in _section(access, case.sensitivematerials.all(), disclosed)
        if "description" in row.values
    ]
    view = CaseView(
        access=access,
        protocol=case.protocol_version.protocol,
        case=release(access, case, disclosed=disclosed),
        participants=[
            {
                "agency": p.agency.name,
                "sector": p.agency.get_sector_display(),
                "sector_code": p.agency.sector,
                "serving_provider": p.is_serving_provider,
                "agency_id": p.agency_id,
                # the case team (case-basic: who works the case, how and since when)
                "part": p.part,
                "part_label": p.get_part_display(),
                "joined_via": p.get_joined_via_display(),
                "joined_at": p.joined_at,
                "reason": p.reason,
                "is_lead": p.agency_id == case.lead_agency_id,
            }
            for p in case.participants.select_related("agency")
        ],
        plan=release(access, plan_row, disclosed=disclosed) if plan_row else None,
        victims=_section(
            access, case.potentialvictims.select_related("serving_provider"), disclosed
        ),
        suspects=guarded("suspects", case.suspects.all()),
        notes=guarded("investigative notes", case.investigativenotes.all()),
        sensitive=sensitive,
        tasks=tasks_released(access, case.tasks.select_related("owner_agency", "assignee")),
        referrals=_section(
            access, case.referrals.select_related("from_agency", "to_agency", "victim"), disclosed
        ),
        operations=_section(access, case.operations.all(), disclosed),
        placements=_section(access, case.placements.select_related("victim"), disclosed),
        interpreters=_section(access, case.interpreterrequests.select_related("victim"), disclosed),
        immigration=guarded(
            "immigration relief", case.immigrationreliefs.select_related("victim", "signed_by")
        ),
        charging=_section(access, case.chargingrecords.select_related("victim"), disclosed),
        safety=_section(access, case.safetyassessments.select_related("victim"), disclosed),
        withheld_sections=withheld_sections,
        advocate_notes=[
            row
            for row in _section(access, case.advocatenotes.select_related("victim"), disclosed)
            if "text" in row.values
        ],
    )
    audit_disclosure(viewer, case, disclosed, purpose)
    return view


def audit_disclosure(viewer: User, case: Any, disclosed: set[str], purpose: str) -> None:
    """One audit event naming the fields above case-basic shown (S15); immigration-relief
    disclosures get their own event and an alert to the viewer's agency's auditors (S11)."""
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
        visibility = field_visible(
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
    audit_disclosure(viewer, case, disclosed, "case timeline")
    return release(access, case), events


def case_glimpse(*, viewer: User, case_id: int) -> Released:
    """The case-basic fields of a case as this viewer may see them, for other apps (conflicts)
    that show a linked case; NotFound when the viewer may not see the case at all. Carries no
    model and no class above case-basic, whatever the viewer could see on the case page."""
    _case, access = case_access(viewer=viewer, case_id=case_id)
    return case_basic(access, _case)


# --- one record for an edit page ----------------------------------------------------------------


@dataclass(frozen=True)
class RecordForEdit:
    """One record on an edit page: the case's basic fields, the record as the viewer may see
    it (both released, the disclosure audited) and the viewer's standing on the case."""

    access: CaseAccess
    case: Released
    record: Released


#: The records an edit page may open, by kind.
EDITABLE_KINDS: frozenset[str] = frozenset({"potentialvictim", "operation"})


def record_for_edit(*, viewer: User, kind: str, record_id: int, purpose: str) -> RecordForEdit:
    """A record of a case the viewer may open; NotFound for anything else (S8)."""
    if kind not in EDITABLE_KINDS:
        raise NotFound(_("No such record."))
    model = model_for(kind)
    case_id = (
        model.objects.filter(pk=record_id, case__task_force_id=viewer.task_force_id)
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is None:
        raise NotFound(_("No such %(verbose_name)s.") % {"verbose_name": model._meta.verbose_name})
    case, access = case_access(viewer=viewer, case_id=case_id)
    instance = model.objects.select_related(
        *(["serving_provider"] if kind == "potentialvictim" else [])
    ).get(pk=record_id)
    disclosed: set[str] = set()
    released = release(access, instance, disclosed=disclosed)
    audit_disclosure(viewer, case, disclosed, purpose)
    return RecordForEdit(
        access=access, case=case_basic(access, case, with_refs=True), record=released
    )


def case_for_edit(*, viewer: User, case_id: int) -> RecordForEdit:
    """The case itself for a case-level form (stage): its basic fields, as released."""
    case, access = case_access(viewer=viewer, case_id=case_id)
    basic = case_basic(access, case, with_refs=True)
    record = Released(
        kind="case",
        id=case.pk,
        values={**basic.values, "stage_code": case.stage},
        withheld={},
        refs=basic.refs,
    )
    return RecordForEdit(access=access, case=basic, record=record)


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
    the users of their own agency. The answer never carries the field's value. A record of a
    class the subject may not know of is answered exactly like a missing one (404).
    """
    from accord.sharing.models import Release as ConsentRelease

    subject = subject or viewer
    if subject.pk != viewer.pk and not (
        viewer.has_role(Role.AUDITOR) and viewer.agency_id == subject.agency_id
    ):
        raise NotFound(_("No such user."))
    specs = field_specs()
    if kind not in specs or field_name not in specs[kind]:
        raise NotFound(_("No such record."))
    case, access = case_access(viewer=subject, case_id=case_id)
    if kind == "case":
        instance = case
    else:
        instance = model_for(kind).objects.filter(pk=record_id, case_id=case.pk).first()
        if instance is None:
            raise NotFound(_("No such record."))
    spec = specs[kind][field_name]
    field_class = str(spec.field_class)
    if kind == "task":
        field_class = instance.visibility_class
    context = (
        task_context(access, instance) if kind == "task" else record_context_of(access, instance)
    )
    decision = access.decide(context, policy.FieldSpec(field_class, spec.category))
    if isinstance(decision, policy.Withheld) and str(decision.reason) in SILENT_REASONS:
        raise NotFound(_("No such record."))
    rule = next((r for r in access.rules if r.id == getattr(decision, "rule_id", None)), None)
    consent_id = getattr(decision, "consent_id", None)
    recipients: tuple[str, ...] = ()
    expires_at = None
    categories: tuple[str, ...] = ()
    if consent_id is not None:
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
