"""The example protocol's sharing rules, one situation each: released with basis, withheld with reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.core import load_protocol
from accord.core.model import FieldClass, Sector, Stage
from accord.sharing.policy import (
    FieldSpec,
    RecordContext,
    Released,
    Viewer,
    Withheld,
    field_decision,
)

from .strategies import NOW

RULES = load_protocol(
    (Path(__file__).resolve().parents[3] / "examples/protocols/example-county.yaml").read_text()
).sharing
RPD, HSI, HARBOR, NEWDAWN, LEGAL, DA = 1, 2, 3, 4, 5, 6


def viewer(agency: int, sector: Sector, *roles: str, **extra: object) -> Viewer:
    return Viewer(
        user_id=agency * 10,
        agency_id=agency,
        sector=sector,
        roles=frozenset(roles),
        task_force_id=1,
        **extra,
    )


def record(
    stage: Stage = Stage.INVESTIGATION,
    producer: int = RPD,
    sector: Sector = Sector.LAW_ENFORCEMENT_LOCAL,
) -> RecordContext:
    return RecordContext(
        task_force_id=1,
        stage=stage,
        participants={RPD: False, HSI: False, HARBOR: True, DA: False, LEGAL: False},
        produced_by_agency_id=producer,
        produced_by_sector=sector,
        victim_id=7,
    )


def decide(who: Viewer, rec: RecordContext, field_class: FieldClass, category: str):
    return field_decision(
        viewer=who, record=rec, spec=FieldSpec(field_class, category), rules=RULES, now=NOW
    )


def test_minimal_operation_facts_reach_the_whole_committee_but_not_the_location() -> None:
    committee_member = viewer(
        NEWDAWN,
        Sector.VICTIM_SERVICES,
        "advocate",
        committees=frozenset({"victim_services_committee"}),
    )
    facts = decide(committee_member, record(), FieldClass.LE_SENSITIVE, "operation_minimal_facts")
    assert isinstance(facts, Released) and facts.basis == "sharing_rule:prefacts-to-committee"
    location = decide(committee_member, record(), FieldClass.LE_SENSITIVE, "operation")
    assert isinstance(location, Withheld) and location.reason == "not_on_case"
    later = decide(
        committee_member,
        record(Stage.PROSECUTION),
        FieldClass.LE_SENSITIVE,
        "operation_minimal_facts",
    )
    assert isinstance(later, Withheld) and later.reason == "stage"


def test_case_basic_goes_to_participants_and_coordinators_only() -> None:
    advocate = viewer(HARBOR, Sector.VICTIM_SERVICES, "advocate")
    assert decide(advocate, record(), FieldClass.CASE_BASIC, "case").basis == "case_participant"
    outsider = viewer(NEWDAWN, Sector.VICTIM_SERVICES, "advocate")
    assert decide(outsider, record(), FieldClass.CASE_BASIC, "case").reason == "not_on_case"
    coordinator = viewer(NEWDAWN, Sector.VICTIM_SERVICES, "coordinator")
    assert decide(coordinator, record(), FieldClass.CASE_BASIC, "case").basis == "coordinator"
    auditor = viewer(RPD, Sector.LAW_ENFORCEMENT_LOCAL, "auditor")
    assert decide(auditor, record(), FieldClass.CASE_BASIC, "case").reason == "no_case_role"


@pytest.mark.parametrize("cleared", [True, False])
def test_cji_to_another_law_enforcement_agency_needs_the_personnel_gate(cleared: bool) -> None:
    agent = viewer(HSI, Sector.LAW_ENFORCEMENT_FEDERAL, "investigator", cji_cleared=cleared)
    decision = decide(agent, record(), FieldClass.LE_SENSITIVE, "investigation")
    if cleared:
        assert decision.basis == "sharing_rule:le-to-prosecution"
    else:
        assert decision.reason == "cji_personnel_gate"


def test_never_shared_whatever_the_rules_say() -> None:
    da = viewer(DA, Sector.PROSECUTION, "prosecutor", cji_cleared=True)
    assert (
        decide(da, record(), FieldClass.NEVER_SHARED, "investigation").reason
        == "class_never_shared"
    )
    own = viewer(RPD, Sector.LAW_ENFORCEMENT_LOCAL, "investigator", cji_cleared=True)
    assert decide(own, record(), FieldClass.NEVER_SHARED, "investigation").basis == "own_agency"
    own_advocate = viewer(RPD, Sector.LAW_ENFORCEMENT_LOCAL, "advocate", cji_cleared=True)
    assert (
        decide(own_advocate, record(), FieldClass.NEVER_SHARED, "x").reason == "class_never_shared"
    )


def test_immigration_records_need_authorization_and_a_rule() -> None:
    from_hsi = record(producer=HSI, sector=Sector.LAW_ENFORCEMENT_FEDERAL)
    legal = viewer(LEGAL, Sector.LEGAL_SERVICES, "advocate", immigration_authorized=True)
    assert decide(legal, from_hsi, FieldClass.IMMIGRATION_1367, "immigration").basis == (
        "sharing_rule:immigration-to-legal-aid"
    )
    unauthorized = viewer(LEGAL, Sector.LEGAL_SERVICES, "advocate")
    assert decide(unauthorized, from_hsi, FieldClass.IMMIGRATION_1367, "immigration").reason == (
        "not_immigration_authorized"
    )
    da = viewer(DA, Sector.PROSECUTION, "prosecutor", immigration_authorized=True, cji_cleared=True)
    assert (
        decide(da, from_hsi, FieldClass.IMMIGRATION_1367, "immigration").reason == "no_sharing_rule"
    )


def test_provider_records_without_release_stay_with_the_provider() -> None:
    from_harbor = record(producer=HARBOR, sector=Sector.VICTIM_SERVICES)
    agent = viewer(HSI, Sector.LAW_ENFORCEMENT_FEDERAL, "investigator", cji_cleared=True)
    decision = decide(agent, from_harbor, FieldClass.VSP_CONFIDENTIAL, "identity")
    assert isinstance(decision, Withheld) and decision.reason == "no_consent"
    assert "release" in decision.explanation
