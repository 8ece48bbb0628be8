"""Every kind of audit event, as one enum (S15). Apps add members here, never free text."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise


class AuditEventType(enum.StrEnum):
    # Authentication and sessions
    BANNER_ACKNOWLEDGED = "banner_acknowledged"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    MFA_SUCCEEDED = "mfa_succeeded"
    MFA_FAILED = "mfa_failed"
    MFA_DEVICE_ENROLLED = "mfa_device_enrolled"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"
    LOGOUT = "logout"
    SESSION_EXPIRED = "session_expired"
    SESSION_REVOKED = "session_revoked"
    REAUTHENTICATED = "reauthenticated"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET_COMPLETED = "password_reset_completed"
    MFA_DEVICE_RESET = "mfa_device_reset"
    # Authorization
    ACCESS_DENIED = "access_denied"
    # Accounts
    USER_CREATED = "user_created"
    USER_UPDATED = "user_updated"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    ROLE_GRANTED = "role_granted"
    ROLE_REVOKED = "role_revoked"
    AGENCY_CHANGED = "agency_changed"
    COMMITTEE_CHANGED = "committee_changed"
    TASK_FORCE_TIME_ZONE_CHANGED = "task_force_time_zone_changed"
    # Generic record changes (apps pass object type and id)
    RECORD_CREATED = "record_created"
    RECORD_UPDATED = "record_updated"
    RECORD_DELETED = "record_deleted"
    # Reads and disclosure
    RECORD_READ = "record_read"
    CASE_FIELD_RELEASED = "case_field_released"
    IMMIGRATION_RECORD_DISCLOSED = "immigration_record_disclosed"
    EXPORTED = "exported"
    PRINTED = "printed"
    # Protocol, sharing, consent
    PROTOCOL_CHANGED = "protocol_changed"
    PROTOCOL_SIGNED_OFF = "protocol_signed_off"
    PROTOCOL_VERSION_CREATED = "protocol_version_created"
    PROTOCOL_CIRCULATED = "protocol_circulated"
    PROTOCOL_BROUGHT_INTO_FORCE = "protocol_brought_into_force"
    PROTOCOL_WITHDRAWN = "protocol_withdrawn"
    PROTOCOL_RISK_ACCEPTED = "protocol_risk_accepted"
    PROTOCOL_DECISION_EDITED = "protocol_decision_edited"
    PROTOCOL_SECTION_EDITED = "protocol_section_edited"
    DRILL_SCENARIO_CHANGED = "drill_scenario_changed"
    SHARING_RULES_CHANGED = "sharing_rules_changed"
    CONSENT_CHANGED = "consent_changed"
    CONSENT_TEXT_ADDED = "consent_text_added"
    # Immigration relief (8 U.S.C. 1367) and who may see and sign it
    IMMIGRATION_RELIEF_RECORDED = "immigration_relief_recorded"
    IMMIGRATION_RELIEF_CHANGED = "immigration_relief_changed"
    IMMIGRATION_AUTHORIZATION_GRANTED = "immigration_authorization_granted"
    IMMIGRATION_AUTHORIZATION_REVOKED = "immigration_authorization_revoked"
    CERTIFYING_OFFICIAL_DESIGNATED = "certifying_official_designated"
    CERTIFYING_OFFICIAL_UNDESIGNATED = "certifying_official_undesignated"
    # Privileged advocate notes (never leave the producing provider)
    ADVOCATE_NOTE_ADDED = "advocate_note_added"
    # Directory
    DIRECTORY_CHANGED = "directory_changed"
    DIRECTORY_IMPORTED = "directory_imported"
    DIRECTORY_ENTRY_VERIFIED = "directory_entry_verified"
    DIRECTORY_CAPACITY_UPDATED = "directory_capacity_updated"
    DIRECTORY_LOCATION_DISCLOSED = "directory_location_disclosed"
    DIRECTORY_LOCATION_DISCLOSURE_WITHDRAWN = "directory_location_disclosure_withdrawn"
    # Intake, potential victims and the response plan
    CASE_OPENED = "case_opened"
    CASE_FACTS_CHANGED = "case_facts_changed"
    PLAN_GENERATED = "plan_generated"
    VICTIM_ADDED = "victim_added"
    VICTIM_UPDATED = "victim_updated"
    VICTIM_REMOVED = "victim_removed"
    DIRECTORY_ADDRESS_DISCLOSED = "directory_address_disclosed"  # a confidential address was read
    # Placement, charging and interpreters on a case
    PLACEMENT_RECORDED = "placement_recorded"
    PLACEMENT_OVERRIDE_RECORDED = "placement_override_recorded"
    PLACEMENT_ENDED = "placement_ended"
    CHARGING_DECISION_RECORDED = "charging_decision_recorded"
    REMEDY_TASK_CREATED = "remedy_task_created"
    INTERPRETER_REQUESTED = "interpreter_requested"
    INTERPRETER_BOOKED = "interpreter_booked"
    INTERPRETER_ATTESTATION_CONFIRMED = "interpreter_attestation_confirmed"
    # Conflict resolution
    DISAGREEMENT_RAISED = "disagreement_raised"
    DISAGREEMENT_ESCALATED = "disagreement_escalated"
    DISAGREEMENT_OVERDUE_AT_LAST_LEVEL = "disagreement_overdue_at_last_level"
    DISAGREEMENT_DECIDED = "disagreement_decided"
    DISAGREEMENT_WITHDRAWN = "disagreement_withdrawn"
    DISAGREEMENT_AMENDMENT_LINKED = "disagreement_amendment_linked"
    # Joint training
    TRAINING_CATALOG_CHANGED = "training_catalog_changed"
    TRAINING_MATERIAL_UPLOADED = "training_material_uploaded"
    TRAINING_MATERIAL_DOWNLOADED = "training_material_downloaded"
    TRAINING_SESSION_CHANGED = "training_session_changed"
    TRAINING_ATTENDANCE_RECORDED = "training_attendance_recorded"
    TRAINING_CERTIFICATE_ISSUED = "training_certificate_issued"
    TRAINING_EXPIRY_NOTIFIED = "training_expiry_notified"
    # The case team (issue 11)
    CASE_PARTICIPANT_ADDED = "case_participant_added"
    CASE_PARTICIPANT_REMOVED = "case_participant_removed"
    CASE_LEAD_HANDED_OFF = "case_lead_handed_off"
    CASE_STAGE_CHANGED = "case_stage_changed"
    CASE_PROSECUTION_OFFICE_CHOSEN = "case_prosecution_office_chosen"
    TASK_REASSIGNED = "task_reassigned"
    # The inbox (issue 13)
    NOTIFICATIONS_MARKED_READ = "notifications_marked_read"
    # The audit trail itself
    AUDIT_LOG_READ = "audit_log_read"
    AUDIT_VERIFIED = "audit_verified"
    AUDIT_PURGED = "audit_purged"
    AUDIT_CHECKPOINT_WRITTEN = "audit_checkpoint_written"
    AUDIT_CHAIN_STARTED = "audit_chain_started"
    AUDIT_BATCH_SEALED = "audit_batch_sealed"
    KEYS_ROTATED = "keys_rotated"
    # Periodic jobs and the mail outbox
    PERIODIC_JOB_FAILED = "periodic_job_failed"
    EMAIL_GIVEN_UP = "email_given_up"
    EMAIL_TEST_SENT = "email_test_sent"
    EMAIL_RETRY_REQUESTED = "email_retry_requested"


#: Read-access events: written to the pending reads table without the chain's lock and sealed
#: into the chain in Merkle batches (``accord.audit.batches``); every other event is a chain event.
READ_EVENTS = frozenset({AuditEventType.RECORD_READ, AuditEventType.CASE_FIELD_RELEASED})


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


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

#: Words kept in capitals when an event name without a label is written out.
_ACRONYMS = {"mfa": "MFA", "csv": "CSV", "pdf": "PDF", "cji": "CJI", "cp": "CP"}


def event_label(value: str) -> str:
    """An event type in words for a person ("case_opened" -> "Case opened"), from ``EVENTS``;
    a value without a label is written out ("mfa_reset" -> "MFA reset"), so nothing shows
    with underscores."""
    if str(value) in EVENTS:
        return str(EVENTS[str(value)])
    words = [_ACRONYMS.get(word, word) for word in str(value).split("_") if word]
    if not words:
        return ""
    first = words[0]
    words[0] = first if first.isupper() else first.capitalize()
    return " ".join(words)


def event_choices() -> list[tuple[str, str]]:
    """Every audit event type with its label, alphabetical by label."""
    return sorted(((e.value, event_label(e)) for e in AuditEventType), key=lambda c: c[1])


def outcome_choices() -> list[tuple[str, str]]:
    return [(o.value, str(OUTCOMES.get(o.value, o.value)).capitalize()) for o in Outcome]
