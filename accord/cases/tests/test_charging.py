"""Charging by what the charge is: categories, the protocol's guidance for this person's facts,
Safe Harbor for minors whatever the protocol says, and remedy tasks for participants, once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.cases.models import (
    COMMERCIAL_SEX_CHARGES,
    Case,
    CaseParticipant,
    ChargeCategory,
    ChargingDecision,
    ChargingRecord,
    PotentialVictim,
    Task,
)
from accord.cases.services import charging_record
from accord.cases.services._common import participant_ensure
from accord.cases.services.charging import ADULT_AGE, charge_refusal
from accord.core.evaluate import evaluate_protocol, json_value
from accord.core.load import load_protocol_file
from accord.errors import ValidationError

from .conftest import EXAMPLE, open_case

PROTOCOL = load_protocol_file(EXAMPLE)
GENDERS = list(PROTOCOL.factors["victim_gender"].domain.values)
CITIZENSHIPS = list(PROTOCOL.factors["victim_citizenship"].domain.values)


@pytest.fixture
def case(people) -> Case:
    return open_case(people["rpd"])


@pytest.fixture
def victim(case) -> PotentialVictim:
    return case.potentialvictims.get()


def _age(victim: PotentialVictim, age: int | None) -> None:
    PotentialVictim.objects.filter(pk=victim.pk).update(age=age)


def _charge(actor: Any, victim: PotentialVictim, **kwargs: Any) -> ChargingRecord:
    values = {"arrested": True, "charged": False, "decision": "charged", **kwargs}
    return charging_record(actor=actor, victim_id=victim.pk, **values)


@pytest.mark.parametrize("category", sorted(COMMERCIAL_SEX_CHARGES))
def test_a_minor_is_never_charged_with_a_commercial_sex_offense(people, case, victim, category):
    _age(victim, 17)
    with pytest.raises(ValidationError, match="Safe Harbor") as refused:
        _charge(people["rpd"], victim, charge_category=category)
    assert refused.value.data["field"] == "decision"
    assert not ChargingRecord.objects.filter(case=case).exists()
    assert AuditEvent.objects.filter(event=AuditEventType.CHARGING_DECISION_RECORDED).count() == 0


def test_the_category_decides_not_the_words(people, case, victim):
    _age(victim, 17)
    record = _charge(
        people["rpd"],
        victim,
        charge_category="other_offense",
        charge_description="prostitution-adjacent trespass (words do not matter)",
    )
    assert record.charge_category == "other_offense"
    with pytest.raises(ValidationError, match="Safe Harbor"):
        _charge(people["rpd"], victim, charge_category="solicitation", charge_description="x")


@pytest.mark.parametrize(
    ("age", "message"),
    [(17, "Safe Harbor"), (18, "while screened as a trafficking victim")],
)
def test_the_guidance_at_the_age_boundary(people, victim, age, message):
    _age(victim, age)
    with pytest.raises(ValidationError, match=message):
        _charge(people["rpd"], victim, charge_category="prostitution")


def test_an_adult_may_be_recorded_charged_with_another_offense(people, victim):
    _age(victim, ADULT_AGE)
    record = _charge(people["rpd"], victim, charge_category="other_offense")
    assert record.decision == ChargingDecision.CHARGED
    assert AuditEvent.objects.filter(
        event=AuditEventType.CHARGING_DECISION_RECORDED, object_id=str(record.pk)
    ).exists()


def test_unknown_age_is_treated_as_possibly_a_minor(people, case, victim):
    _age(victim, None)
    Case.objects.filter(pk=case.pk).update(facts={**case.facts, "victim_age": "unknown"})
    with pytest.raises(ValidationError, match="age") as refused:
        _charge(people["rpd"], victim, charge_category="prostitution")
    assert refused.value.data["field"] == "age"
    assert not ChargingRecord.objects.filter(case=case).exists()


def test_a_charge_needs_its_category(people, victim):
    with pytest.raises(ValidationError) as refused:
        _charge(people["rpd"], victim, charge_category="", charge_description="Prostitution")
    assert refused.value.data["field"] == "charge_category"
    with pytest.raises(ValidationError) as unknown:
        _charge(people["rpd"], victim, charge_category="jaywalking")
    assert unknown.value.data["field"] == "charge_category"


def test_remedy_tasks_go_to_participants_and_are_created_once(people, case, victim):
    assert not CaseParticipant.objects.filter(case=case, agency__slug="legal-aid").exists()
    for _ in range(2):  # the same charge recorded twice
        _charge(
            people["rpd"],
            victim,
            charged=True,
            decision="dismissal_sought",
            charge_category="prostitution",
            identified_after_charges=True,
        )
    tasks = Task.objects.filter(case=case, anchor="charges_filed")
    assert sorted(tasks.values_list("deadline_id", "owner_agency__slug", "anchor_ref")) == [
        ("remedy-motion_to_dismiss", "da-example", f"victim:{victim.pk}"),
        ("remedy-vacatur", "legal-aid", f"victim:{victim.pk}"),
    ]
    joined = set(CaseParticipant.objects.filter(case=case).values_list("agency__slug", flat=True))
    assert {"da-example", "legal-aid"} <= joined  # every owner works the case
    assert AuditEvent.objects.filter(event=AuditEventType.REMEDY_TASK_CREATED).count() == 2
    assert AuditEvent.objects.filter(event=AuditEventType.CHARGING_DECISION_RECORDED).count() == 2


def test_the_prosecuting_participant_moves_to_dismiss(people, county, case, victim):
    participant_ensure(case=case, agency=county["usao-example"], now=case.opened_at)
    _charge(
        people["rpd"],
        victim,
        charged=True,
        decision="dismissal_sought",
        charge_category="solicitation",
    )
    owner = Task.objects.get(case=case, deadline_id="remedy-motion_to_dismiss").owner_agency
    assert owner.slug == "usao-example"


# --- the rule over every combination ----------------------------------------------------------


def _guidance(facts: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    result = evaluate_protocol(PROTOCOL, facts)["charging"]
    if not result.answered:
        return []
    value = json_value(result.result)
    return [r for r in (value if isinstance(value, list) else [value]) if isinstance(r, Mapping)]


@given(
    category=st.sampled_from(ChargeCategory.values),
    decision=st.sampled_from(ChargingDecision.values),
    age=st.integers(min_value=0, max_value=120),
    gender=st.sampled_from(GENDERS),
    citizenship=st.sampled_from(CITIZENSHIPS),
    charged=st.booleans(),
)
def test_no_commercial_sex_charge_of_a_minor_is_ever_accepted(
    category, decision, age, gender, citizenship, charged
):
    """Over category, age, gender and citizenship, with the example protocol's guidance for
    those facts: a decision to charge a minor with a commercial-sex offense is always refused,
    and only decisions to charge with a commercial-sex offense are ever refused."""
    rows = _guidance(
        {
            "victim_age": age,
            "victim_gender": gender,
            "victim_citizenship": citizenship,
            "victim_charged": charged,
        }
    )
    refusal = charge_refusal(category=category, decision=decision, age=age, guidance_rows=rows)
    to_charge = decision == ChargingDecision.CHARGED and category in COMMERCIAL_SEX_CHARGES
    if to_charge and age < ADULT_AGE:
        assert refusal is not None and "Safe Harbor" in refusal[1]
    if not to_charge:
        assert refusal is None


@given(
    age=st.integers(min_value=0, max_value=ADULT_AGE - 1),
    category=st.sampled_from(sorted(COMMERCIAL_SEX_CHARGES)),
)
def test_safe_harbor_holds_even_when_the_protocol_says_nothing(age, category):
    """The law, not the protocol: with no guidance rows at all a minor is still never charged."""
    refusal = charge_refusal(category=category, decision="charged", age=age, guidance_rows=[])
    assert refusal is not None and refusal[0] == "decision"
