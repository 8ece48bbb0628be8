"""The cases app's pages as compositions of the read door (``accord.sharing.door``) and the
rules of who may change what (``services.permissions``). Nothing here queries case models: the
door reads and releases, these functions add what the viewer may edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accord.errors import NotFound
from accord.sharing import door

from .models import OperationStatus
from .services.interpreters import payer_words
from .services.permissions import (
    may_set_stage,
    operation_fields_editable,
    victim_fields_editable,
)

if TYPE_CHECKING:
    from accord.accounts.models import User
    from accord.core.model import Protocol


@dataclass(frozen=True)
class RecordEdit:
    """One record on an edit page: the case (case-basic), the record as the viewer may see it,
    and the fields the viewer may change (empty: the page refuses)."""

    case: door.Released
    record: door.Released
    editable: tuple[str, ...]


def victim_for_edit(*, viewer: User, victim_id: int) -> RecordEdit:
    """A potential victim for the edit form: released fields (audited, S15) and the fields the
    viewer may change; NotFound when the viewer may not see the case."""
    found = door.record_for_edit(
        viewer=viewer, kind="potentialvictim", record_id=victim_id, purpose="victim edit form"
    )
    editable = victim_fields_editable(
        found.access,
        produced_by_id=found.record.refs.get("produced_by_id"),
        serving_provider_id=found.record.refs.get("serving_provider_id"),
        visible=found.record.values,
    )
    return RecordEdit(case=found.case, record=found.record, editable=editable)


def operation_for_edit(*, viewer: User, operation_id: int) -> RecordEdit:
    """An operation for the plan form: released fields (audited) and what the viewer may change."""
    found = door.record_for_edit(
        viewer=viewer, kind="operation", record_id=operation_id, purpose="operation plan form"
    )
    if not found.record.values.get("name"):
        raise NotFound(_("No such operation."))
    editable = operation_fields_editable(
        found.access,
        produced_by_id=found.record.refs.get("produced_by_id"),
        status=_operation_status_code(found.record.values.get("status", "")),
        visible=found.record.values,
    )
    return RecordEdit(case=found.case, record=found.record, editable=editable)


def _operation_status_code(label: str) -> str:
    return {lbl: value for value, lbl in OperationStatus.choices}.get(str(label), "")


def case_for_stage(*, viewer: User, case_id: int) -> RecordEdit:
    """The case for the stage form; ``editable`` is ("stage",) when the viewer may move it."""
    found = door.case_for_edit(viewer=viewer, case_id=case_id)
    lead = found.case.refs.get("lead_agency_id", 0)
    editable = ("stage",) if may_set_stage(found.access, lead_agency_id=lead) else ()
    return RecordEdit(case=found.case, record=found.record, editable=editable)


def answer_tasks(view: door.CaseView, protocol: Protocol) -> dict[str, list[str]]:
    """Which tasks each plan answer became, keyed ``"<decision>:<victim id or empty>"``, from
    the tasks the viewer is shown (a task names its deadline; the deadline the decisions it
    reads)."""
    reads = {deadline.id: deadline.references() for deadline in protocol.deadlines}
    found: dict[str, list[str]] = {}
    for task in view.tasks:
        base = str(task.refs.get("anchor_ref", "")).partition("|")[0]
        victim = base.partition(":")[2] if base.startswith("victim:") else ""
        for decision_id in sorted(reads.get(str(task.refs.get("deadline_id", "")), ())):
            key = f"{decision_id}:{victim if protocol.decisions[decision_id].per_victim else ''}"
            found.setdefault(key, []).append(str(task.values.get("title", "")))
    return found


@dataclass(frozen=True)
class CaseEditLinks:
    """Which edit pages of a case the viewer may use: the case page shows only these links."""

    stage: bool
    victims: tuple[tuple[int, str], ...]  # (victim id, pseudonym)
    operations: frozenset[int]


def case_edit_links(view: door.CaseView) -> CaseEditLinks:
    """From a case page already released for the viewer (no further query)."""
    access = view.access
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
                status=_operation_status_code(operation.values.get("status", "")),
                visible=operation.values,
            )
        ),
    )


def _words(value: object) -> str:
    """A protocol code (``investigating_agency``) as words (``investigating agency``)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")


def interpreter_lines(view: door.CaseView) -> list[tuple[door.Released, str, str]]:
    """Each interpreter request with its service by name (the protocol's directory) and its
    payer in words."""
    directory = view.protocol.directory

    def service(slug: str) -> str:
        return directory[slug].name if slug in directory else slug

    return [
        (
            request,
            service(str(request.values.get("service") or "")),
            payer_words(str(request.values["payer"])) if request.values.get("payer") else "",
        )
        for request in view.interpreters
    ]


def referral_lines(view: door.CaseView) -> list[tuple[door.Released, str, str]]:
    """Each referral with the service it names by the protocol directory's name (else as
    recorded) and the fields shared with the receiver in words."""
    directory = view.protocol.directory

    def service(slug: str) -> str:
        return directory[slug].name if slug in directory else slug

    return [
        (
            referral,
            service(str(referral.values.get("to_service") or "")),
            ", ".join(_words(name) for name in referral.values.get("shared_fields") or []),
        )
        for referral in view.referrals
    ]
