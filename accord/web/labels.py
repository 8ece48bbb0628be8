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

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from accord.audit.events import AuditEventType, Outcome

#: Sectors of member agencies (``accord.core.model.Sector``).
SECTORS: Mapping[str, StrPromise] = {
    "law_enforcement_local": _("Local law enforcement"),
    "law_enforcement_state": _("State law enforcement"),
    "law_enforcement_federal": _("Federal law enforcement"),
    "prosecution": _("Prosecution"),
    "victim_services": _("Victim services"),
    "legal_services": _("Legal services"),
    "child_protection": _("Child protection"),
    "health": _("Health"),
    "interpreter": _("Interpreters"),
    "other": _("Other"),
}

#: Data protection classes (``accord.core.model.FieldClass``).
FIELD_CLASSES: Mapping[str, StrPromise] = {
    "case-basic": _("basic case facts"),
    "le-sensitive": _("law enforcement sensitive information"),
    "vsp-confidential": _("victim service provider confidential information"),
    "immigration-1367": _("immigration relief records (8 U.S.C. 1367)"),
    "never-shared": _("grand jury, tax and wiretap material (never shared)"),
    "vsp-privileged": _("privileged counseling and case-management notes"),
}

#: Who a sharing rule shares with (``accord.core.model.Audience``).
AUDIENCES: Mapping[str, StrPromise] = {
    "serving_provider": _("the serving provider only"),
    "victim_services_committee": _("the whole victim services committee"),
    "case_members": _("every agency working the case"),
}

#: Why a field is not shown (``accord.sharing.policy.Reason``): a sentence each.
REASONS: Mapping[str, StrPromise] = {
    "other_task_force": _("the case belongs to another task force"),
    "no_case_role": _("none of your roles works cases"),
    "not_on_case": _("your agency is not on this case"),
    "class_never_shared": _("this kind of record never leaves law enforcement and prosecution"),
    "no_sharing_rule": _("no sharing rule of the protocol gives this to your agency's sector"),
    "stage": _("the protocol shares this only at another stage of the case"),
    "no_consent": _("no release names your agency for this"),
    "consent_not_started": _("the victim's release has not started yet"),
    "consent_expired": _("the victim's release has expired"),
    "consent_revoked": _("the victim revoked the release"),
    "consent_wrong_recipient": _("the victim's release names another agency"),
    "consent_category": _("the victim's release does not cover this kind of information"),
    "consent_guardian_missing": _("a minor's release needs a parent or guardian too"),
    "not_immigration_authorized": _(
        "only people authorized for immigration relief records (8 U.S.C. 1367) may see this"
    ),
    "cji_personnel_gate": _(
        "criminal justice information needs current CJIS training and a background check"
    ),
    "privileged": _("privileged notes stay with the provider that wrote them"),
    "unknown_class": _("this field has no protection class, so it is refused"),
    "unknown_action": _("this action is unknown, so it is refused"),
}

#: What happened, for every audit event type (a test fails when one lacks a label).
EVENTS: Mapping[str, StrPromise] = {
    "banner_acknowledged": _("Notice acknowledged"),
    "login_succeeded": _("Signed in"),
    "login_failed": _("Sign-in failed"),
    "mfa_succeeded": _("Second factor accepted"),
    "mfa_failed": _("Second factor refused"),
    "mfa_device_enrolled": _("Authenticator set up"),
    "account_locked": _("Account locked"),
    "account_unlocked": _("Account unlocked"),
    "logout": _("Signed out"),
    "session_expired": _("Session expired"),
    "session_revoked": _("Session ended by hand"),
    "reauthenticated": _("Password confirmed again"),
    "password_changed": _("Password changed"),
    "password_reset_requested": _("Password reset asked for"),
    "password_reset_completed": _("Password reset done"),
    "mfa_device_reset": _("Authenticator reset"),
    "access_denied": _("Access refused"),
    "user_created": _("Person added"),
    "user_updated": _("Person changed"),
    "user_disabled": _("Person disabled"),
    "user_enabled": _("Person enabled again"),
    "role_granted": _("Role given"),
    "role_revoked": _("Role taken away"),
    "agency_changed": _("Agency changed"),
    "committee_changed": _("Committee changed"),
    "record_created": _("Record created"),
    "record_updated": _("Record changed"),
    "record_deleted": _("Record deleted"),
    "record_read": _("Record read"),
    "case_field_released": _("Case details shown"),
    "immigration_record_disclosed": _("Immigration relief record shown"),
    "exported": _("Exported"),
    "printed": _("Printed"),
    "protocol_changed": _("Protocol draft changed"),
    "protocol_signed_off": _("Protocol signed off"),
    "protocol_version_created": _("Protocol version created"),
    "protocol_circulated": _("Protocol sent for sign-off"),
    "protocol_brought_into_force": _("Protocol brought into force"),
    "protocol_withdrawn": _("Protocol version withdrawn"),
    "protocol_risk_accepted": _("Protocol risk accepted"),
    "protocol_decision_edited": _("Protocol decision edited in the guided editor"),
    "protocol_section_edited": _("Protocol section edited in the guided editor"),
    "drill_scenario_changed": _("Drill scenario changed"),
    "sharing_rules_changed": _("Sharing rules changed"),
    "consent_changed": _("Release changed"),
    "immigration_relief_recorded": _("Immigration relief recorded"),
    "immigration_relief_changed": _("Immigration relief changed"),
    "immigration_authorization_granted": _("Immigration records access given"),
    "immigration_authorization_revoked": _("Immigration records access taken away"),
    "certifying_official_designated": _("Certifying official named"),
    "certifying_official_undesignated": _("Certifying official removed"),
    "advocate_note_added": _("Advocate note added"),
    "directory_changed": _("Directory changed"),
    "directory_imported": _("Directory imported"),
    "directory_entry_verified": _("Directory entry checked"),
    "directory_capacity_updated": _("Beds or capacity updated"),
    "directory_location_disclosed": _("Confidential address shared"),
    "directory_location_disclosure_withdrawn": _("Confidential address sharing withdrawn"),
    "case_opened": _("Case opened"),
    "case_facts_changed": _("Case facts changed"),
    "plan_generated": _("Response plan made"),
    "victim_added": _("Potential victim added"),
    "victim_updated": _("Potential victim changed"),
    "victim_removed": _("Potential victim removed"),
    "notifications_marked_read": _("Notifications marked read"),
    "directory_address_disclosed": _("Address shown"),
    "placement_recorded": _("Placement recorded"),
    "placement_override_recorded": _("Placement outside eligibility recorded"),
    "placement_ended": _("Placement ended"),
    "charging_decision_recorded": _("Charging decision recorded"),
    "remedy_task_created": _("Dismissal or vacatur task created"),
    "interpreter_requested": _("Interpreter requested"),
    "interpreter_booked": _("Interpreter booked"),
    "interpreter_attestation_confirmed": _("Interpreter attestation confirmed"),
    "disagreement_raised": _("Disagreement raised"),
    "disagreement_escalated": _("Disagreement escalated"),
    "disagreement_overdue_at_last_level": _("Disagreement overdue at the last level"),
    "disagreement_decided": _("Disagreement decided"),
    "disagreement_withdrawn": _("Disagreement withdrawn"),
    "disagreement_amendment_linked": _("Protocol amendment linked to a disagreement"),
    "training_catalog_changed": _("Training catalog changed"),
    "training_material_uploaded": _("Training material uploaded"),
    "training_material_downloaded": _("Training material downloaded"),
    "training_session_changed": _("Training session changed"),
    "training_attendance_recorded": _("Training attendance recorded"),
    "training_certificate_issued": _("Training certificate issued"),
    "training_expiry_notified": _("Training expiry notice sent"),
    "case_participant_added": _("Agency added to a case"),
    "case_participant_removed": _("Agency removed from a case"),
    "case_lead_handed_off": _("Case lead handed off"),
    "case_stage_changed": _("Case stage changed"),
    "case_prosecution_office_chosen": _("Prosecuting office chosen"),
    "task_reassigned": _("Task reassigned"),
    "audit_log_read": _("Audit trail read"),
    "audit_verified": _("Audit trail checked"),
    "audit_purged": _("Old audit events removed"),
    "audit_checkpoint_written": _("Audit checkpoint written"),
    "audit_chain_started": _("Audit trail started for a task force"),
    "audit_batch_sealed": _("Record reads sealed into the audit trail"),
    "keys_rotated": _("Encryption keys rotated"),
    "consent_text_added": _("Release wording added"),
    "task_force_time_zone_changed": _("Task force time zone changed"),
    "periodic_job_failed": _("Background duty failed"),
    "email_given_up": _("E-mail given up after repeated failures"),
    "email_test_sent": _("Test e-mail sent"),
    "email_retry_requested": _("Given-up e-mail sent again"),
}

OUTCOMES: Mapping[str, StrPromise] = {
    "success": _("done"),
    "denied": _("refused"),
    "failure": _("failed"),
}

#: Ids a protocol uses for people and outcomes that read badly when only de-underscored.
PROTOCOL_VALUES: Mapping[str, StrPromise] = {
    "federal_case_agent": _("the federal case agent"),
    "investigating_officer": _("the investigating officer"),
    "certifying_official": _("the certifying official"),
    "investigating_agency": _("the investigating agency"),
    "serving_provider": _("the serving provider"),
    "prosecuting_office": _("the prosecuting office"),
    "requesting_agency": _("the requesting agency"),
    "continued_presence": _("Continued Presence"),
    "t_visa_declaration": _("T visa declaration (Form I-914 Supplement B)"),
    "u_visa_certification": _("U visa certification (Form I-918 Supplement B)"),
    "us_citizen": _("U.S. citizen"),
    "permanent_resident": _("permanent resident"),
    "foreign_national": _("foreign national"),
    "within_24h": _("within 24 hours"),
    "within_72h": _("within 72 hours"),
    "dismiss_and_vacate": _("dismiss and vacate"),
    "not_while_screened": _("not while being screened"),
    "multi_state": _("several states"),
    "cji_access": _("access to criminal justice information"),
    "party_leads": _("the parties' agency leads"),
}

#: Model names in audit field paths (``potentialvictim.legal_name``).
MODELS: Mapping[str, StrPromise] = {
    "potentialvictim": _("potential victim"),
    "interpreterrequest": _("interpreter request"),
    "immigrationrelief": _("immigration relief"),
    "chargingrecord": _("charging record"),
    "safetyassessment": _("safety assessment"),
    "advocatenote": _("advocate note"),
    "investigativenote": _("investigative note"),
    "sensitivematerial": _("sensitive material"),
    "responseplan": _("response plan"),
    "caseparticipant": _("case team"),
    "aggregate": _("counts"),
}

#: Case record fields whose names read badly when only de-underscored.
FIELDS: Mapping[str, StrPromise] = {
    "age_low": _("youngest likely age"),
    "age_high": _("oldest likely age"),
    "dob": _("date of birth"),
}

#: Kinds of verification report items (``accord.protocols.verification.ReportItem.kind``).
FINDING_KINDS: Mapping[str, StrPromise] = {
    "gap": _("gap"),
    "overlap": _("overlap"),
    "shadowed": _("never applies"),
    "subsumed": _("redundant"),
    "unused-value": _("unused value"),
    "unknown-reference": _("unknown name"),
    "deadline-owner": _("duty without an owner"),
    "directory-unknown_id": _("not in the directory"),
    "directory-inactive": _("inactive in the directory"),
    "directory-no_24_7_contact": _("no 24/7 contact"),
    "directory-language_not_served": _("language not served"),
    "directory-jurisdiction_not_covered": _("area not covered"),
    "directory-eligibility_mismatch": _("not eligible"),
    "law-minor-to-adult-service": _("minor to an adult service"),
    "law-continued-presence-not-federal": _("Continued Presence not federal"),
}

_TABLES: tuple[Mapping[str, StrPromise], ...] = (
    FINDING_KINDS,
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
        return gettext("yes") if value else gettext("no")
    text = str(value)
    for table in _TABLES:
        if text in table:
            return str(table[text])
    from accord.accounts.models import Role
    from accord.cases.models import JoinedVia, ParticipantPart

    for choices in (Role, ParticipantPart, JoinedVia):
        if text in choices.values:
            return str(choices(text).label)
    if re.fullmatch(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+", text):  # a field path: case.facts.stage
        parts = [str(MODELS.get(part, part)) for part in text.split(".") if part != "facts"]
        return " ".join(label(part) for part in parts)
    return humanize(text) if re.fullmatch(r"[a-z0-9]+(?:[_-][a-z0-9]+)+", text) else text


def reason_sentence(reason: Any) -> str:
    """ "Not shared: no release names your agency for this." for a withheld field's code."""
    text = str(REASONS.get(str(reason), humanize(str(reason))))
    return gettext("Not shared: %(reason)s.") % {"reason": text}


def event_label(event: Any) -> str:
    return str(EVENTS.get(str(event), humanize(str(event)).capitalize()))


def event_choices() -> list[tuple[str, str]]:
    """Every audit event type with its label, alphabetical by label."""
    return sorted(((e.value, event_label(e)) for e in AuditEventType), key=lambda c: c[1])


def outcome_choices() -> list[tuple[str, str]]:
    return [(o.value, str(OUTCOMES.get(o.value, o.value)).capitalize()) for o in Outcome]


BOOLEAN_WORDS: Mapping[str, StrPromise] = {"true": _("yes"), "false": _("no")}
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
            return str(AUDIENCES[str(value)])
        if isinstance(value, Mapping):
            return ", ".join(f"{label(k)}: {self.value(v, key=k)}" for k, v in value.items())
        if isinstance(value, list | tuple):
            return ", ".join(self.value(item, key=key) for item in value)
        if isinstance(value, str) and value in self.names:
            return self.names[value]
        return label(value) if value is not None else gettext("none")

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
                return str(BOOLEAN_WORDS[found])
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
