"""The example protocol's sharing rules, one situation each: released with basis, withheld with reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from accord.core import load_protocol
from accord.core.model import FieldClass, Sector, Stage
from accord.sharing.policy import (
    ConsentView,
    FieldSpec,
    Reason,
    RecordContext,
    Released,
    Viewer,
    Withheld,
    consent_state,
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


# -- releases (consents): the exact instants and each rule of a release, one example each -------

TICK = timedelta(microseconds=1)
STRANGER_LE = 8  # a law enforcement agency that is not on the case


def release(
    *,
    starts_at: datetime = NOW - timedelta(days=10),
    expires_at: datetime = NOW + timedelta(days=10),
    revoked_at: datetime | None = None,
    recipients: frozenset[int] = frozenset({HSI}),
    categories: frozenset[str] = frozenset({"identity"}),
    victim_id: int = 7,
    producer: int = HARBOR,
    signers_complete: bool = True,
    consent_id: int = 41,
) -> ConsentView:
    return ConsentView(
        id=consent_id,
        victim_id=victim_id,
        produced_by_agency_id=producer,
        recipient_agency_ids=recipients,
        categories=categories,
        starts_at=starts_at,
        expires_at=expires_at,
        revoked_at=revoked_at,
        signers_complete=signers_complete,
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"expires_at": NOW}, Reason.CONSENT_EXPIRED, id="expires exactly now"),
        pytest.param({"expires_at": NOW - TICK}, Reason.CONSENT_EXPIRED, id="expired 1us ago"),
        pytest.param({"expires_at": NOW + TICK}, None, id="expires in 1us"),
        pytest.param({"revoked_at": NOW}, Reason.CONSENT_REVOKED, id="revoked exactly now"),
        pytest.param({"revoked_at": NOW - TICK}, Reason.CONSENT_REVOKED, id="revoked 1us ago"),
        pytest.param({"revoked_at": NOW + TICK}, None, id="revocation recorded 1us ahead"),
        pytest.param({"starts_at": NOW}, None, id="starts exactly now"),
        pytest.param({"starts_at": NOW - TICK}, None, id="started 1us ago"),
        pytest.param({"starts_at": NOW + TICK}, Reason.CONSENT_NOT_STARTED, id="starts in 1us"),
        pytest.param(
            {"signers_complete": False}, Reason.CONSENT_GUARDIAN_MISSING, id="guardian missing"
        ),
        pytest.param(
            {"revoked_at": NOW, "expires_at": NOW},
            Reason.CONSENT_REVOKED,
            id="revoked and expired: revocation told",
        ),
    ],
)
def test_a_release_is_in_effect_from_its_start_until_its_expiry_or_revocation(
    changes: dict[str, object], expected: Reason | None
) -> None:
    """Start inclusive, expiry exclusive, revocation effective from the instant recorded (S10)."""
    assert consent_state(release(**changes), now=NOW) == expected


HARBOR_RECORD = record(producer=HARBOR, sector=Sector.VICTIM_SERVICES)
AGENT = viewer(HSI, Sector.LAW_ENFORCEMENT_FEDERAL, "investigator", cji_cleared=True)


def provider_identity(
    *consents: ConsentView, who: Viewer = AGENT, rec: RecordContext = HARBOR_RECORD
) -> Released | Withheld:
    return field_decision(
        viewer=who,
        record=rec,
        spec=FieldSpec(FieldClass.VSP_CONFIDENTIAL, "identity"),
        rules=RULES,
        consents=consents,
        now=NOW,
    )


def test_a_release_in_effect_releases_the_providers_record_naming_release_and_rule() -> None:
    decision = provider_identity(release())
    assert isinstance(decision, Released)
    assert decision.basis == "consent:41+sharing_rule:vsp-with-release"
    assert decision.consent_id == 41 and decision.rule_id == "vsp-with-release"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param({"expires_at": NOW}, Reason.CONSENT_EXPIRED, id="expiring exactly now"),
        pytest.param({"revoked_at": NOW}, Reason.CONSENT_REVOKED, id="revoked exactly now"),
        pytest.param({"starts_at": NOW + TICK}, Reason.CONSENT_NOT_STARTED, id="starting in 1us"),
        pytest.param(
            {"recipients": frozenset({DA})}, Reason.CONSENT_WRONG_RECIPIENT, id="other recipient"
        ),
        pytest.param(
            {"categories": frozenset({"contact"})}, Reason.CONSENT_CATEGORY, id="other category"
        ),
        pytest.param({"victim_id": 8}, Reason.NO_CONSENT, id="another victim's release"),
        pytest.param({"producer": NEWDAWN}, Reason.NO_CONSENT, id="another provider's release"),
        pytest.param(
            {"signers_complete": False}, Reason.CONSENT_GUARDIAN_MISSING, id="minor, no guardian"
        ),
    ],
)
def test_each_rule_of_a_release_withholds_on_its_own(
    changes: dict[str, object], reason: Reason
) -> None:
    decision = provider_identity(release(**changes))
    assert isinstance(decision, Withheld) and decision.reason == reason


def test_a_release_starting_exactly_now_is_in_effect() -> None:
    decision = provider_identity(release(starts_at=NOW))
    assert isinstance(decision, Released) and decision.consent_id == 41


def test_one_release_in_effect_is_enough_beside_expired_and_revoked_ones() -> None:
    expired = release(consent_id=1, expires_at=NOW)
    revoked = release(consent_id=2, revoked_at=NOW)
    valid = release(consent_id=3, expires_at=NOW + TICK)
    decision = provider_identity(expired, revoked, valid)
    assert isinstance(decision, Released) and decision.consent_id == 3
    failed = provider_identity(expired, revoked)
    assert isinstance(failed, Withheld) and failed.reason == Reason.CONSENT_REVOKED


def test_a_release_needs_the_rule_too_outside_the_case_or_its_stages() -> None:
    stranger = viewer(STRANGER_LE, Sector.LAW_ENFORCEMENT_LOCAL, "investigator", cji_cleared=True)
    named = release(recipients=frozenset({STRANGER_LE}))
    outside = provider_identity(named, who=stranger)
    assert isinstance(outside, Withheld) and outside.reason == Reason.NOT_ON_CASE
    closed = record(Stage.CLOSED, producer=HARBOR, sector=Sector.VICTIM_SERVICES)
    late = provider_identity(release(), rec=closed)
    assert isinstance(late, Withheld) and late.reason == Reason.STAGE


def test_no_release_at_all_is_no_consent() -> None:
    decision = provider_identity()
    assert isinstance(decision, Withheld) and decision.reason == Reason.NO_CONSENT
