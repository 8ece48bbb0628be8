"""Hypothesis strategies: random viewers, records, sharing rules and releases (all invented)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from accord.core.model import Audience, FieldClass, Sector, SharingRule, Stage
from accord.sharing.policy import ConsentView, FieldSpec, RecordContext, Viewer

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
AGENCIES = range(1, 6)
TASK_FORCES = (1, 2)
CASE_ROLES = ("coordinator", "investigator", "prosecutor", "advocate", "interpreter_coordinator")
ROLES = (
    "coordinator",
    "investigator",
    "prosecutor",
    "advocate",
    "interpreter_coordinator",
    "signatory",
    "auditor",
)
CATEGORIES = ("identity", "contact", "investigation")
#: One sector of each kind the policy treats differently keeps matches (and leaks) frequent.
SECTORS = (
    Sector.LAW_ENFORCEMENT_LOCAL,
    Sector.LAW_ENFORCEMENT_FEDERAL,
    Sector.PROSECUTION,
    Sector.VICTIM_SERVICES,
    Sector.LEGAL_SERVICES,
)

sectors = st.sampled_from(SECTORS)
sector_sets = st.frozensets(sectors, min_size=1, max_size=4)


@st.composite
def viewers(draw: st.DrawFn) -> Viewer:
    return Viewer(
        user_id=draw(st.integers(1, 50)),
        agency_id=draw(st.sampled_from(AGENCIES)),
        sector=draw(sectors),
        roles=draw(
            st.frozensets(st.sampled_from(ROLES), min_size=1, max_size=2)
            | st.sampled_from(CASE_ROLES).map(lambda role: frozenset({role}))
        ),
        task_force_id=draw(st.sampled_from(TASK_FORCES)),
        committees=draw(
            st.frozensets(st.sampled_from(("victim_services_committee", "executive_committee")))
        ),
        immigration_authorized=draw(st.booleans()),
        cji_cleared=draw(st.booleans()),
    )


@st.composite
def records(draw: st.DrawFn) -> RecordContext:
    participants = draw(st.dictionaries(st.sampled_from(AGENCIES), st.booleans(), max_size=5))
    return RecordContext(
        task_force_id=draw(st.sampled_from(TASK_FORCES)),
        stage=draw(st.sampled_from(tuple(Stage))),
        participants=participants,
        produced_by_agency_id=draw(st.sampled_from(AGENCIES)),
        produced_by_sector=draw(sectors),
        victim_id=draw(st.none() | st.integers(1, 2)),
        victim_serving_provider_id=draw(st.none() | st.sampled_from(AGENCIES)),
    )


specs = st.builds(
    FieldSpec,
    field_class=st.sampled_from(tuple(FieldClass)),
    category=st.sampled_from(CATEGORIES),
)


@st.composite
def sharing_rules(draw: st.DrawFn) -> SharingRule:
    """Any rule at all, including ones the loader refuses: the policy must hold regardless."""
    return SharingRule(
        id=f"R{draw(st.integers(1, 99))}",
        field_class=draw(st.sampled_from(tuple(FieldClass))),
        from_sectors=draw(sector_sets),
        to_sectors=draw(sector_sets),
        stages=draw(st.frozensets(st.sampled_from(tuple(Stage)), min_size=1)),
        audience=draw(st.sampled_from(tuple(Audience))),
        categories=draw(
            st.just(frozenset()) | st.frozensets(st.sampled_from(CATEGORIES), max_size=2)
        ),
        requires_consent=draw(st.booleans()),
        authorized_only=draw(st.booleans()),
    )


@st.composite
def consents(draw: st.DrawFn) -> ConsentView:
    """Valid, expired, revoked, not yet started, wrong recipient/category, minor without guardian.

    Times sit on the edges (one second either side of ``NOW``) as often as in the middle.
    """
    state = draw(
        st.sampled_from(
            (
                "valid",
                "valid",
                "valid",
                "expired",
                "expires_now",
                "revoked",
                "revoked_later",
                "not_started",
                "edge",
            )
        )
    )
    second = timedelta(seconds=1)
    starts_at = NOW - timedelta(days=draw(st.integers(1, 60)))
    expires_at = NOW + timedelta(days=draw(st.integers(1, 29)))
    revoked_at = None
    if state == "expired":
        expires_at = NOW - second
    elif state == "expires_now":
        expires_at = NOW
    elif state == "edge":
        expires_at = NOW + second
    elif state == "revoked":
        revoked_at = draw(st.sampled_from((NOW, NOW - second, NOW - timedelta(days=2))))
    elif state == "revoked_later":
        revoked_at = NOW + second
    elif state == "not_started":
        starts_at = NOW + second
    return ConsentView(
        id=draw(st.integers(1, 1000)),
        victim_id=draw(st.integers(1, 2)),
        produced_by_agency_id=draw(st.sampled_from(AGENCIES)),
        recipient_agency_ids=draw(st.frozensets(st.sampled_from(AGENCIES), max_size=2)),
        categories=draw(st.frozensets(st.sampled_from(CATEGORIES), max_size=2)),
        starts_at=starts_at,
        expires_at=expires_at,
        revoked_at=revoked_at,
        signers_complete=likely(draw),
    )


def likely(draw: st.DrawFn) -> bool:
    """True seven times in ten: biases worlds towards matches, where leaks would hide."""
    return draw(st.integers(0, 9)) < 7


@st.composite
def worlds(
    draw: st.DrawFn,
) -> tuple[Viewer, RecordContext, FieldSpec, list[SharingRule], list[ConsentView]]:
    """A viewer, a record, a field, rules and releases drawn to match each other often."""
    viewer = draw(viewers())
    record = draw(records())
    if likely(draw):
        record = RecordContext(
            task_force_id=viewer.task_force_id,
            stage=record.stage,
            participants={
                **record.participants,
                viewer.agency_id: record.participants.get(viewer.agency_id, False),
            }
            if likely(draw)
            else record.participants,
            produced_by_agency_id=record.produced_by_agency_id,
            produced_by_sector=record.produced_by_sector,
            victim_id=record.victim_id if record.victim_id is not None else 1,
            victim_serving_provider_id=record.victim_serving_provider_id,
        )
    category = draw(st.sampled_from(CATEGORIES))
    field_class = draw(st.sampled_from(tuple(FieldClass)))
    if field_class is FieldClass.VSP_CONFIDENTIAL and likely(draw):
        record = replace(record, produced_by_sector=Sector.VICTIM_SERVICES)
    if field_class is FieldClass.IMMIGRATION_1367 and likely(draw):
        viewer = replace(viewer, immigration_authorized=True)
    rules = []
    for number, rule in enumerate(draw(st.lists(sharing_rules(), min_size=1, max_size=4))):
        rules.append(
            SharingRule(
                id=f"R{number + 1}",  # ids are unique within a protocol (the loader insists)
                field_class=field_class if likely(draw) else rule.field_class,
                from_sectors=rule.from_sectors
                | ({record.produced_by_sector} if likely(draw) else set()),
                to_sectors=rule.to_sectors | ({viewer.sector} if likely(draw) else set()),
                stages=rule.stages | ({record.stage} if likely(draw) else set()),
                audience=rule.audience,
                categories=rule.categories,
                requires_consent=rule.requires_consent,
                authorized_only=rule.authorized_only,
            )
        )
    releases = []
    for number, consent in enumerate(draw(st.lists(consents(), max_size=3)), start=1):
        releases.append(
            ConsentView(
                id=number,
                victim_id=record.victim_id
                if likely(draw) and record.victim_id
                else consent.victim_id,
                produced_by_agency_id=record.produced_by_agency_id
                if likely(draw)
                else consent.produced_by_agency_id,
                recipient_agency_ids=consent.recipient_agency_ids
                | ({viewer.agency_id} if likely(draw) else set()),
                categories=consent.categories | ({category} if likely(draw) else set()),
                starts_at=consent.starts_at,
                expires_at=consent.expires_at,
                revoked_at=consent.revoked_at,
                signers_complete=consent.signers_complete,
            )
        )
    return viewer, record, FieldSpec(field_class, category), rules, releases
