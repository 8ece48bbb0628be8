"""The legal invariants of the sharing policy hold for ANY viewer, record, protocol and releases.

Rules are drawn freely (including rules the protocol loader refuses), because the
law holds "whatever the protocol says" (S12) and a loader bug must not become a leak.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.model import FieldClass, Sector
from accord.sharing.policy import (
    CASE_ROLES,
    LE_OR_PROSECUTION,
    FieldSpec,
    Released,
    Withheld,
    consent_state,
    field_decision,
)

from .strategies import NOW, records, viewers, worlds

#: 400 worlds a run, each seen by every check below (1,500 took about 2.5 minutes of CI's 25).
PROPERTY_SETTINGS = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def decide(viewer, record, spec, rules, consent_list):
    return field_decision(
        viewer=viewer, record=record, spec=spec, rules=rules, consents=consent_list, now=NOW
    )


def check_explains_itself(decision, **_):
    """Released carries a basis, Withheld a reason code; both say why in words."""
    assert decision.explanation
    if isinstance(decision, Released):
        assert decision.basis
    else:
        assert isinstance(decision, Withheld) and decision.reason


def check_other_task_force(decision, viewer, record, **_):
    if viewer.task_force_id != record.task_force_id:
        assert isinstance(decision, Withheld)
        assert decision.reason == "other_task_force"


def check_never_shared(decision, viewer, record, spec, **_):
    """S12: never-shared stays with the producer's investigators and prosecutors."""
    if spec.field_class == FieldClass.NEVER_SHARED and isinstance(decision, Released):
        assert viewer.agency_id == record.produced_by_agency_id
        assert viewer.roles & {"investigator", "prosecutor"}
        assert viewer.sector in LE_OR_PROSECUTION
        assert viewer.cji_cleared


def check_provider_records(decision, viewer, record, spec, consent_list, **_):
    """S10: another agency needs a release in effect that names it, covers the category,
    comes from the producing provider and concerns this victim."""
    if (
        spec.field_class == FieldClass.VSP_CONFIDENTIAL
        and isinstance(decision, Released)
        and record.produced_by_sector == Sector.VICTIM_SERVICES
        and viewer.agency_id != record.produced_by_agency_id
    ):
        assert decision.basis.startswith("consent:")
        consent = next(c for c in consent_list if c.id == decision.consent_id)
        assert consent.victim_id == record.victim_id
        assert consent.produced_by_agency_id == record.produced_by_agency_id
        assert viewer.agency_id in consent.recipient_agency_ids
        assert spec.category in consent.categories
        assert consent_state(consent, now=NOW) is None
        assert consent.signers_complete
        assert consent.starts_at <= NOW < consent.expires_at
        assert consent.revoked_at is None or consent.revoked_at > NOW


def check_immigration(decision, viewer, spec, **_):
    """S11: immigration-relief records only to explicitly authorized users."""
    if spec.field_class == FieldClass.IMMIGRATION_1367 and not viewer.immigration_authorized:
        assert isinstance(decision, Withheld)


def check_cji_gate(decision, viewer, spec, **_):
    """S14: CJI never reaches law enforcement or prosecution failing the personnel gate."""
    if (
        spec.field_class in (FieldClass.LE_SENSITIVE, FieldClass.NEVER_SHARED)
        and viewer.sector in LE_OR_PROSECUTION
        and not viewer.cji_cleared
    ):
        assert isinstance(decision, Withheld)


def check_case_role(decision, viewer, **_):
    """Auditors and signatories never see case values."""
    if not viewer.roles & CASE_ROLES:
        assert isinstance(decision, Withheld)


def check_basis(decision, viewer, record, spec, rules, **_):
    """Outside its own records an agency sees only what a rule of the protocol, its part in
    the case (case-basic, serving provider) or the coordinator role gives it."""
    if not isinstance(decision, Released) or viewer.agency_id == record.produced_by_agency_id:
        return
    if decision.rule_id is not None:
        rule = next(
            r
            for r in rules
            if r.id == decision.rule_id
            and r.field_class == spec.field_class
            and record.stage in r.stages
            and viewer.sector in r.to_sectors
            and record.produced_by_sector in r.from_sectors
        )
        assert not rule.categories or spec.category in rule.categories
    elif decision.basis == "case_participant":
        assert spec.field_class == FieldClass.CASE_BASIC
        assert viewer.agency_id in record.participants
    elif decision.basis == "coordinator":
        assert spec.field_class == FieldClass.CASE_BASIC
        assert "coordinator" in viewer.roles
    else:
        assert decision.basis == "serving_provider"
        assert spec.field_class == FieldClass.VSP_CONFIDENTIAL
        assert record.produced_by_sector != Sector.VICTIM_SERVICES
        assert viewer.agency_id in record.serving_provider_ids


INVARIANTS = (
    check_explains_itself,
    check_other_task_force,
    check_never_shared,
    check_provider_records,
    check_immigration,
    check_cji_gate,
    check_case_role,
    check_basis,
)


@PROPERTY_SETTINGS
@given(world=worlds())
def test_legal_invariants_hold(world) -> None:
    """One random world (viewer, record, field, protocol rules, releases), every invariant."""
    viewer, record, spec, rules, consent_list = world
    decision = decide(viewer, record, spec, rules, consent_list)
    for invariant in INVARIANTS:
        invariant(
            decision,
            viewer=viewer,
            record=record,
            spec=spec,
            rules=rules,
            consent_list=consent_list,
        )
    # Same inputs, same answer: no hidden cache carries another viewer's answer over.
    other = replace(viewer, agency_id=99, roles=frozenset({"coordinator"}))
    decide(other, record, spec, rules, consent_list)
    assert decide(viewer, record, spec, rules, consent_list) == decision


@given(viewer=viewers(), record=records(), category=st.sampled_from(("identity", "x")))
@settings(max_examples=50, deadline=None)
def test_unknown_field_classes_and_actions_are_withheld(viewer, record, category) -> None:
    unknown_class = field_decision(
        viewer=viewer, record=record, spec=FieldSpec("secret-sauce", category), rules=(), now=NOW
    )
    assert isinstance(unknown_class, Withheld) and unknown_class.reason == "unknown_class"
    unknown_action = field_decision(
        viewer=viewer,
        record=record,
        spec=FieldSpec(FieldClass.CASE_BASIC, category),
        rules=(),
        now=NOW,
        action="delete",
    )
    assert isinstance(unknown_action, Withheld) and unknown_action.reason == "unknown_action"
