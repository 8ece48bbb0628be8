"""The words a person reads for every machine identifier: one table per kind, written once.

Codes stay codes in the database, the audit trail and the API; pages show these labels.
``label(value)`` looks a code up in every table (falling back to the code with its
underscores and hyphens turned into spaces), ``reason_sentence`` says why a field is not
shared, and ``ProtocolWords`` names the ids of one protocol version (factors, outputs,
values, directory entries, agencies and committees of its task force).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from accord.audit.events import AuditEventType, Outcome

#: Sectors of member agencies (``accord.core.model.Sector``).
SECTORS: Mapping[str, str] = {
    "law_enforcement_local": "Local law enforcement",
    "law_enforcement_state": "State law enforcement",
    "law_enforcement_federal": "Federal law enforcement",
    "prosecution": "Prosecution",
    "victim_services": "Victim services",
    "legal_services": "Legal services",
    "child_protection": "Child protection",
    "health": "Health",
    "interpreter": "Interpreters",
    "other": "Other",
}

#: Data protection classes (``accord.core.model.FieldClass``).
FIELD_CLASSES: Mapping[str, str] = {
    "case-basic": "basic case facts",
    "le-sensitive": "law enforcement sensitive information",
    "vsp-confidential": "victim service provider confidential information",
    "immigration-1367": "immigration relief records (8 U.S.C. 1367)",
    "never-shared": "grand jury, tax and wiretap material (never shared)",
    "vsp-privileged": "privileged counseling and case-management notes",
}

#: Who a sharing rule shares with (``accord.core.model.Audience``).
AUDIENCES: Mapping[str, str] = {
    "serving_provider": "the serving provider only",
    "victim_services_committee": "the whole victim services committee",
    "case_members": "every agency working the case",
}

#: Why a field is not shown (``accord.sharing.policy.Reason``): a sentence each.
REASONS: Mapping[str, str] = {
    "other_task_force": "the case belongs to another task force",
    "no_case_role": "none of your roles works cases",
    "not_on_case": "your agency is not on this case",
    "class_never_shared": "this kind of record never leaves law enforcement and prosecution",
    "no_sharing_rule": "no sharing rule of the protocol gives this to your agency's sector",
    "stage": "the protocol shares this only at another stage of the case",
    "no_consent": "no release names your agency for this",
    "consent_not_started": "the victim's release has not started yet",
    "consent_expired": "the victim's release has expired",
    "consent_revoked": "the victim revoked the release",
    "consent_wrong_recipient": "the victim's release names another agency",
    "consent_category": "the victim's release does not cover this kind of information",
    "consent_guardian_missing": "a minor's release needs a parent or guardian too",
    "not_immigration_authorized": (
        "only people authorized for immigration relief records (8 U.S.C. 1367) may see this"
    ),
    "cji_personnel_gate": (
        "criminal justice information needs current CJIS training and a background check"
    ),
    "privileged": "privileged notes stay with the provider that wrote them",
    "unknown_class": "this field has no protection class, so it is refused",
    "unknown_action": "this action is unknown, so it is refused",
}

#: What happened, for every audit event type (a test fails when one lacks a label).
EVENTS: Mapping[str, str] = {
    "banner_acknowledged": "Notice acknowledged",
    "login_succeeded": "Signed in",
    "login_failed": "Sign-in failed",
    "mfa_succeeded": "Second factor accepted",
    "mfa_failed": "Second factor refused",
    "mfa_device_enrolled": "Authenticator set up",
    "account_locked": "Account locked",
    "account_unlocked": "Account unlocked",
    "logout": "Signed out",
    "session_expired": "Session expired",
    "session_revoked": "Session ended by hand",
    "reauthenticated": "Password confirmed again",
    "password_changed": "Password changed",
    "password_reset_requested": "Password reset asked for",
    "password_reset_completed": "Password reset done",
    "mfa_device_reset": "Authenticator reset",
    "access_denied": "Access refused",
    "user_created": "Person added",
    "user_updated": "Person changed",
    "user_disabled": "Person disabled",
    "user_enabled": "Person enabled again",
    "role_granted": "Role given",
    "role_revoked": "Role taken away",
    "agency_changed": "Agency changed",
    "committee_changed": "Committee changed",
    "task_force_time_zone_changed": "Task force time zone changed",
    "record_created": "Record created",
    "record_updated": "Record changed",
    "record_deleted": "Record deleted",
    "record_read": "Record read",
    "case_field_released": "Case details shown",
    "immigration_record_disclosed": "Immigration relief record shown",
    "exported": "Exported",
    "printed": "Printed",
    "protocol_changed": "Protocol draft changed",
    "protocol_signed_off": "Protocol signed off",
    "protocol_version_created": "Protocol version created",
    "protocol_circulated": "Protocol sent for sign-off",
    "protocol_brought_into_force": "Protocol brought into force",
    "protocol_withdrawn": "Protocol version withdrawn",
    "protocol_risk_accepted": "Protocol risk accepted",
    "drill_scenario_changed": "Drill scenario changed",
    "sharing_rules_changed": "Sharing rules changed",
    "consent_changed": "Release changed",
    "immigration_relief_recorded": "Immigration relief recorded",
    "immigration_relief_changed": "Immigration relief changed",
    "immigration_authorization_granted": "Immigration records access given",
    "immigration_authorization_revoked": "Immigration records access taken away",
    "certifying_official_designated": "Certifying official named",
    "certifying_official_undesignated": "Certifying official removed",
    "advocate_note_added": "Advocate note added",
    "directory_changed": "Directory changed",
    "directory_imported": "Directory imported",
    "directory_entry_verified": "Directory entry checked",
    "directory_capacity_updated": "Beds or capacity updated",
    "directory_location_disclosed": "Confidential address shared",
    "directory_location_disclosure_withdrawn": "Confidential address sharing withdrawn",
    "case_opened": "Case opened",
    "case_facts_changed": "Case facts changed",
    "plan_generated": "Response plan made",
    "victim_added": "Potential victim added",
    "victim_updated": "Potential victim changed",
    "victim_removed": "Potential victim removed",
    "notifications_marked_read": "Notifications marked read",
    "directory_address_disclosed": "Address shown",
    "placement_recorded": "Placement recorded",
    "placement_override_recorded": "Placement outside eligibility recorded",
    "placement_ended": "Placement ended",
    "charging_decision_recorded": "Charging decision recorded",
    "remedy_task_created": "Dismissal or vacatur task created",
    "interpreter_requested": "Interpreter requested",
    "interpreter_booked": "Interpreter booked",
    "interpreter_attestation_confirmed": "Interpreter attestation confirmed",
    "disagreement_raised": "Disagreement raised",
    "disagreement_escalated": "Disagreement escalated",
    "disagreement_overdue_at_last_level": "Disagreement overdue at the last level",
    "disagreement_decided": "Disagreement decided",
    "disagreement_withdrawn": "Disagreement withdrawn",
    "disagreement_amendment_linked": "Protocol amendment linked to a disagreement",
    "training_catalog_changed": "Training catalog changed",
    "training_material_uploaded": "Training material uploaded",
    "training_material_downloaded": "Training material downloaded",
    "training_session_changed": "Training session changed",
    "training_attendance_recorded": "Training attendance recorded",
    "training_certificate_issued": "Training certificate issued",
    "training_expiry_notified": "Training expiry notice sent",
    "case_participant_added": "Agency added to a case",
    "case_participant_removed": "Agency removed from a case",
    "case_lead_handed_off": "Case lead handed off",
    "case_stage_changed": "Case stage changed",
    "case_prosecution_office_chosen": "Prosecuting office chosen",
    "task_reassigned": "Task reassigned",
    "audit_log_read": "Audit trail read",
    "audit_verified": "Audit trail checked",
    "audit_purged": "Old audit events removed",
    "audit_checkpoint_written": "Audit checkpoint written",
    "keys_rotated": "Encryption keys rotated",
}

OUTCOMES: Mapping[str, str] = {"success": "done", "denied": "refused", "failure": "failed"}

#: Ids a protocol uses for people and outcomes that read badly when only de-underscored.
PROTOCOL_VALUES: Mapping[str, str] = {
    "federal_case_agent": "the federal case agent",
    "investigating_officer": "the investigating officer",
    "certifying_official": "the certifying official",
    "investigating_agency": "the investigating agency",
    "serving_provider": "the serving provider",
    "prosecuting_office": "the prosecuting office",
    "requesting_agency": "the requesting agency",
    "continued_presence": "Continued Presence",
    "t_visa_declaration": "T visa declaration (Form I-914 Supplement B)",
    "u_visa_certification": "U visa certification (Form I-918 Supplement B)",
    "us_citizen": "U.S. citizen",
    "permanent_resident": "permanent resident",
    "foreign_national": "foreign national",
    "within_24h": "within 24 hours",
    "within_72h": "within 72 hours",
    "dismiss_and_vacate": "dismiss and vacate",
    "not_while_screened": "not while being screened",
    "multi_state": "several states",
    "cji_access": "access to criminal justice information",
    "party_leads": "the parties' agency leads",
}

#: Model names in audit field paths (``potentialvictim.legal_name``).
MODELS: Mapping[str, str] = {
    "potentialvictim": "potential victim",
    "interpreterrequest": "interpreter request",
    "immigrationrelief": "immigration relief",
    "chargingrecord": "charging record",
    "safetyassessment": "safety assessment",
    "advocatenote": "advocate note",
    "investigativenote": "investigative note",
    "sensitivematerial": "sensitive material",
    "responseplan": "response plan",
    "caseparticipant": "case team",
    "aggregate": "counts",
}

#: Case record fields whose names read badly when only de-underscored.
FIELDS: Mapping[str, str] = {
    "age_low": "youngest likely age",
    "age_high": "oldest likely age",
    "dob": "date of birth",
}

_TABLES: tuple[Mapping[str, str], ...] = (
    FIELDS,
    OUTCOMES,
    SECTORS,
    FIELD_CLASSES,
    EVENTS,
    PROTOCOL_VALUES,
)


def humanize(code: str) -> str:
    """A code with its separators as spaces: the last resort when no table has it."""
    return re.sub(r"[_-]+", " ", code).strip()


def label(value: Any) -> str:
    """The words for one code, boolean or empty value, from the tables above."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    for table in _TABLES:
        if text in table:
            return table[text]
    from accord.accounts.models import Role
    from accord.cases.models import JoinedVia, ParticipantPart

    for choices in (Role, ParticipantPart, JoinedVia):
        if text in choices.values:
            return str(choices(text).label)
    if re.fullmatch(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+", text):  # a field path: case.facts.stage
        parts = [MODELS.get(part, part) for part in text.split(".") if part != "facts"]
        return " ".join(label(part) for part in parts)
    return humanize(text) if re.fullmatch(r"[a-z0-9]+(?:[_-][a-z0-9]+)+", text) else text


def reason_sentence(reason: Any) -> str:
    """ "Not shared: no release names your agency for this." for a withheld field's code."""
    text = REASONS.get(str(reason), humanize(str(reason)))
    return f"Not shared: {text}."


def event_label(event: Any) -> str:
    return EVENTS.get(str(event), humanize(str(event)).capitalize())


def event_choices() -> list[tuple[str, str]]:
    """Every audit event type with its label, alphabetical by label."""
    return sorted(((e.value, event_label(e)) for e in AuditEventType), key=lambda c: c[1])


def outcome_choices() -> list[tuple[str, str]]:
    return [(o.value, OUTCOMES.get(o.value, o.value).capitalize()) for o in Outcome]


BOOLEAN_WORDS: Mapping[str, str] = {"true": "yes", "false": "no"}
_ID = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*")


@dataclass
class ProtocolWords:
    """The labels of one protocol version and its task force's names, for plans and pages.

    ``names`` maps directory, agency and committee slugs to their names; factor and output
    ids use their labels in the protocol; any other id falls back to ``label``.
    """

    protocol: Any = None
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_task_force(cls, task_force_id: int | None, protocol: Any = None) -> ProtocolWords:
        from accord.accounts.models import Agency, Committee
        from accord.directory.models import Organization, Service

        names: dict[str, str] = {}
        if protocol is not None:
            names.update({ref_id: ref.name for ref_id, ref in protocol.directory.items()})
            names.update({t.id: t.course for t in protocol.training if t.course})
            names.update(protocol.committees)
        if task_force_id is not None:
            for model in (Organization, Service, Agency, Committee):
                names.update(
                    model.objects.filter(task_force_id=task_force_id).values_list("slug", "name")
                )
        return cls(protocol=protocol, names=names)

    def factor(self, factor_id: str) -> str:
        factors = getattr(self.protocol, "factors", {})
        if factor_id in factors and factors[factor_id].label:
            return str(factors[factor_id].label)
        return label(factor_id)

    def output(self, decision_id: str, name: str) -> str:
        decisions = getattr(self.protocol, "decisions", {})
        if decision_id in decisions:
            for output in decisions[decision_id].outputs:
                if output.name == name and output.label:
                    return str(output.label)
        return label(name).capitalize()

    def value(self, value: Any, *, key: str = "") -> str:
        if key == "audience" and str(value) in AUDIENCES:
            return AUDIENCES[str(value)]
        if isinstance(value, Mapping):
            return ", ".join(f"{label(k)}: {self.value(v, key=k)}" for k, v in value.items())
        if isinstance(value, list | tuple):
            return ", ".join(self.value(item, key=key) for item in value)
        if isinstance(value, str) and value in self.names:
            return self.names[value]
        return label(value) if value is not None else "none"

    def row(self, decision_id: str, row: Mapping[str, Any]) -> list[tuple[str, str]]:
        """One answer row as (label, value) pairs, empty values left out."""
        return [
            (self.output(decision_id, key), self.value(value, key=key))
            for key, value in row.items()
            if value is not None
        ]

    def sentence(self, text: str) -> str:
        """A sentence the protocol core wrote with ids, with each id replaced by its words."""

        def word(match: re.Match[str]) -> str:
            found = match.group()
            factors = getattr(self.protocol, "factors", {})
            if found in factors:
                return self.factor(found)
            if found in self.names:
                return self.names[found]
            if found in BOOLEAN_WORDS:
                return BOOLEAN_WORDS[found]
            if "_" in found or "-" in found:
                return label(found)
            return found

        return _ID.sub(word, text)

    def words(self, ids: Iterable[str]) -> list[str]:
        return [self.value(i) for i in ids]

    def answer(self, answer: Mapping[str, Any]) -> dict[str, Any]:
        """A stored plan answer with its rows as (label, value) pairs and its explanation
        and missing facts in words (the stored snapshot keeps the ids)."""
        decision_id = str(answer.get("decision", ""))
        return {
            **answer,
            "pairs": [self.row(decision_id, row) for row in answer.get("rows") or []],
            "explanation": self.sentence(str(answer.get("explanation") or "")),
            "how": [self.sentence(str(how)) for how in answer.get("how") or []],
            "needs_labels": [self.factor(n) for n in answer.get("needs") or []],
        }
