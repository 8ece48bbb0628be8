"""Fixtures: a protocol in force with training requirements, a catalog, members."""

from __future__ import annotations

import pytest

from accord.protocols.tests.factories import make_protocol_in_force, minimal_protocol_text

TRAINING = """
training:
  - {id: trauma-informed-care, course: Trauma-informed care, roles: [advocate], renew_months: 24}
  - {id: victim-centered-interviewing, course: Victim-centered interviewing, roles: [investigator]}
  - {id: cjis-security, course: CJIS security awareness, roles: [investigator, prosecutor], renew_months: 12, gates: [cji_access]}
"""


def protocol_text(extra: str = TRAINING) -> str:
    return minimal_protocol_text(extra)


@pytest.fixture
def protocol_in_force(task_force):
    return make_protocol_in_force(task_force, yaml_text=protocol_text())


@pytest.fixture
def coordinator(make_member):
    return make_member("coord", roles=["coordinator"], agency_slug="tf-office")


@pytest.fixture
def catalog(protocol_in_force, coordinator):
    from accord.training.services import course_create

    return {
        "care": course_create(
            actor=coordinator,
            code="tic",
            title="Trauma-informed care for advocates",
            provider="Harbor Light Survivor Services",
            duration_minutes=240,
            topics=["trauma_informed_care"],
            renew_months=24,
            requirement_ids=["trauma-informed-care"],
        ),
        "interviewing": course_create(
            actor=coordinator,
            code="vci",
            title="Victim-centered interviewing",
            provider="Example State Police Academy",
            duration_minutes=480,
            topics=["victim_centered_interviewing", "trauma_informed_interviewing"],
            requirement_ids=["victim-centered-interviewing"],
        ),
        "cjis": course_create(
            actor=coordinator,
            code="cjis",
            title="CJIS security awareness (annual)",
            provider="Example State Police CJIS Unit",
            duration_minutes=60,
            topics=["cjis_security_awareness"],
            renew_months=12,
            requirement_ids=["cjis-security"],
        ),
    }
