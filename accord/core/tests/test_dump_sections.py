"""Every section the guided forms edit survives dump and load unchanged (issue 14).

The guided section editor builds core model entries and saves the protocol as
``dump_protocol`` writes it; the YAML view must read back exactly that model. Here the
responsibilities, deadlines, sharing rules, escalation ladder and training requirements are
generated (with awkward text: quotes, colons, hashes, leading dashes, words YAML reads as
booleans or numbers) and put into the example protocol; loading the dump gives the same model.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.dump import dump_protocol
from accord.core.load import load_protocol
from accord.core.model import (
    ANCHOR_EVENTS,
    Audience,
    Deadline,
    EscalationLevel,
    FieldClass,
    Protocol,
    Responsibility,
    Sector,
    SharingRule,
    Stage,
    TrainingRequirement,
    title_placeholders,
)
from accord.core.tests.conftest import EXAMPLE

BASE = load_protocol(EXAMPLE)
ORGANIZATIONS = sorted(k for k, v in BASE.directory.items() if v.kind == "organization")
TRAINING_IDS = ("t-one", "t-two")

#: Text a coordinator might type, including what YAML would otherwise read as something else.
TEXT = (
    st.one_of(
        st.sampled_from(
            ["yes", "no", "true", "null", "~", "123", "1.5", "- a dash", "a: colon", "#hash", "'q'"]
        ),
        st.text(
            alphabet=st.sampled_from(list("abcXYZ éü—“”'\":#-[]{},&*!|>%@`")),
            min_size=1,
            max_size=30,
        ),
    )
    .map(str.strip)
    .filter(bool)
)
#: A task title: any such text but one with a ``{name}`` that is not a placeholder of the
#: protocol (the loader refuses it: it names no decision output; there is no escape for braces).
TITLES = TEXT.filter(lambda text: not title_placeholders(text))
IDS = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
ROLES = st.sampled_from(["advocate", "case_agent", "prosecutor", "investigator", "coordinator"])
MINUTES = st.integers(1, 60 * 24 * 30)


def _unique_ids(draw: st.DrawFn, count: int) -> list[str]:
    ids: list[str] = draw(st.lists(IDS, min_size=count, max_size=count, unique=True))
    return ids


@st.composite
def deadlines(draw) -> tuple[Deadline, ...]:
    count = draw(st.integers(0, 4))
    answers = [
        (f"{d.id}.{o.name}", v)
        for d in BASE.decisions.values()
        for o in d.outputs
        for v in o.values
    ]
    result = []
    for identifier in _unique_ids(draw, count):
        when_output = dict(draw(st.lists(st.sampled_from(answers), max_size=2)))
        result.append(
            Deadline(
                id=identifier,
                task=draw(TITLES),
                owner_sector=draw(st.none() | st.sampled_from(list(Sector))),
                owner_role=draw(ROLES),
                anchor=draw(st.sampled_from(ANCHOR_EVENTS)),
                offset_minutes=draw(MINUTES) * draw(st.sampled_from([1, -1])),
                when_output=when_output,
                owner_organization=draw(st.none() | st.sampled_from(ORGANIZATIONS)),
                requires_training=tuple(
                    draw(st.lists(st.sampled_from(TRAINING_IDS), unique=True, max_size=2))
                ),
                for_each=draw(st.none() | st.sampled_from(sorted(BASE.decisions))),
                field_class=draw(
                    st.sampled_from(
                        [
                            FieldClass.CASE_BASIC,
                            FieldClass.LE_SENSITIVE,
                            FieldClass.VSP_CONFIDENTIAL,
                        ]
                    )
                ),
            )
        )
    return tuple(result)


SECTORS = st.frozensets(st.sampled_from(list(Sector)), min_size=1)
IMMIGRATION_TO = st.frozensets(
    st.sampled_from([Sector.LAW_ENFORCEMENT_FEDERAL, Sector.PROSECUTION, Sector.LEGAL_SERVICES]),
    min_size=1,
)


@st.composite
def sharing_rules(draw) -> tuple[SharingRule, ...]:
    result = []
    for identifier in _unique_ids(draw, draw(st.integers(0, 4))):
        field_class = draw(
            st.sampled_from(
                [
                    FieldClass.CASE_BASIC,
                    FieldClass.LE_SENSITIVE,
                    FieldClass.VSP_CONFIDENTIAL,
                    FieldClass.IMMIGRATION_1367,
                ]
            )
        )
        immigration = field_class is FieldClass.IMMIGRATION_1367
        result.append(
            SharingRule(
                id=identifier,
                field_class=field_class,
                from_sectors=draw(SECTORS),
                to_sectors=draw(IMMIGRATION_TO if immigration else SECTORS),
                stages=draw(st.frozensets(st.sampled_from(list(Stage)), min_size=1)),
                audience=draw(st.sampled_from(list(Audience))),
                categories=draw(st.frozensets(IDS, max_size=3)),
                # the law: victim-service data leaves only with a release (the loader refuses)
                requires_consent=field_class is FieldClass.VSP_CONFIDENTIAL or draw(st.booleans()),
                authorized_only=immigration or draw(st.booleans()),
                note=draw(st.just("") | TEXT),
            )
        )
    return tuple(result)


@st.composite
def escalation(draw) -> tuple[EscalationLevel, ...]:
    count = draw(st.integers(0, 4))
    return tuple(
        EscalationLevel(
            level=index + 1,
            name=draw(TEXT),
            decided_by=draw(st.sampled_from([*BASE.committees, "party_leads"])),
            time_limit_hours=draw(st.integers(1, 24 * 60)),
        )
        for index in range(count)
    )


@st.composite
def training(draw) -> tuple[TrainingRequirement, ...]:
    ids = list(TRAINING_IDS) + _unique_ids(draw, draw(st.integers(0, 2)))
    ids = list(dict.fromkeys(ids))
    return tuple(
        TrainingRequirement(
            id=identifier,
            course=draw(TEXT),
            roles=draw(st.frozensets(ROLES, max_size=3)),
            renew_months=draw(st.none() | st.integers(1, 120)),
            gates=tuple(draw(st.lists(st.sampled_from(["cji_access", "case_work"]), unique=True))),
        )
        for identifier in ids
    )


@st.composite
def responsibilities(draw) -> tuple[Responsibility, ...]:
    sectors = draw(st.lists(st.sampled_from(list(Sector)), unique=True, max_size=4))
    return tuple(
        Responsibility(
            sector=sector,
            summary=draw(st.just("") | TEXT),
            duties=tuple(draw(st.lists(TEXT, max_size=3))),
            contacts=tuple(draw(st.lists(st.sampled_from(ORGANIZATIONS), unique=True, max_size=3))),
        )
        for sector in sectors
    )


@st.composite
def protocols(draw) -> Protocol:
    return dataclasses.replace(
        BASE,
        deadlines=draw(deadlines()),
        sharing=draw(sharing_rules()),
        escalation=draw(escalation()),
        training=draw(training()),
        responsibilities=draw(responsibilities()),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(protocol=protocols())
def test_generated_sections_survive_dump_and_load(protocol: Protocol) -> None:
    dumped = dump_protocol(protocol)
    assert load_protocol(dumped) == protocol
