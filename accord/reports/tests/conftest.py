"""Example County (the cases app's fixtures) and the reports app wired for tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from django.test import Client
from django.utils import timezone

from accord.cases.tests.conftest import county, open_case, people  # noqa: F401 - fixtures


@pytest.fixture
def coordinator_client(people) -> Client:  # noqa: F811
    from conftest import sign_in

    return sign_in(Client(), people["coordinator"])


def reauthenticated(client: Client) -> Client:
    session = client.session
    session["accord_reauth_at"] = timezone.now().timestamp()
    session.save()
    return client


Q1_2025 = (date(2025, 1, 1), date(2025, 3, 31))
SEX_ADULT = {
    "imminent_danger": False,
    "trafficking_type": "sex",
    "victim_age": 25,
    "victim_gender": "female",
    "victim_citizenship": "us_citizen",
    "trafficker_foreign_national": False,
    "victim_count": 2,
    "jurisdiction": "riverton",
    "operation_planned": False,
    "interpreter_needed": False,
}


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


@dataclass(frozen=True)
class Dataset:
    farm: object  # labor, minor boy, matched in 30 h, Continued Presence requested
    salon: object  # sex, adult woman + a victim of unknown age/gender, matched in 72 h
    tip: object  # no victim yet, moved to investigation
    later: object  # opened in April: outside Q1


@pytest.fixture
def dataset(people) -> Dataset:  # noqa: F811
    """Four cases of Example County: three opened in 2025 Q1, one in Q2."""
    from accord.cases.services import (
        case_stage_set,
        immigration_relief_create,
        referral_accept,
        referral_send,
    )

    farm = open_case(people["hsi"], title='=HYPERLINK("http://x.invalid")', now=at("2025-02-03"))
    farm_victim = farm.potentialvictims.get()
    referral = referral_send(
        actor=people["hsi"],
        case=farm,
        victim_id=farm_victim.pk,
        to_agency_slug="new-dawn",
        now=at("2025-02-03", 12),
    )
    referral_accept(
        actor=people["newdawn"],
        referral_id=referral.pk,
        expected_version=None,
        now=at("2025-02-04", 16),  # 30 h after intake
    )
    immigration_relief_create(
        actor=people["hsi"],
        victim_id=farm_victim.pk,
        kind="continued_presence",
        now=at("2025-02-05"),
    )
    salon = open_case(
        people["rpd"],
        title="Nail salon",
        incident_kind="hotline_tip",
        facts=SEX_ADULT,
        victims=2,
        now=at("2025-02-10"),
    )
    first = salon.potentialvictims.order_by("pk").first()
    referral = referral_send(
        actor=people["rpd"],
        case=salon,
        victim_id=first.pk,
        to_agency_slug="harbor-light",
        now=at("2025-02-10", 11),
    )
    referral_accept(
        actor=people["harbor"],
        referral_id=referral.pk,
        expected_version=None,
        now=at("2025-02-13"),  # 72 h after intake
    )
    from accord.cases.services import task_complete

    contact = salon.tasks.get(deadline_id="advocate-contact")
    task_complete(  # due 3 h after intake, done on the second day: late
        actor=people["harbor"], task_id=contact.pk, expected_version=None, now=at("2025-02-12")
    )
    tip = open_case(
        people["coordinator"],
        title="Truck stop tip",
        incident_kind="other",
        facts={**SEX_ADULT, "trafficking_type": "unknown"},
        victims=0,
        now=at("2025-03-01"),
    )
    case_stage_set(
        actor=people["coordinator"],
        case=tip,
        stage="investigation",
        expected_version=None,
        now=at("2025-03-02"),
    )
    later = open_case(people["rpd"], title="April case", facts=SEX_ADULT, now=at("2025-04-02"))
    return Dataset(farm=farm, salon=salon, tip=tip, later=later)
