"""Every kind of audit event, as one enum (S15). Apps add members here, never free text."""

from __future__ import annotations

import enum


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


#: Words kept in capitals when an event name is written out.
_ACRONYMS = {"mfa": "MFA", "csv": "CSV", "pdf": "PDF", "cji": "CJI", "cp": "CP"}


def event_label(value: str) -> str:
    """An event type in words for a person ("mfa_failed" -> "MFA failed"); an unknown value
    is written out the same way, so nothing shows with underscores."""
    words = [_ACRONYMS.get(word, word) for word in str(value).split("_") if word]
    if not words:
        return ""
    first = words[0]
    words[0] = first if first.isupper() else first.capitalize()
    return " ".join(words)
