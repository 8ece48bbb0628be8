"""Cases, read through THE read door (``accord.sharing.door``) and nothing else.

A case the caller may not see (another task force's, or one their agency is not
on) is 404, exactly like a missing one (S8). Only released values travel;
withheld fields travel as names with reason codes (S9).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from accord.sharing.door import CASE_ROLES, Released, case_detail, cases_for

from .schemas import CaseOut, CaseSummaryOut, Error, ParticipantOut, ReleasedOut
from .security import for_members

router = Router(tags=["cases"])

#: CaseView attribute -> section name in the JSON.
SECTIONS = (
    "victims",
    "suspects",
    "notes",
    "sensitive",
    "tasks",
    "referrals",
    "operations",
    "placements",
    "interpreters",
    "immigration",
    "charging",
    "safety",
)


def released(record: Released) -> ReleasedOut:
    """A released record as JSON: its values, the withheld names and reasons, the bases."""
    version = record.refs.get("lock_version") if record.refs else None
    return ReleasedOut(
        kind=record.kind,
        id=record.id,
        version=version,
        values=dict(record.values),
        withheld={name: str(reason) for name, reason in record.withheld.items()},
        bases={name: str(basis) for name, basis in record.bases.items()},
    )


@router.get("/cases", response=list[CaseSummaryOut], summary="The cases you may see")
@for_members(*sorted(CASE_ROLES))
def case_list(request: HttpRequest, stage: str = "") -> list[Any]:
    return cases_for(viewer=request.user, stage=stage)  # type: ignore[arg-type]


@router.get(
    "/cases/{case_id}",
    response={200: CaseOut, 404: Error},
    summary="One case as you may see it",
)
@for_members(*sorted(CASE_ROLES))
def case_get(request: HttpRequest, case_id: int) -> CaseOut:
    """Reading it is audited with the field names disclosed (S15), as the case page is."""
    view = case_detail(viewer=request.user, case_id=case_id, purpose="api case read")  # type: ignore[arg-type]
    return CaseOut(
        case=released(view.case),
        participants=[
            ParticipantOut(
                agency_id=p["agency_id"],
                agency=p["agency"],
                sector=str(p["sector"]),
                serving_provider=bool(p["serving_provider"]),
            )
            for p in view.participants
        ],
        plan=released(view.plan) if view.plan is not None else None,
        sections={name: [released(r) for r in getattr(view, name)] for name in SECTIONS},
        withheld_sections=dict(view.withheld_sections),
    )
