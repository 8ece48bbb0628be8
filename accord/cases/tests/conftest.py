"""A small Example County: agencies with the demo ids, the demo protocol in force, a directory."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from accord.accounts.models import Agency, Committee, Role

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "protocols" / "example-county.yaml"

AGENCIES = {
    "ecso": "law_enforcement_local",
    "riverton-pd": "law_enforcement_local",
    "hsi-riverton": "law_enforcement_federal",
    "fbi-riverton": "law_enforcement_federal",
    "da-example": "prosecution",
    "usao-example": "prosecution",
    "harbor-light": "victim_services",
    "new-dawn": "victim_services",
    "legal-aid": "legal_services",
    "cps-example": "child_protection",
    "cac-example": "health",
    "bridge-language": "interpreter",
}
SERVICES = {
    "riverside-youth-shelter": ("riverside-youth", 3),
    "harbor-light-safe-house": ("harbor-light", 1),
    "new-dawn-housing": ("new-dawn", 4),
    "new-dawn-case-management": ("new-dawn", None),
    "harbor-light-case-management": ("harbor-light", None),
    "cac-forensic-interview": ("cac-example", None),
    "cps-emergency-placement": ("cps-example", 5),
    "legal-aid-immigration": ("legal-aid", None),
    "bridge-language-interpreting": ("bridge-language", None),
    "court-interpreter-office": ("court-example", None),
}
_phone = itertools.count(1000)


@pytest.fixture
def county(db, task_force):
    """Agencies, committee, directory and the example protocol in force."""
    from accord.directory.models import Organization, Phone, Service
    from accord.protocols.models import ProtocolVersion

    agencies = {
        slug: Agency.objects.create(
            task_force=task_force, slug=slug, name=slug.upper(), sector=sector
        )
        for slug, sector in AGENCIES.items()
    }
    committee = Committee.objects.create(
        task_force=task_force, slug="victim_services_committee", name="VSC"
    )
    committee.agencies.set(
        [agencies[s] for s in ("harbor-light", "new-dawn", "legal-aid", "cps-example")]
    )
    orgs = {}
    for slug in [*AGENCIES, "riverside-youth", "court-example", "ecc-911", "dol-oig", "esp"]:
        orgs[slug] = Organization.objects.create(
            task_force=task_force,
            hsds_id=str(uuid.uuid4()),
            slug=slug,
            name=f"Org {slug}",
            agency=agencies.get(slug),
        )
        Phone.objects.create(
            organization=orgs[slug], hsds_id=str(uuid.uuid4()), number=f"555-{next(_phone)}"
        )
        Phone.objects.create(
            organization=orgs[slug],
            hsds_id=str(uuid.uuid4()),
            number=f"555-{next(_phone)}",
            is_24_7=True,
        )
    for slug, (org, beds) in SERVICES.items():
        Service.objects.create(
            task_force=task_force,
            organization=orgs[org],
            hsds_id=str(uuid.uuid4()),
            slug=slug,
            name=f"Service {slug}",
            beds_available=beds,
            beds_total=beds,
        )
    ProtocolVersion.objects.create(
        task_force=task_force,
        number=1,
        title="Example",
        yaml_text=EXAMPLE.read_text(),
        status="in_force",
    )
    return agencies


@pytest.fixture
def people(county, make_member):
    """One user per working role, CJIS-cleared where law enforcement."""
    today = timezone.localdate()

    def make(username, role, agency, **extra):
        user = make_member(username, roles=[role], agency_slug=agency)
        for key, value in extra.items():
            setattr(user, key, value)
        if role in (Role.INVESTIGATOR, Role.PROSECUTOR):
            user.cjis_training_on = today
            user.background_check_passed_on = today
        user.email = f"{username}@example.invalid"
        user.save()
        return user

    users = {
        "hsi": make(
            "investigator.hsi",
            Role.INVESTIGATOR,
            "hsi-riverton",
            immigration_relief_authorized=True,
        ),
        "rpd": make("investigator.rpd", Role.INVESTIGATOR, "riverton-pd"),
        "ecso": make("investigator.ecso", Role.INVESTIGATOR, "ecso"),
        "da": make("prosecutor.da", Role.PROSECUTOR, "da-example"),
        "harbor": make("advocate.harbor", Role.ADVOCATE, "harbor-light"),
        "newdawn": make("advocate.newdawn", Role.ADVOCATE, "new-dawn"),
        "legal": make(
            "advocate.legal", Role.ADVOCATE, "legal-aid", immigration_relief_authorized=True
        ),
        "cps": make("advocate.cps", Role.ADVOCATE, "cps-example"),
        "interp": make("interpreters", Role.INTERPRETER_COORDINATOR, "bridge-language"),
        "coordinator": make("coordinator", Role.COORDINATOR, "ecso"),
    }
    for key in ("hsi", "rpd", "harbor", "newdawn", "da"):
        Agency.objects.filter(pk=users[key].agency_id).update(lead=users[key])
    return users


LABOR_MINOR = {
    "imminent_danger": False,
    "trafficking_type": "labor",
    "victim_age": 17,
    "victim_gender": "male",
    "victim_citizenship": "foreign_national",
    "trafficker_foreign_national": False,
    "victim_count": 1,
    "jurisdiction": "riverton",
    "operation_planned": False,
    "interpreter_needed": True,
}


def open_case(actor, *, facts=None, token=None, victims=1, **kwargs):
    from accord.cases.services import VictimInput, case_open

    return case_open(
        actor=actor,
        title=kwargs.pop("title", "Farm workers"),
        incident_kind=kwargs.pop("incident_kind", "victim_ready"),
        facts=LABOR_MINOR if facts is None else facts,
        intake_token=token or uuid.uuid4().hex,
        victims=[
            VictimInput(
                pseudonym=f"V-{i}",
                legal_name=f"Canary Legalname{i}",
                contact="canary-phone-555",
                current_location="canary-motel-room-9",
                language="Tigrinya",
            )
            for i in range(1, victims + 1)
        ],
        **kwargs,
    )


@pytest.fixture
def usao(make_member, county):
    user = make_member("prosecutor.usao", roles=[Role.PROSECUTOR], agency_slug="usao-example")
    today = timezone.localdate()
    user.cjis_training_on = today
    user.background_check_passed_on = today
    user.save()
    return user
