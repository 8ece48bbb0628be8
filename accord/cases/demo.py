"""Demo cases for the Example County task force: thirteen invented cases in different stages.

Created through the services, so plans, tasks, referrals and the timeline are
exactly what the protocol in force produces. Everything here is invented.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accord.accounts.models import TaskForce, User
from accord.core.model import UNKNOWN

BASE = {
    "imminent_danger": False,
    "trafficking_type": UNKNOWN,
    "victim_age": UNKNOWN,
    "victim_gender": UNKNOWN,
    "victim_citizenship": UNKNOWN,
    "victim_count": 1,
    "jurisdiction": UNKNOWN,
    "operation_planned": False,
}

#: (opener, title, incident kind, facts, victims, referral to, accept?, stage)
CASES: tuple[tuple[str, str, str, dict[str, Any], int, str, bool, str], ...] = (
    (
        "investigator.hsi",
        "Orchard labor camp (foreign-national minor)",
        "victim_ready",
        {
            "trafficking_type": "labor",
            "victim_age": 17,
            "victim_gender": "male",
            "victim_citizenship": "foreign_national",
            "jurisdiction": "riverton",
        },
        1,
        "new-dawn",
        True,
        "investigation",
    ),
    (
        "investigator.rpd",
        "Motel on Route 9",
        "hotline_tip",
        {
            "trafficking_type": "sex",
            "victim_age": 24,
            "victim_gender": "female",
            "victim_citizenship": "us_citizen",
            "jurisdiction": "riverton",
        },
        1,
        "harbor-light",
        True,
        "investigation",
    ),
    (
        "investigator.ecso",
        "Nail salon, Lakeside",
        "hotline_tip",
        {
            "trafficking_type": "labor",
            "victim_age": 31,
            "victim_gender": "female",
            "victim_citizenship": "foreign_national",
            "jurisdiction": "lakeside",
            "victim_count": 3,
        },
        3,
        "new-dawn",
        False,
        "referral",
    ),
    (
        "investigator.rpd",
        "Emergency department disclosure",
        "hospital_call",
        {
            "trafficking_type": "sex",
            "victim_age": 15,
            "victim_gender": "female",
            "victim_citizenship": "us_citizen",
            "jurisdiction": "riverton",
        },
        1,
        "cps-example",
        True,
        "investigation",
    ),
    (
        "advocate.harbor",
        "Survivor ready to talk (intimate partner)",
        "victim_ready",
        {
            "trafficking_type": "sex",
            "victim_age": 22,
            "victim_gender": "female",
            "victim_citizenship": "us_citizen",
            "trafficker_intimate_partner": True,
        },
        1,
        "",
        False,
        "referral",
    ),
    (
        "investigator.fbi",
        "Interstate escort ring",
        "victim_ready",
        {
            "trafficking_type": "sex",
            "victim_age": 19,
            "victim_gender": "female",
            "victim_citizenship": "us_citizen",
            "jurisdiction": "multi_state",
            "victim_count": 2,
        },
        2,
        "harbor-light",
        True,
        "prosecution",
    ),
    (
        "investigator.dol",
        "Construction crew wage theft",
        "hotline_tip",
        {
            "trafficking_type": "labor",
            "victim_age": 40,
            "victim_gender": "male",
            "victim_citizenship": "foreign_national",
            "jurisdiction": "unincorporated",
            "victim_count": 6,
        },
        2,
        "new-dawn",
        True,
        "investigation",
    ),
    (
        "investigator.rpd",
        "Warehouse raid (planned)",
        "planned_operation",
        {"trafficking_type": "both", "jurisdiction": "riverton", "victim_count": 5},
        0,
        "",
        False,
        "investigation",
    ),
    (
        "advocate.newdawn",
        "Farmworker walked into the office",
        "victim_ready",
        {
            "trafficking_type": "labor",
            "victim_age": 28,
            "victim_gender": "male",
            "victim_citizenship": "permanent_resident",
        },
        1,
        "legal-aid",
        True,
        "referral",
    ),
    (
        "investigator.ecso",
        "Charged before identified",
        "other",
        {
            "trafficking_type": "sex",
            "victim_age": 20,
            "victim_gender": "female",
            "victim_citizenship": "us_citizen",
            "jurisdiction": "lakeside",
            "victim_charged": True,
            "trafficker_foreign_national": False,
        },
        1,
        "harbor-light",
        True,
        "prosecution",
    ),
    (
        "investigator.hsi",
        "Domestic servitude, nonbinary survivor",
        "victim_ready",
        {
            "trafficking_type": "labor",
            "victim_age": 26,
            "victim_gender": "nonbinary",
            "victim_citizenship": "foreign_national",
            "jurisdiction": "riverton",
        },
        1,
        "harbor-light",
        False,
        "referral",
    ),
    (
        "investigator.rpd",
        "Closed: runaway recovered",
        "hotline_tip",
        {
            "trafficking_type": "sex",
            "victim_age": 16,
            "victim_gender": "male",
            "victim_citizenship": "us_citizen",
            "jurisdiction": "riverton",
        },
        1,
        "cps-example",
        True,
        "closed",
    ),
    (
        "investigator.rpd",
        "Greenhouse workers (three victims, one a minor)",
        "victim_ready",
        {"trafficking_type": "labor", "jurisdiction": "riverton", "victim_count": 3},
        3,
        "",
        False,
        "prosecution",
    ),
)


#: Cases whose potential victims are recorded one by one (each answered from her own facts).
VICTIMS: dict[str, list[dict[str, Any]]] = {
    "Greenhouse workers (three victims, one a minor)": [
        {"age": 34, "gender": "female", "citizenship": "foreign_national", "language": "Spanish"},
        {"age": 29, "gender": "male", "citizenship": "foreign_national", "language": "Tigrinya"},
        {
            "age": 17,
            "gender": "female",
            "citizenship": "foreign_national",
            "language": "Spanish, English",
        },
    ],
}


def load(*, task_force: TaskForce) -> None:
    from accord.protocols.selectors import protocol_in_force

    from . import services

    version = protocol_in_force(task_force=task_force)
    if version is None:
        print("cases demo skipped: no protocol is in force for", task_force.slug)
        return
    factors = set(version.protocol.factors)
    users = {u.username: u for u in User.objects.filter(agency__task_force=task_force)}
    now = timezone.now()
    for index, (opener, title, kind, facts, victims, refer_to, accept, stage) in enumerate(CASES):
        actor = users[opener]
        opened = now - timedelta(days=len(CASES) - index, hours=index)
        merged = {k: v for k, v in {**BASE, **facts}.items() if k in factors}
        if kind == "planned_operation" and "operation_planned" in factors:
            merged["operation_planned"] = True
        case = services.case_open(
            actor=actor,
            title=title,
            incident_kind=kind,
            facts=merged,
            now=opened,
            intake_token=f"demo-{task_force.slug}-{index}",
            victims=[
                services.VictimInput(
                    pseudonym=f"V-{index + 1}{chr(65 + v)}",
                    legal_name=f"(invented) Person {index + 1}{chr(65 + v)}",
                    **VICTIMS.get(
                        title, [{"language": "Spanish" if v % 2 else "English"}] * victims
                    )[v],
                )
                for v in range(victims)
            ],
        )
        victim = case.potentialvictims.first()
        if refer_to and victim is not None:
            referral = services.referral_send(
                actor=actor,
                case=case,
                victim_id=victim.pk,
                to_agency_slug=refer_to,
                message="Invented demo referral",
                now=opened + timedelta(minutes=30),
            )
            if accept:
                receiver = next(
                    u
                    for u in users.values()
                    if u.agency is not None and u.agency.slug == refer_to and u.has_role("advocate")
                )
                services.referral_accept(
                    actor=receiver,
                    referral_id=referral.pk,
                    expected_version=1,
                    now=opened + timedelta(hours=5),
                )
        if kind == "planned_operation":
            start = now + timedelta(days=4)
            services.operation_plan(
                actor=actor,
                case=case,
                name="Operation Lantern",
                window_start=start,
                window_end=start + timedelta(hours=6),
                estimated_victims=5,
                genders=["female", "male"],
                languages=["Spanish", "Mandarin"],
                minors_expected=True,
                location="(invented) 400 Dock Street",
                targets="(invented) warehouse operators",
                now=opened,
            )
        if stage != "referral":
            case.refresh_from_db()
            services.case_stage_set(
                actor=actor if not actor.has_role("advocate") else users["coordinator"],
                case=case,
                stage=stage,
                expected_version=case.lock_version,
                now=opened + timedelta(days=1),
            )
    services.safety_instrument_save(
        actor=users["coordinator"], **services.EXAMPLE_INSTRUMENT, now=now
    )
    print(f"cases demo: {len(CASES)} invented cases")
    from . import demo_release

    demo_release.load(task_force=task_force)
