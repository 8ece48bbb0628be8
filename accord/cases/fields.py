"""The field-class registry: every stored case field has a class and a data category.

This is the one place the sharing layer reads to decide what a viewer may see
(DESIGN.md section 4). ``ProtectedTextField`` / ``ProtectedJSONField`` mark the
values that are encrypted at rest (S19): AES-256-GCM columns of
``accord.encryption``, bound to their column, decrypted only in Python.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models  # noqa: F401 - kept for callers importing it from here

from accord.core.model import FieldClass
from accord.encryption.fields import EncryptedJSONField, EncryptedTextField
from accord.sharing.policy import FieldSpec


class ProtectedTextField(EncryptedTextField):
    """Victim PII, CJI or immigration-relief text: AES-256-GCM at rest (S19); value lookups are
    refused (search with a blind index column instead)."""


class ProtectedJSONField(EncryptedJSONField):
    """Structured protected values, encrypted at rest like ``ProtectedTextField`` (S19)."""


BASIC = FieldClass.CASE_BASIC
LE = FieldClass.LE_SENSITIVE
VSP = FieldClass.VSP_CONFIDENTIAL
IMM = FieldClass.IMMIGRATION_1367
NEVER = FieldClass.NEVER_SHARED
PRIVILEGED = FieldClass.PRIVILEGED


def _specs(**fields: tuple[FieldClass, str]) -> dict[str, FieldSpec]:
    return {name: FieldSpec(cls, category) for name, (cls, category) in fields.items()}


#: model name (lower case) -> field name -> class and category.
REGISTRY: Mapping[str, Mapping[str, FieldSpec]] = {
    "case": _specs(
        number=(BASIC, "case"),
        title=(BASIC, "case"),
        incident_kind=(BASIC, "case"),
        stage=(BASIC, "case"),
        lead_agency=(BASIC, "case"),
        protocol_version=(BASIC, "case"),
        facts=(BASIC, "facts"),
        jurisdiction=(BASIC, "location"),
        incident_summary=(LE, "investigation"),
    ),
    "caseparticipant": _specs(
        agency=(BASIC, "case"),
        is_serving_provider=(BASIC, "services"),
        part=(BASIC, "case"),
        joined_via=(BASIC, "case"),
        reason=(BASIC, "case"),
        added_by=(BASIC, "case"),
    ),
    "potentialvictim": _specs(
        pseudonym=(BASIC, "identity"),
        age=(BASIC, "identity"),
        age_low=(BASIC, "identity"),
        age_high=(BASIC, "identity"),
        gender=(BASIC, "identity"),
        citizenship=(BASIC, "identity"),
        language=(BASIC, "needs"),
        interpreter_needed=(BASIC, "needs"),
        arrested=(LE, "charging"),
        charged=(LE, "charging"),
        serving_provider=(BASIC, "services"),
        legal_name=(VSP, "identity"),
        date_of_birth=(VSP, "identity"),
        contact=(VSP, "contact"),
        current_location=(VSP, "location"),
        needs=(VSP, "needs"),
    ),
    "suspect": _specs(
        name=(LE, "identity"),
        aliases=(LE, "identity"),
        citizenship=(LE, "identity"),
        description=(LE, "investigation"),
    ),
    "investigativenote": _specs(text=(LE, "investigation")),
    "sensitivematerial": _specs(
        kind=(NEVER, "investigation"), description=(NEVER, "investigation")
    ),
    "responseplan": _specs(
        protocol_version=(BASIC, "plan"),
        facts=(BASIC, "facts"),
        answers=(BASIC, "plan"),
        # how many of the answers are open: derived from them, so classified with them
        unanswered=(BASIC, "plan"),
        changes=(BASIC, "plan"),
    ),
    "task": _specs(
        deadline_id=(BASIC, "tasks"),
        title=(BASIC, "tasks"),
        anchor=(BASIC, "tasks"),
        owner_agency=(BASIC, "tasks"),
        owner_sector=(BASIC, "tasks"),
        owner_role=(BASIC, "tasks"),
        assignee=(BASIC, "tasks"),
        due_at=(BASIC, "tasks"),
        status=(BASIC, "tasks"),
        escalated_at=(BASIC, "tasks"),
        completed_at=(BASIC, "tasks"),
    ),
    "referral": _specs(
        kind=(BASIC, "services"),
        from_agency=(BASIC, "services"),
        to_agency=(BASIC, "services"),
        to_service=(BASIC, "services"),
        status=(BASIC, "services"),
        message=(BASIC, "services"),
        decline_reason=(BASIC, "services"),
        shared_fields=(BASIC, "services"),
        sharing_answer=(BASIC, "services"),
        sent_at=(BASIC, "services"),
        accepted_at=(BASIC, "services"),
        declined_at=(BASIC, "services"),
        completed_at=(BASIC, "services"),
        minutes_to_accept=(BASIC, "services"),
    ),
    "operation": _specs(
        name=(BASIC, "operation"),
        status=(BASIC, "operation"),
        coordination_required=(BASIC, "operation"),
        window_start=(LE, "operation_minimal_facts"),
        window_end=(LE, "operation_minimal_facts"),
        estimated_victims=(LE, "operation_minimal_facts"),
        genders=(LE, "operation_minimal_facts"),
        languages=(LE, "operation_minimal_facts"),
        minors_expected=(LE, "operation_minimal_facts"),
        location=(LE, "operation"),
        targets=(LE, "operation"),
        staff_safety_notes=(LE, "safety"),
        committee_notified_at=(BASIC, "operation"),
        exception_reason=(LE, "operation"),
        ready_at=(BASIC, "operation"),
        ended_at=(BASIC, "operation"),
    ),
    "placement": _specs(
        kind=(VSP, "location"),
        service=(VSP, "location"),
        recommended_service=(BASIC, "services"),
        details=(VSP, "location"),
        bed_reserved=(VSP, "location"),
        placed_at=(VSP, "location"),
        service_name=(VSP, "location"),
        outside_eligibility=(BASIC, "services"),
        eligibility_finding=(VSP, "location"),
        override_reason=(VSP, "location"),
        override_by=(BASIC, "services"),
        override_at=(BASIC, "services"),
        ended_at=(VSP, "location"),
        ended_by=(VSP, "location"),
    ),
    "interpreterrequest": _specs(
        proceeding=(BASIC, "interpreting"),
        language=(BASIC, "interpreting"),
        scheduled_for=(BASIC, "interpreting"),
        court_certified_required=(BASIC, "interpreting"),
        service=(BASIC, "interpreting"),
        interpreter_name=(BASIC, "services"),
        payer=(BASIC, "interpreting"),
        status=(BASIC, "interpreting"),
        conflict_attested=(BASIC, "services"),
        attestation_text=(BASIC, "services"),
        attested_at=(BASIC, "services"),
        interpreter_certified=(BASIC, "interpreting"),
        booked_at=(BASIC, "interpreting"),
        booked_by=(BASIC, "interpreting"),
    ),
    "immigrationrelief": _specs(
        kind=(IMM, "immigration"),
        status=(IMM, "immigration"),
        requested_at=(IMM, "immigration"),
        decided_at=(IMM, "immigration"),
        expires_on=(IMM, "immigration"),
        signed_by=(IMM, "immigration"),
        notes=(IMM, "immigration"),
    ),
    "chargingrecord": _specs(
        arrested=(LE, "charging"),
        charged=(LE, "charging"),
        charge_category=(LE, "charging"),
        charge_description=(LE, "charging"),
        guidance=(BASIC, "charging"),
        decision=(LE, "charging"),
        identified_after_charges=(LE, "charging"),
        remedies=(BASIC, "charging"),
    ),
    "safetyassessment": _specs(
        answers=(VSP, "safety"),
        score=(VSP, "safety"),
        above_threshold=(VSP, "safety"),
        assessed_at=(VSP, "safety"),
    ),
    "caseevent": _specs(kind=(BASIC, "timeline"), summary=(BASIC, "timeline")),
    # a provider's counseling and case-management notes: its advocates only, never released
    "advocatenote": _specs(text=(PRIVILEGED, "counseling")),
}

#: Fields that hold no case information themselves: ids, links, provenance, bookkeeping.
BOOKKEEPING: frozenset[str] = frozenset(
    {
        "id",
        "case",
        "victim",
        "operation",
        "referral",
        "task_force",
        "produced_by",
        "created_at",
        "updated_at",
        "lock_version",
        "opened_by",
        "opened_at",
        "intake_token",
        "sequence",
        "year",
        "author",
        "generated_at",
        "generated_by",
        "previous",
        "sent_by",
        "decided_by",
        "completed_by",
        "requested_by",
        "attested_by",
        "exception_by",
        "assessed_by",
        "instrument",
        "anchor_ref",
        "visibility_class",
        "joined_at",
        "field_class",
        "occurred_at",
        "actor",
    }
)


def spec_for(model_name: str, field_name: str) -> FieldSpec:
    """The class of one field; unknown fields are the strictest class (fail closed)."""
    return REGISTRY.get(model_name, {}).get(field_name, FieldSpec(NEVER, "unclassified"))
