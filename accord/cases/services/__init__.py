"""Writes to case data: ``<entity>_<verb>(*, actor, ...)``; validate → atomic change → audit → notify."""

from __future__ import annotations

from .cases import (
    SuspectInput,
    VictimInput,
    case_open,
    case_stage_set,
    case_update_facts,
    note_add,
    plan_generate,
    sensitive_material_add,
    suspect_add,
    victim_add,
    victim_update,
)
from .charging import charging_record
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
from .permissions import may_set_stage, operation_fields_editable, victim_fields_editable
from .placement import (
    placement_end,
    placement_recommendation,
    placement_record,
    placement_service_choices,
    placement_suggestion,
)
from .referrals import referral_accept, referral_complete, referral_decline, referral_send
from .reminders import RenewalReminder, immigration_relief_remind
from .safety import EXAMPLE_INSTRUMENT, safety_assessment_record, safety_instrument_save
from .support import (
    certifying_official_designate,
    immigration_relief_create,
    immigration_relief_update,
)
from .task import task_complete, task_take, tasks_escalate_overdue

__all__ = [
    "EXAMPLE_INSTRUMENT",
    "RenewalReminder",
    "SuspectInput",
    "VictimInput",
    "case_open",
    "case_stage_set",
    "case_update_facts",
    "certifying_official_designate",
    "charging_record",
    "immigration_relief_create",
    "immigration_relief_remind",
    "immigration_relief_update",
    "interpreter_assign",
    "interpreter_attestation_confirm",
    "interpreter_request_create",
    "may_set_stage",
    "note_add",
    "operation_end",
    "operation_exception_record",
    "operation_fields_editable",
    "operation_mark_ready",
    "operation_notify_committee",
    "operation_plan",
    "operation_update",
    "placement_end",
    "placement_recommendation",
    "placement_record",
    "placement_service_choices",
    "placement_suggestion",
    "plan_generate",
    "referral_accept",
    "referral_complete",
    "referral_decline",
    "referral_send",
    "safety_assessment_record",
    "safety_instrument_save",
    "sensitive_material_add",
    "suspect_add",
    "task_complete",
    "task_take",
    "tasks_escalate_overdue",
    "victim_add",
    "victim_fields_editable",
    "victim_update",
]
