"""Who may change what: one answer for the services (which refuse) and the pages (which offer).

The pages show an edit link or a form field only when these functions say the viewer may use
it; the services ask the same functions before writing, so a hand-made request gets the same
answer as the page. Every answer is also limited to what the viewer may SEE (the sharing
policy decides that): nobody edits a value they are not shown.
"""

from __future__ import annotations

from collections.abc import Collection

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Role
from accord.sharing.door import CaseAccess

#: Every field of a potential victim's record a page may change, in form order.
VICTIM_FIELDS: tuple[str, ...] = (
    "pseudonym",
    "legal_name",
    "date_of_birth",
    "contact",
    "current_location",
    "needs",
    "age",
    "age_low",
    "age_high",
    "gender",
    "citizenship",
    "language",
    "interpreter_needed",
    "arrested",
    "charged",
)
#: The victim-service fields: what the serving provider's advocates keep current.
VICTIM_SERVICE_FIELDS: frozenset[str] = frozenset(
    {"legal_name", "date_of_birth", "contact", "current_location", "needs", "language"}
)
#: An operation's plan, in form order; location and targets are for law enforcement only.
OPERATION_PLAN_FIELDS: tuple[str, ...] = (
    "window_start",
    "window_end",
    "estimated_victims",
    "genders",
    "languages",
    "minors_expected",
    "location",
    "targets",
)
LAW_ENFORCEMENT_ONLY: frozenset[str] = frozenset({"location", "targets"})
#: Operations whose plan can still change.
OPERATION_EDITABLE_STATUSES: frozenset[str] = frozenset({"planned", "ready"})


def victim_fields_editable(
    access: CaseAccess,
    *,
    produced_by_id: int | None,
    serving_provider_id: int | None,
    visible: Collection[str],
) -> tuple[str, ...]:
    """The victim fields this viewer may change: the serving provider's advocates the
    victim-service fields, the producing agency's investigators and advocates the whole record;
    always only fields the viewer is shown, and only for an agency working the case."""
    if not access.participant:
        return ()
    allowed: set[str] = set()
    if Role.ADVOCATE in access.roles and serving_provider_id == access.agency_id:
        allowed |= VICTIM_SERVICE_FIELDS
    if access.roles & {Role.INVESTIGATOR, Role.ADVOCATE} and produced_by_id == access.agency_id:
        allowed |= set(VICTIM_FIELDS)
    return tuple(name for name in VICTIM_FIELDS if name in allowed and name in visible)


def may_set_stage(access: CaseAccess, *, lead_agency_id: int) -> bool:
    """The lead agency's investigators and the task force's coordinators move a case on."""
    if access.is_coordinator:
        return True
    return (
        Role.INVESTIGATOR in access.roles
        and access.participant
        and access.agency_id == lead_agency_id
    )


def operation_fields_editable(
    access: CaseAccess,
    *,
    produced_by_id: int | None,
    status: str,
    visible: Collection[str],
) -> tuple[str, ...]:
    """The plan fields of an operation this viewer may change: investigators of the law
    enforcement agency that planned it, while it is planned or ready, fields they are shown."""
    if status not in OPERATION_EDITABLE_STATUSES or not access.participant:
        return ()
    if Role.INVESTIGATOR not in access.roles or access.agency_id != produced_by_id:
        return ()
    if access.sector not in LAW_ENFORCEMENT_SECTORS:  # location and targets never leave LE
        return ()
    return tuple(name for name in OPERATION_PLAN_FIELDS if name in visible)
