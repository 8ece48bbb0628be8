"""Writes to case data: ``<entity>_<verb>(*, actor, ...)``; validate → atomic change → audit → notify."""

from __future__ import annotations

from .advocate_notes import advocate_note_add
from .cases import (
    SuspectInput,
    case_open,
    case_stage_set,
    case_update_facts,
    note_add,
    plan_generate,
    sensitive_material_add,
    suspect_add,
)
from .charging import charging_record
from .immigration_relief import (
    certifying_official_designate,
    certifying_official_undesignate,
    immigration_authorization_set,
    immigration_relief_create,
    immigration_relief_update,
)
from .interpreters import (
    interpreter_assign,
    interpreter_attestation_confirm,
    interpreter_request_create,
)
from .operations import (
    operation_end,
    operation_exception_record,
    operation_mark_ready,
    operation_notify_committee,
    operation_plan,
    operation_update,
)
from .participants import (
    OfficeProposal,
    case_prosecution_start,
    lead_hand_off,
    may_manage_team,
    may_start_prosecution,
    participant_add,
    participant_remove,
    prosecuting_office_proposal,
)
from .permissions import may_set_stage, operation_fields_editable, victim_fields_editable
from .placement import (
    placement_end,
    placement_recommendation,
    placement_record,
    placement_service_choices,
    placement_suggestion,
)
from .referrals import (
    referral_accept,
    referral_complete,
    referral_decline,
    referral_send,
    referral_service_agencies,
    referral_service_choices,
    referral_suggestion,
)
from .reminders import RenewalReminder, immigration_relief_remind
from .safety import EXAMPLE_INSTRUMENT, safety_assessment_record, safety_instrument_save
from .task import task_complete, task_reassign, task_take, tasks_escalate_overdue
from .victims import VictimInput, victim_add, victim_remove, victim_update

__all__ = [
    "EXAMPLE_INSTRUMENT",
    "OfficeProposal",
    "RenewalReminder",
    "SuspectInput",
    "VictimInput",
    "advocate_note_add",
    "case_open",
    "case_prosecution_start",
    "case_stage_set",
    "case_update_facts",
    "certifying_official_designate",
    "certifying_official_undesignate",
    "charging_record",
    "immigration_authorization_set",
    "immigration_relief_create",
    "immigration_relief_remind",
    "immigration_relief_update",
    "interpreter_assign",
    "interpreter_attestation_confirm",
    "interpreter_request_create",
    "lead_hand_off",
    "may_manage_team",
    "may_set_stage",
    "may_start_prosecution",
    "note_add",
    "operation_end",
    "operation_exception_record",
    "operation_fields_editable",
    "operation_mark_ready",
    "operation_notify_committee",
    "operation_plan",
    "operation_update",
    "participant_add",
    "participant_remove",
    "placement_end",
    "placement_recommendation",
    "placement_record",
    "placement_service_choices",
    "placement_suggestion",
    "plan_generate",
    "prosecuting_office_proposal",
    "referral_accept",
    "referral_complete",
    "referral_decline",
    "referral_send",
    "referral_service_agencies",
    "referral_service_choices",
    "referral_suggestion",
    "safety_assessment_record",
    "safety_instrument_save",
    "sensitive_material_add",
    "suspect_add",
    "task_complete",
    "task_reassign",
    "task_take",
    "tasks_escalate_overdue",
    "victim_add",
    "victim_fields_editable",
    "victim_remove",
    "victim_update",
]
