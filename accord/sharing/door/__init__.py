"""THE read door for case data: every page, API answer, board, e-mail, notification, report and
export reads case data through here, and nothing else queries case models for display.

Functions take the viewer and return released values (frozen dataclasses and plain mappings)
holding only what the viewer may see, with ``withheld`` saying which fields were held back and
why (reason codes of ``accord.sharing.policy``) and ``bases`` saying what released each shown
field. Models never reach templates. The rules live in ``accord.sharing.policy``; the door
builds their inputs once per request (``CaseAccess``, ``DecisionCache``), asks field by field
and writes the audit event naming the fields disclosed (S15).

Modules: ``access`` (a viewer's standing on a case, the decision cache, who may open which
case), ``release`` (one record), ``pages`` (case list, case page, timeline, edit records,
"why"), ``listing`` (the case list searched, filtered, sorted and paged, and its export),
``boards`` (task and interpreter boards, notifications), ``aggregates`` (counts for
reports), ``registry`` (the case models and field classes the cases app registers).
"""

from .access import (
    CASE_POLICY,
    CASE_ROLES,
    LE_OR_PROSECUTION,
    CaseAccess,
    CasePolicy,
    DecisionCache,
    Visibility,
    access_for,
    case_access,
    case_protocol,
    cji_cleared,
    field_visible,
    fields_released_to_agency,
    visible_cases_query,
)
from .aggregates import (
    AGE_BANDS,
    GENDERS,
    TRAFFICKING_TYPES,
    CaseAggregateRow,
    case_aggregate_rows,
)
from .boards import (
    INTERPRETER_BOARD_FIELDS,
    InterpreterRow,
    TaskBoard,
    TaskRow,
    interpreter_board,
    interpreter_request_for_booking,
    notifications_for,
    suspects_for_attestation,
    tasks_for_agency,
    tasks_for_user,
    unread_count,
)
from .listing import (
    MY_PART_ANY,
    SORTS,
    TRAFFICKING_TYPE_LABELS,
    CaseExport,
    CaseListPage,
    CaseQuery,
    case_list_export,
    case_list_page,
)
from .pages import (
    RESTRICTED_TASK,
    CaseSummary,
    CaseView,
    CaseWithVictims,
    FieldExplanation,
    RecordForEdit,
    audit_disclosure,
    case_detail,
    case_for_edit,
    case_glimpse,
    case_list_released,
    case_timeline,
    cases_for,
    field_explanation,
    record_for_edit,
    task_title_for,
    task_visible,
)
from .registry import register_case_data
from .release import Released, case_basic, case_basic_fields, release
from .victims import (
    ServedVictim,
    consent_views_for,
    is_provider_advocate,
    served_victim,
    victim_labels,
)

__all__ = [
    "AGE_BANDS",
    "CASE_POLICY",
    "CASE_ROLES",
    "GENDERS",
    "INTERPRETER_BOARD_FIELDS",
    "LE_OR_PROSECUTION",
    "MY_PART_ANY",
    "RESTRICTED_TASK",
    "SORTS",
    "TRAFFICKING_TYPES",
    "TRAFFICKING_TYPE_LABELS",
    "CaseAccess",
    "CaseAggregateRow",
    "CaseExport",
    "CaseListPage",
    "CasePolicy",
    "CaseQuery",
    "CaseSummary",
    "CaseView",
    "CaseWithVictims",
    "DecisionCache",
    "FieldExplanation",
    "InterpreterRow",
    "RecordForEdit",
    "Released",
    "ServedVictim",
    "TaskBoard",
    "TaskRow",
    "Visibility",
    "access_for",
    "audit_disclosure",
    "case_access",
    "case_aggregate_rows",
    "case_basic",
    "case_basic_fields",
    "case_detail",
    "case_for_edit",
    "case_glimpse",
    "case_list_export",
    "case_list_page",
    "case_list_released",
    "case_protocol",
    "case_timeline",
    "cases_for",
    "cji_cleared",
    "consent_views_for",
    "field_explanation",
    "field_visible",
    "fields_released_to_agency",
    "interpreter_board",
    "interpreter_request_for_booking",
    "is_provider_advocate",
    "notifications_for",
    "record_for_edit",
    "register_case_data",
    "release",
    "served_victim",
    "suspects_for_attestation",
    "task_title_for",
    "task_visible",
    "tasks_for_agency",
    "tasks_for_user",
    "unread_count",
    "victim_labels",
    "visible_cases_query",
]
