"""The door's decision cache gives exactly the policy's answer, for every record of a request.

The cache is keyed on the whole ``RecordContext``: a key that left out any part of it (the
producer, its sector, the stage, the participants, the victim or her serving provider) would
hand one record's decision to another. The example below is the attack that found the hole: a
provider's confidential victim record decided after law enforcement's own record of the same
class must not come back "own agency".
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.model import FieldClass, Sector, SharingRule, Stage
from accord.sharing.door.access import DecisionCache
from accord.sharing.policy import (
    FieldSpec,
    Participants,
    RecordContext,
    Released,
    Viewer,
    Withheld,
    field_decision,
)

from .strategies import NOW, consents, records, sharing_rules, specs, viewers


def _cache(viewer, consent_list=()):
    by_victim: dict[int, tuple] = {}
    for consent in consent_list:
        by_victim[consent.victim_id] = (*by_victim.get(consent.victim_id, ()), consent)
    return DecisionCache(viewer=viewer, consents=by_victim, now=NOW), by_victim


def test_records_of_one_class_from_two_producers_are_decided_apart() -> None:
    """Law enforcement's own victim record is released to it; the provider's is not."""
    police = Viewer(
        user_id=1,
        agency_id=1,
        sector=Sector.LAW_ENFORCEMENT_LOCAL,
        roles=frozenset({"investigator"}),
        task_force_id=1,
        cji_cleared=True,
    )
    cache, _ = _cache(police)
    spec = FieldSpec(FieldClass.VSP_CONFIDENTIAL, "contact")
    common = {
        "task_force_id": 1,
        "stage": Stage.INVESTIGATION,
        "participants": {1: False, 2: True},
        "victim_id": 7,
        "victim_serving_provider_id": 2,
    }
    own = RecordContext(
        produced_by_agency_id=1, produced_by_sector=Sector.LAW_ENFORCEMENT_LOCAL, **common
    )
    providers = RecordContext(
        produced_by_agency_id=2, produced_by_sector=Sector.VICTIM_SERVICES, **common
    )
    first = cache.decide(record=own, spec=spec, rules=(), rules_version=1)
    second = cache.decide(record=providers, spec=spec, rules=(), rules_version=1)
    assert isinstance(first, Released) and first.basis == "own_agency"
    assert isinstance(second, Withheld)


def test_the_rules_version_is_part_of_the_key() -> None:
    """Two cases under two protocol versions on one page: each is decided by its own rules."""
    viewer = Viewer(
        user_id=1,
        agency_id=1,
        sector=Sector.LAW_ENFORCEMENT_LOCAL,
        roles=frozenset({"investigator"}),
        task_force_id=1,
        cji_cleared=True,
    )
    record = RecordContext(
        task_force_id=1,
        stage=Stage.INVESTIGATION,
        participants={1: False, 3: False},
        produced_by_agency_id=3,
        produced_by_sector=Sector.LAW_ENFORCEMENT_FEDERAL,
    )
    spec = FieldSpec(FieldClass.LE_SENSITIVE, "investigation")
    rule = SharingRule(
        id="le-to-le",
        field_class=FieldClass.LE_SENSITIVE,
        from_sectors=frozenset({Sector.LAW_ENFORCEMENT_FEDERAL}),
        to_sectors=frozenset({Sector.LAW_ENFORCEMENT_LOCAL}),
        stages=frozenset(Stage),
    )
    cache, _ = _cache(viewer)
    assert isinstance(
        cache.decide(record=record, spec=spec, rules=(rule,), rules_version=1), Released
    )
    assert isinstance(cache.decide(record=record, spec=spec, rules=(), rules_version=2), Withheld)


def test_participants_are_hashable_and_equal_by_content() -> None:
    assert Participants({1: True, 2: False}) == Participants([(2, False), (1, True)])
    assert hash(Participants({1: True})) == hash(Participants([(1, True)]))
    assert Participants({1: True}) != Participants({1: False})


@given(
    viewer=viewers(),
    recs=st.lists(records(), min_size=1, max_size=8),
    spec_list=st.lists(specs, min_size=1, max_size=4),
    rules=st.lists(sharing_rules(), max_size=4),
    consent_list=st.lists(consents(), max_size=4),
    order=st.randoms(use_true_random=False),
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_cached_decisions_equal_uncached_ones(
    viewer, recs, spec_list, rules, consent_list, order
) -> None:
    """Over records from several producers, agencies, stages and releases, asked in any order
    and more than once, the cache answers what the policy answers."""
    cache, by_victim = _cache(viewer, consent_list)
    questions = [(record, spec) for record in recs for spec in spec_list] * 2
    order.shuffle(questions)
    for record, spec in questions:
        cached = cache.decide(record=record, spec=spec, rules=tuple(rules), rules_version=1)
        direct = field_decision(
            viewer=viewer,
            record=record,
            spec=spec,
            rules=tuple(rules),
            consents=by_victim.get(record.victim_id, ()) if record.victim_id else (),
            now=NOW,
        )
        assert cached == direct, (record, spec)
