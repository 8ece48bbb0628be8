"""The JSON shapes of the API (they are also what the generated OpenAPI document shows).

Case data keeps the shape of the read door (``accord.sharing.door``): a
record is its released ``values``, the ``withheld`` field names with reason
codes (never the values) and the ``bases`` that released each shown field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict


class Error(Schema):
    """Every refusal: a stable code, words for a person, the field at fault when there is one."""

    error: str = Field(examples=["fact_invalid"])
    message: str = Field(examples=["fact victim_age=-3 is outside the domain of 'victim_age'"])
    field: str | None = Field(default=None, examples=["facts.victim_age"])


class Named(Schema):
    id: int
    slug: str
    name: str


class Me(Schema):
    username: str
    display_name: str
    agency: Named
    sector: str
    roles: list[str]
    task_force: Named
    csrf_token: str = Field(
        description="Send it back in the X-CSRFToken header on every POST (S20)."
    )


# --- protocol -----------------------------------------------------------------------------------


class EvaluateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    facts: dict[str, Any] = Field(
        description="Factor id -> value; a missing or null fact is unknown.",
        examples=[{"trafficking_type": "labor", "victim_age": 17}],
    )


class EvaluationOut(Schema):
    protocol_version: int = Field(description="Number of the version in force that answered.")
    decisions: dict[str, dict[str, Any]] = Field(
        description="Decision id -> result, rules, explanation (and needs, error, how when set): "
        "the core's evaluation JSON (docs/protocol-format.md)."
    )


# --- directory ----------------------------------------------------------------------------------


class AddressOut(Schema):
    address_1: str
    address_2: str
    city: str
    state_province: str
    postal_code: str
    country: str


class LocationOut(Schema):
    """A location as the caller may see it: where it is only when the address is visible."""

    id: int
    name: str
    confidential: bool
    address_visible: bool
    reason: str
    addresses: list[AddressOut] = []
    phones: list[str] = []
    transportation: str = ""
    latitude: float | None = None
    longitude: float | None = None


class ServiceOut(Schema):
    id: int
    slug: str
    name: str
    organization: str
    organization_id: int
    is_24_7: bool
    beds_available: int | None
    capacity_updated_at: datetime | None


class SearchResultOut(Schema):
    service: ServiceOut
    is_match: bool
    matched: list[str]
    unmatched: list[str]
    explanation: str
    locations: list[LocationOut]


class SearchOut(Schema):
    total: int
    matches: list[SearchResultOut]
    near_misses: list[SearchResultOut]


# --- cases --------------------------------------------------------------------------------------


class CaseSummaryOut(Schema):
    id: int
    number: str
    title: str
    stage: str
    incident_kind: str
    lead_agency: str
    opened_at: datetime


class ReleasedOut(Schema):
    """One record as the caller may see it."""

    kind: str
    id: int
    version: int | None = Field(
        default=None, description="lock_version: send it as expected_version when changing it."
    )
    values: dict[str, Any]
    withheld: dict[str, str] = Field(description="Field name -> reason code; never the value.")
    bases: dict[str, str] = Field(description="Field name -> what released it.")


class ParticipantOut(Schema):
    agency_id: int
    agency: str
    sector: str
    serving_provider: bool


class CaseOut(Schema):
    case: ReleasedOut
    participants: list[ParticipantOut]
    plan: ReleasedOut | None
    sections: dict[str, list[ReleasedOut]] = Field(
        description="victims, suspects, notes, ...: only rows with something released."
    )
    withheld_sections: dict[str, str] = Field(
        description="Section -> reason codes, when rows were held back entirely."
    )


# --- tasks --------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    case_id: int
    case_number: str
    title: str
    owner: str
    assignee: str
    due_at: datetime
    status: str
    overdue: bool
    escalated: bool
    version: int
    may_take: bool
    may_complete: bool


class TaskBoardOut(Schema):
    overdue: list[TaskOut]
    due: list[TaskOut]
    done: list[TaskOut]
    next_after: str = ""


class TaskActIn(Schema):
    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(
        ge=0, description="The task's version as you read it; a stale one is refused 409 (S23)."
    )


class TaskActOut(Schema):
    id: int
    status: str
    version: int
