"""Writes of the protocol agreement process: drafts, circulation, sign-off, coming into force.

Each service validates, changes inside ``transaction.atomic`` and writes one
audit event (S15); a failed audit write rolls the change back (S17). Text the
loader rejects is never stored (S24); a save from a stale form is refused (S23).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accord.accounts.counters import PROTOCOL_VERSION_SERIES, counter_next
from accord.accounts.models import Agency, Role, TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core import LoadError, LoadIssue
from accord.core.dump import dump_protocol
from accord.core.model import Decision, DirectoryReference, Protocol
from accord.core.recheck import check_decision_reads_back
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError

from .models import (
    AcceptedRisk,
    DrillScenario,
    ProtocolStatus,
    ProtocolVersion,
    SignOff,
    SignOffDecision,
    load_text_cached,
    remember_loaded,
)
from .selectors import protocol_in_force, version_report
from .signals import version_circulated

#: Upload size limit for protocol and DMN files (S21).
MAX_PROTOCOL_BYTES = 1_000_000


# -- guards ----------------------------------------------------------------------------


def _require_coordinator(actor: User, task_force: TaskForce | int) -> None:
    task_force_id = task_force if isinstance(task_force, int) else task_force.pk
    if actor.task_force_id != task_force_id:
        raise NotFound(gettext("No such protocol version."))
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(gettext("Only the task force coordinator may do this."))


def _require_status(version: ProtocolVersion, *statuses: str, doing: str) -> None:
    if version.status not in statuses:
        raise ValidationError(
            gettext("Version %(number)s is %(status)s; only a %(value)s version can be %(doing)s.")
            % {
                "number": version.number,
                "status": version.get_status_display().lower(),
                "value": " or ".join(s.replace("_", " ") for s in statuses),
                "doing": doing,
            },
            code="wrong_status",
            data={"field": "status", "status": version.status},
        )


def load_checked(yaml_text: str, *, filename: str = "protocol.yaml") -> Protocol:
    """Load ``yaml_text`` or raise the loader's LoadError (line-numbered issues)."""
    if len(yaml_text.encode("utf-8", errors="replace")) > MAX_PROTOCOL_BYTES:
        raise LoadError(
            [LoadIssue(filename, 1, 1, f"the file is larger than {MAX_PROTOCOL_BYTES} bytes")]
        )
    if not yaml_text.strip():
        raise LoadError([LoadIssue(filename, 1, 1, "the protocol text is empty")])
    return load_text_cached(yaml_text, filename)


def _audit(
    *,
    event: AuditEventType,
    actor: User,
    version: ProtocolVersion,
    detail: Mapping[str, Any] | None = None,
    fields: tuple[str, ...] = (),
) -> None:
    audit_record(
        event=event,
        actor=actor,
        object_type="protocol_version",
        object_id=version.pk,
        fields=fields,
        detail={"number": version.number, "status": version.status, **(detail or {})},
        task_force_id=version.task_force_id,
    )


# -- drafts ----------------------------------------------------------------------------


def _next_number(task_force: TaskForce) -> int:
    """The next version number of the task force; concurrent drafts wait for it."""

    def highest_stored() -> int:
        top = ProtocolVersion.objects.filter(task_force=task_force).aggregate(n=Max("number"))["n"]
        return int(top or 0)

    return counter_next(
        task_force_id=task_force.pk, name=PROTOCOL_VERSION_SERIES, start=highest_stored
    )


def protocol_version_create(
    *,
    actor: User,
    task_force: TaskForce,
    yaml_text: str,
    title: str | None = None,
    based_on: ProtocolVersion | None = None,
) -> ProtocolVersion:
    """Store a new draft. Refuses text that does not load (LoadError, nothing stored)."""
    _require_coordinator(actor, task_force)
    if based_on is not None and based_on.task_force_id != task_force.pk:
        raise NotFound(gettext("No such protocol version."))
    protocol = load_checked(yaml_text)
    with transaction.atomic():
        version = ProtocolVersion.objects.create(
            task_force=task_force,
            number=_next_number(task_force),
            title=(title or protocol.title or "Protocol")[:200],
            yaml_text=yaml_text,
            based_on=based_on or protocol_in_force(task_force=task_force),
            created_by=actor,
        )
        _audit(
            event=AuditEventType.PROTOCOL_VERSION_CREATED,
            actor=actor,
            version=version,
            detail={"based_on": version.based_on.number if version.based_on else None},
            fields=("yaml_text", "title"),
        )
    return version


def protocol_version_copy_in_force(*, actor: User, task_force: TaskForce) -> ProtocolVersion:
    """A new draft holding the text of the version in force, to edit into the next one."""
    _require_coordinator(actor, task_force)
    current = protocol_in_force(task_force=task_force)
    if current is None:
        raise ValidationError(
            gettext("No version is in force yet: upload or write the first draft instead."),
            code="nothing_in_force",
        )
    return protocol_version_create(
        actor=actor,
        task_force=task_force,
        yaml_text=current.yaml_text,
        title=current.title,
        based_on=current,
    )


def protocol_version_update(
    *,
    actor: User,
    version: ProtocolVersion,
    yaml_text: str,
    expected_lock_version: int,
    title: str | None = None,
) -> ProtocolVersion:
    """Save new text into a draft; a save based on a stale read is refused (S23)."""
    return _draft_text_save(
        actor=actor,
        version=version,
        yaml_text=yaml_text,
        expected_lock_version=expected_lock_version,
        title=title,
        event=AuditEventType.PROTOCOL_CHANGED,
    )


def protocol_decision_update(
    *,
    actor: User,
    version: ProtocolVersion,
    decision: Decision,
    expected_lock_version: int,
    directory: Mapping[str, DirectoryReference] | None = None,
) -> ProtocolVersion:
    """Put one decision table, edited in the guided editor, into a draft.

    The same write path as the YAML editor: the draft's protocol with the new
    table is written back as YAML (``dump_protocol``) and saved with the same
    checks (coordinator, draft, loads, expected lock version); audited as a
    decision edit naming the decision. ``directory`` adds entries the new
    answers name (picked from the task force's directory).
    """
    _require_coordinator(actor, version.task_force_id)
    _require_status(version, ProtocolStatus.DRAFT, doing="edited")
    protocol = version.protocol
    if decision.id not in protocol.decisions:
        raise NotFound(gettext("No such decision in this version."))
    decisions = {
        key: (decision if key == decision.id else value)
        for key, value in protocol.decisions.items()
    }
    merged_directory = {**protocol.directory, **(directory or {})}
    edited = dataclasses.replace(protocol, decisions=decisions, directory=merged_directory)
    # The text is written from the model; the model is kept as what the text loads to,
    # once the loader has read the changed decision back equal (no reload of the whole
    # text: see accord/core/recheck.py for why that is the same guarantee).
    check_decision_reads_back(
        edited, decision, filename=version.filename, previous=protocol.decisions[decision.id]
    )
    text = dump_protocol(edited)
    return _draft_text_save(
        actor=actor,
        version=version,
        yaml_text=text,
        loaded=edited,
        expected_lock_version=expected_lock_version,
        title=None,
        event=AuditEventType.PROTOCOL_DECISION_EDITED,
        detail={
            "decision": decision.id,
            "rules": len(decision.rules),
            "hit_policy": decision.hit_policy.value,
        },
    )


def _draft_text_save(
    *,
    actor: User,
    version: ProtocolVersion,
    yaml_text: str,
    expected_lock_version: int,
    title: str | None,
    event: AuditEventType,
    detail: Mapping[str, Any] | None = None,
    loaded: Protocol | None = None,
) -> ProtocolVersion:
    """The one write path of a draft's text (YAML editor, guided editor, DMN import).

    ``loaded``: the model ``yaml_text`` was written from by ``dump_protocol``, its changed
    part already read back by the loader (the guided editor); any other text is loaded.
    """
    _require_coordinator(actor, version.task_force_id)
    _require_status(version, ProtocolStatus.DRAFT, doing="edited")
    if loaded is None:
        loaded = load_checked(yaml_text, filename=version.filename)
    elif len(yaml_text.encode("utf-8", errors="replace")) > MAX_PROTOCOL_BYTES:
        raise LoadError(
            [
                LoadIssue(
                    version.filename, 1, 1, f"the file is larger than {MAX_PROTOCOL_BYTES} bytes"
                )
            ]
        )
    new_title = (title or version.title)[:200]
    with transaction.atomic():
        changed = ProtocolVersion.objects.filter(
            pk=version.pk, lock_version=expected_lock_version, status=ProtocolStatus.DRAFT
        ).update(
            yaml_text=yaml_text,
            title=new_title,
            lock_version=F("lock_version") + 1,
            updated_at=timezone.now(),
        )
        if not changed:
            raise ConflictError(
                gettext(
                    "Version %(number)s was changed by someone else since you opened it. "
                    "Your text was not saved: copy it, reload the page and apply your "
                    "change again."
                )
                % {"number": version.number},
                data={"field": "lock_version"},
            )
        version.refresh_from_db()
        remember_loaded(version.text_digest, version.filename, loaded)
        # Accepted-risk notes belong to findings of the old text; those that still
        # match a finding keep applying (keys are content-based).
        _audit(
            event=event,
            actor=actor,
            version=version,
            detail=detail,
            fields=("yaml_text", "title"),
        )
    return version


#: The sections the guided section forms edit (``Protocol`` field names).
EDITABLE_SECTIONS = frozenset(
    {"responsibilities", "deadlines", "sharing", "escalation", "training"}
)


def protocol_section_update(
    *,
    actor: User,
    version: ProtocolVersion,
    section: str,
    entries: tuple[Any, ...],
    expected_lock_version: int,
    directory: Mapping[str, DirectoryReference] | None = None,
    change: str = "",
) -> ProtocolVersion:
    """Replace one section of a draft (deadlines, sharing rules, escalation ladder, training
    requirements or responsibilities), edited in a guided section form.

    The same write path as the YAML editor: the draft's protocol with the new section is
    written back as YAML (``dump_protocol``) and saved with the same checks (coordinator,
    draft, loads, expected lock version); audited as a section edit naming the section, the
    change ("added", "edited", "removed", "moved") and the entry count.
    """
    _require_coordinator(actor, version.task_force_id)
    _require_status(version, ProtocolStatus.DRAFT, doing="edited")
    if section not in EDITABLE_SECTIONS:
        raise ValidationError(
            gettext("No such section of the protocol."), data={"field": "section"}
        )
    protocol = version.protocol
    changes: dict[str, Any] = {
        section: tuple(entries),
        "directory": {**protocol.directory, **(directory or {})},
    }
    text = dump_protocol(dataclasses.replace(protocol, **changes))
    return _draft_text_save(
        actor=actor,
        version=version,
        yaml_text=text,
        expected_lock_version=expected_lock_version,
        title=None,
        event=AuditEventType.PROTOCOL_SECTION_EDITED,
        detail={"section": section, "change": change, "entries": len(entries)},
    )


def protocol_dmn_import(
    *, actor: User, version: ProtocolVersion, dmn_text: str, decision_id: str
) -> ProtocolVersion:
    """Replace (or add) one decision table of a draft with the table of a DMN file."""
    from .dmn_import import merge_dmn_decision

    _require_coordinator(actor, version.task_force_id)
    _require_status(version, ProtocolStatus.DRAFT, doing="edited")
    if len(dmn_text.encode("utf-8", errors="replace")) > MAX_PROTOCOL_BYTES:
        raise ValidationError(gettext("The DMN file is too large."), data={"field": "dmn_file"})
    new_text = merge_dmn_decision(
        protocol=version.protocol, dmn_text=dmn_text, decision_id=decision_id
    )
    return protocol_version_update(
        actor=actor,
        version=version,
        yaml_text=new_text,
        expected_lock_version=version.lock_version,
    )


def protocol_version_withdraw(*, actor: User, version: ProtocolVersion) -> ProtocolVersion:
    """Take a draft or circulated version off the table (kept, readable, never in force)."""
    _require_coordinator(actor, version.task_force_id)
    _require_status(version, ProtocolStatus.DRAFT, ProtocolStatus.CIRCULATED, doing="withdrawn")
    with transaction.atomic():
        version.status = ProtocolStatus.WITHDRAWN
        version.save(update_fields=["status", "updated_at"])
        _audit(event=AuditEventType.PROTOCOL_WITHDRAWN, actor=actor, version=version)
    return version


# -- verification and circulation -------------------------------------------------------


def finding_accept_risk(
    *, actor: User, version: ProtocolVersion, finding_key: str, note: str
) -> AcceptedRisk:
    """Record why the task force accepts one verification error (needed to circulate)."""
    _require_coordinator(actor, version.task_force_id)
    _require_status(version, ProtocolStatus.DRAFT, doing="annotated with accepted risks")
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            gettext("Say why this finding is accepted: the note is what signatories read."),
            data={"field": "note"},
        )
    report = version_report(version=version)
    item = next((item for item in report.items if item.key == finding_key), None)
    if item is None:
        raise ValidationError(
            gettext("That finding is not in the current report (the text changed?)."),
            data={"field": "finding_key"},
        )
    if not item.waivable:
        raise ValidationError(
            item.not_waivable_because,
            code="finding_not_waivable",
            data={"field": "finding_key"},
        )
    with transaction.atomic():
        risk, _ = AcceptedRisk.objects.update_or_create(
            version=version,
            finding_key=finding_key,
            defaults={"note": note[:4000], "by": actor, "at": timezone.now()},
        )
        _audit(
            event=AuditEventType.PROTOCOL_RISK_ACCEPTED,
            actor=actor,
            version=version,
            detail={"finding_key": finding_key},
            fields=("note",),
        )
    return risk


def protocol_version_circulate(*, actor: User, version: ProtocolVersion) -> ProtocolVersion:
    """Send a draft to every member agency's signatory. Unresolved errors block it."""
    _require_coordinator(actor, version.task_force_id)
    _require_status(version, ProtocolStatus.DRAFT, doing="circulated")
    report = version_report(version=version)
    if not report.complete:
        raise ValidationError(
            gettext(
                "Verification did not finish in time, so the version cannot be shown to be sound."
            ),
            code="verification_incomplete",
        )
    unresolved = report.unresolved
    if unresolved:
        raise ValidationError(
            ngettext(
                "%(count)s verification error without an accepted-risk note: "
                "fix the protocol or record a note for each.",
                "%(count)s verification errors without an accepted-risk note: "
                "fix the protocol or record a note for each.",
                len(unresolved),
            )
            % {"count": len(unresolved)},
            code="unresolved_findings",
            data={"field": "findings", "keys": [item.key for item in unresolved]},
        )
    with transaction.atomic():
        updated = ProtocolVersion.objects.filter(
            pk=version.pk, status=ProtocolStatus.DRAFT, lock_version=version.lock_version
        ).update(
            status=ProtocolStatus.CIRCULATED,
            circulated_at=timezone.now(),
            lock_version=F("lock_version") + 1,
            updated_at=timezone.now(),
        )
        if not updated:
            raise ConflictError(
                gettext(
                    "The draft changed since the report was computed; review it again before circulating."
                )
            )
        version.refresh_from_db()
        _audit(
            event=AuditEventType.PROTOCOL_CIRCULATED,
            actor=actor,
            version=version,
            detail={"accepted_risks": len([i for i in report.items if i.accepted_note])},
        )
        version_circulated.send(sender=ProtocolVersion, version=version, actor=actor)
    return version


# -- sign-off ---------------------------------------------------------------------------


def sign_off_record(
    *, actor: User, version: ProtocolVersion, approve: bool, comment: str = ""
) -> SignOff:
    """The actor's agency approves or objects; changeable until the version is in force."""
    if actor.task_force_id != version.task_force_id:
        raise NotFound(gettext("No such protocol version."))
    if not actor.has_role(Role.SIGNATORY):
        raise PermissionDenied(
            gettext("Only an agency's signatory may sign off a protocol version.")
        )
    agency: Agency | None = actor.agency
    if agency is None or not agency.is_active:
        raise PermissionDenied(gettext("Your agency is not an active member of the task force."))
    _require_status(version, ProtocolStatus.CIRCULATED, doing="signed off")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError(
            gettext("Say what your agency objects to, so the coordinator can address it."),
            data={"field": "comment"},
        )
    decision = SignOffDecision.APPROVE if approve else SignOffDecision.OBJECT
    with transaction.atomic():
        previous = SignOff.objects.filter(version=version, agency=agency).first()
        sign_off, _ = SignOff.objects.update_or_create(
            version=version,
            agency=agency,
            defaults={
                "signatory": actor,
                "decision": decision,
                "comment": comment[:4000],
                "decided_at": timezone.now(),
            },
        )
        _audit(
            event=AuditEventType.PROTOCOL_SIGNED_OFF,
            actor=actor,
            version=version,
            detail={
                "agency": agency.slug,
                "decision": str(decision),
                "previous": previous.decision if previous else None,
            },
            fields=("decision", "comment"),
        )
    return sign_off


def protocol_version_bring_into_force(
    *, actor: User, version: ProtocolVersion, effective_date: datetime.date | None = None
) -> ProtocolVersion:
    """Make a fully approved version the one in force; the previous one is superseded.

    Kept simple on purpose: the effective date is today (the default). A later
    date is refused rather than scheduled, so no background job has to flip
    versions at midnight; bring the version into force on the day instead.
    """
    from .selectors import sign_off_status

    _require_coordinator(actor, version.task_force_id)
    today = timezone.localdate()
    effective_date = effective_date or today
    if effective_date != today:
        raise ValidationError(
            gettext(
                "The effective date must be today: bring the version into force on the day "
                "it takes effect (scheduling a later date is not supported)."
            ),
            data={"field": "effective_date"},
        )
    with transaction.atomic():
        locked = ProtocolVersion.objects.select_for_update().get(pk=version.pk)
        _require_status(locked, ProtocolStatus.CIRCULATED, doing="brought into force")
        status = sign_off_status(version=locked)
        if not status.all_approved:
            missing = ", ".join(row.agency.name for row in status.rows if not row.approved)
            raise ValidationError(
                gettext("Every member agency must approve first; still waiting for: %(missing)s.")
                % {"missing": missing},
                code="not_approved",
                data={"field": "sign_offs"},
            )
        previous = protocol_in_force(task_force=locked.task_force)
        if previous is not None:
            previous.status = ProtocolStatus.SUPERSEDED
            previous.save(update_fields=["status", "updated_at"])
        locked.status = ProtocolStatus.IN_FORCE
        locked.effective_date = effective_date
        locked.in_force_at = timezone.now()
        locked.save(update_fields=["status", "effective_date", "in_force_at", "updated_at"])
        _audit(
            event=AuditEventType.PROTOCOL_BROUGHT_INTO_FORCE,
            actor=actor,
            version=locked,
            detail={
                "effective_date": effective_date.isoformat(),
                "superseded": previous.number if previous else None,
            },
        )
    return locked


# -- drills -----------------------------------------------------------------------------


def _clean_facts(facts: Any) -> dict[str, Any]:
    if not isinstance(facts, Mapping):
        raise ValidationError(
            gettext("Facts must be a mapping of factor to value."), data={"field": "facts"}
        )
    clean: dict[str, Any] = {}
    for key, value in facts.items():
        if not isinstance(key, str) or not key:
            raise ValidationError(
                gettext("Every fact needs a factor name."), data={"field": "facts"}
            )
        if not (value is None or isinstance(value, str | int | float | bool)):
            raise ValidationError(
                gettext("The fact %(key)s must be a single value.") % {"key": key},
                data={"field": "facts"},
            )
        clean[key] = value
    return clean


def drill_scenario_save(
    *,
    actor: User,
    task_force: TaskForce,
    name: str,
    facts: Mapping[str, Any],
    notes: str = "",
    scenario: DrillScenario | None = None,
) -> DrillScenario:
    """Create or change a tabletop drill scenario."""
    _require_coordinator(actor, task_force)
    name = (name or "").strip()
    if not name:
        raise ValidationError(gettext("Give the scenario a name."), data={"field": "name"})
    clean = _clean_facts(facts)
    duplicate = DrillScenario.objects.filter(task_force=task_force, name=name)
    if scenario is not None:
        if scenario.task_force_id != task_force.pk:
            raise NotFound(gettext("No such scenario."))
        duplicate = duplicate.exclude(pk=scenario.pk)
    if duplicate.exists():
        raise ValidationError(gettext("A scenario with this name exists."), data={"field": "name"})
    with transaction.atomic():
        if scenario is None:
            scenario = DrillScenario.objects.create(
                task_force=task_force, name=name[:200], facts=clean, notes=notes
            )
        else:
            scenario.name, scenario.facts, scenario.notes = name[:200], clean, notes
            scenario.save()
        audit_record(
            event=AuditEventType.DRILL_SCENARIO_CHANGED,
            actor=actor,
            object_type="drill_scenario",
            object_id=scenario.pk,
            fields=("name", "facts", "notes"),
            task_force_id=task_force.pk,
        )
    return scenario


def drill_scenario_delete(*, actor: User, scenario: DrillScenario) -> None:
    _require_coordinator(actor, scenario.task_force_id)
    with transaction.atomic():
        pk = scenario.pk
        scenario.delete()
        audit_record(
            event=AuditEventType.DRILL_SCENARIO_CHANGED,
            actor=actor,
            object_type="drill_scenario",
            object_id=pk,
            detail={"deleted": True},
            task_force_id=scenario.task_force_id,
        )
