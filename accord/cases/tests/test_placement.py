"""Placement follows the directory: eligibility (age, gender) and beds decide; only a
coordinator's recorded emergency override places outside eligibility, flagged and audited; a
placement's end gives its bed back."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.cases.models import CaseEvent, Placement, PotentialVictim
from accord.cases.services import placement_end, placement_record
from accord.directory.models import Service
from accord.errors import ConflictError, PermissionDenied, ValidationError
from conftest import sign_in

from .conftest import open_case

ADULT_SHELTER = "harbor-light-safe-house"  # 1 bed in the test county
YOUTH_SHELTER = "riverside-youth-shelter"  # 3 beds


@pytest.fixture
def case(people):
    return open_case(people["rpd"])


@pytest.fixture
def victim(case) -> PotentialVictim:
    return case.potentialvictims.get()


@pytest.fixture(autouse=True)
def eligibility(county):
    """The directory's eligibility: an adult women's safe house, a youth shelter for 12-17."""
    Service.objects.filter(slug=ADULT_SHELTER).update(minimum_age=18, genders=",female,")
    Service.objects.filter(slug=YOUTH_SHELTER).update(minimum_age=12, maximum_age=17)


def _person(victim: PotentialVictim, *, age: int, gender: str = "female") -> None:
    PotentialVictim.objects.filter(pk=victim.pk).update(age=age, gender=gender)


def _beds(slug: str) -> int | None:
    return Service.objects.get(slug=slug).beds_available


def _audited(event: AuditEventType) -> int:
    return AuditEvent.objects.filter(event=event).count()


def test_a_16_year_old_is_refused_at_an_18_plus_shelter_with_the_reason_and_nothing_stored(
    people, case, victim
):
    _person(victim, age=16)
    with pytest.raises(ValidationError) as refused:
        placement_record(
            actor=people["rpd"], victim_id=victim.pk, kind="shelter", service=ADULT_SHELTER
        )
    assert refused.value.data["field"] == "service"
    assert refused.value.data["excluded_by"] == ["age"]
    assert "Age:" in refused.value.message and "18 and over" in refused.value.message
    assert "this person is 16" in refused.value.message
    assert not case.placements.exists()
    assert _beds(ADULT_SHELTER) == 1
    assert _audited(AuditEventType.PLACEMENT_RECORDED) == 0


@pytest.mark.parametrize(
    ("slug", "age", "admitted"),
    [
        (ADULT_SHELTER, 17, False),
        (ADULT_SHELTER, 18, True),
        (YOUTH_SHELTER, 11, False),
        (YOUTH_SHELTER, 12, True),
        (YOUTH_SHELTER, 17, True),
        (YOUTH_SHELTER, 18, False),
    ],
)
def test_eligibility_age_range_edges_are_inclusive(people, victim, slug, age, admitted):
    _person(victim, age=age)
    if admitted:
        placement = placement_record(
            actor=people["rpd"], victim_id=victim.pk, kind="shelter", service=slug
        )
        assert placement.bed_reserved and not placement.outside_eligibility
    else:
        with pytest.raises(ValidationError, match="Age:"):
            placement_record(actor=people["rpd"], victim_id=victim.pk, kind="shelter", service=slug)


def test_gender_the_service_does_not_serve_is_refused_naming_gender(people, victim):
    _person(victim, age=30, gender="male")
    with pytest.raises(ValidationError) as refused:
        placement_record(
            actor=people["rpd"], victim_id=victim.pk, kind="shelter", service=ADULT_SHELTER
        )
    assert refused.value.data["excluded_by"] == ["gender"]
    assert "Gender:" in refused.value.message and "serves female" in refused.value.message


def test_capacity_exactly_full_is_refused_and_the_last_bed_is_taken(people, case, victim):
    _person(victim, age=30)
    placement_record(
        actor=people["rpd"], victim_id=victim.pk, kind="shelter", service=ADULT_SHELTER
    )
    assert _beds(ADULT_SHELTER) == 0  # the last bed was free: taken
    with pytest.raises(ValidationError, match="No bed is free") as refused:
        placement_record(
            actor=people["rpd"], victim_id=victim.pk, kind="shelter", service=ADULT_SHELTER
        )
    assert refused.value.data["field"] == "service"
    assert case.placements.count() == 1


def test_a_full_service_is_not_overridden_even_by_a_coordinator(people, case, victim):
    _person(victim, age=16)
    Service.objects.filter(slug=ADULT_SHELTER).update(beds_available=0)
    with pytest.raises(ValidationError, match="No bed is free"):
        placement_record(
            actor=people["coordinator"],
            victim_id=victim.pk,
            kind="shelter",
            service=ADULT_SHELTER,
            override_reason="Nowhere else tonight.",
        )
    assert not case.placements.exists()
    assert _audited(AuditEventType.PLACEMENT_OVERRIDE_RECORDED) == 0


def test_coordinators_emergency_override_is_recorded_flagged_and_audited(people, case, victim):
    _person(victim, age=16)
    placement = placement_record(
        actor=people["coordinator"],
        victim_id=victim.pk,
        kind="shelter",
        service=ADULT_SHELTER,
        override_reason="Youth shelter full; she stays one night with staff on watch.",
    )
    assert placement.outside_eligibility and placement.override_by == people["coordinator"]
    assert placement.override_at is not None and "Age:" in placement.eligibility_finding
    assert placement.override_reason.startswith("Youth shelter full")
    assert _beds(ADULT_SHELTER) == 0
    audit = AuditEvent.objects.get(event=AuditEventType.PLACEMENT_OVERRIDE_RECORDED)
    assert audit.object_id == str(placement.pk) and audit.detail["excluded_by"] == ["age"]
    assert CaseEvent.objects.filter(case=case, kind="placement_override").exists()
    page = sign_in(Client(), people["rpd"]).get(reverse("cases:detail", args=[case.pk]))
    assert "Outside the directory's eligibility" in page.content.decode()
    timeline = sign_in(Client(), people["rpd"]).get(reverse("cases:timeline", args=[case.pk]))
    assert "override recorded by" in timeline.content.decode()


def test_only_a_coordinator_may_override(people, case, victim):
    _person(victim, age=16)
    with pytest.raises(PermissionDenied, match="coordinator") as refused:
        placement_record(
            actor=people["rpd"],
            victim_id=victim.pk,
            kind="shelter",
            service=ADULT_SHELTER,
            override_reason="Emergency.",
        )
    assert refused.value.data["field"] == "override_reason"
    assert not case.placements.exists() and _beds(ADULT_SHELTER) == 1


def test_an_override_where_none_is_needed_is_refused(people, victim):
    _person(victim, age=30)
    with pytest.raises(ValidationError, match="No override is needed"):
        placement_record(
            actor=people["coordinator"],
            victim_id=victim.pk,
            kind="shelter",
            service=ADULT_SHELTER,
            override_reason="Just in case.",
        )


def test_a_service_not_in_the_directory_is_refused_naming_the_field(people, victim):
    with pytest.raises(ValidationError) as refused:
        placement_record(
            actor=people["rpd"], victim_id=victim.pk, kind="shelter", service="no-such-place"
        )
    assert refused.value.data["field"] == "service"


def test_ending_a_placement_releases_its_bed_once(people, case, victim):
    _person(victim, age=30)
    placement = placement_record(
        actor=people["rpd"], victim_id=victim.pk, kind="shelter", service=ADULT_SHELTER
    )
    assert _beds(ADULT_SHELTER) == 0
    with pytest.raises(ConflictError):  # S23: a stale form changes nothing
        placement_end(actor=people["rpd"], placement=placement, expected_version=7)
    assert _beds(ADULT_SHELTER) == 0
    ended = placement_end(actor=people["rpd"], placement=placement, expected_version=1)
    assert ended.ended_at is not None and ended.lock_version == 2
    assert _beds(ADULT_SHELTER) == 1
    assert AuditEvent.objects.filter(
        event=AuditEventType.PLACEMENT_ENDED, object_id=str(placement.pk)
    ).exists()
    with pytest.raises(ConflictError, match="already ended"):
        placement_end(actor=people["rpd"], placement=placement, expected_version=2)
    assert _beds(ADULT_SHELTER) == 1


def test_a_released_bed_never_exceeds_the_total(people, victim):
    _person(victim, age=30)
    placement = placement_record(
        actor=people["rpd"], victim_id=victim.pk, kind="shelter", service=ADULT_SHELTER
    )
    Service.objects.filter(slug=ADULT_SHELTER).update(beds_available=1)  # recounted meanwhile
    placement_end(actor=people["rpd"], placement=placement, expected_version=1)
    assert _beds(ADULT_SHELTER) == 1


def test_placement_form_chooses_services_by_name_and_preselects_the_plans_answer(
    people, case, victim
):
    client = sign_in(Client(), people["rpd"])
    url = reverse("cases:record_new", args=[case.pk, "placement"])
    page = client.get(f"{url}?victim={victim.pk}")
    form = page.context["form"]
    assert form.fields["service"].initial == YOUTH_SHELTER  # the protocol's answer for a 17-y-o
    html = page.content.decode()
    assert f'<option value="{YOUTH_SHELTER}" selected>Service {YOUTH_SHELTER}' in html
    assert '<select name="service"' in html and 'name="override_reason"' not in html
    refused = client.post(url, {"victim": victim.pk, "kind": "shelter", "service": ADULT_SHELTER})
    assert refused.status_code == 200 and "Age:" in str(refused.context["form"].errors)
    assert not Placement.objects.filter(case=case).exists()


def test_ending_a_placement_from_the_case_page(people, case, victim):
    _person(victim, age=30)
    placement = placement_record(
        actor=people["rpd"], victim_id=victim.pk, kind="shelter", service=ADULT_SHELTER
    )
    client = sign_in(Client(), people["rpd"])
    assert (
        reverse("cases:placement_end", args=[placement.pk])
        in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    )
    done = client.post(reverse("cases:placement_end", args=[placement.pk]), {"lock_version": 1})
    assert done.status_code == 302 and _beds(ADULT_SHELTER) == 1
