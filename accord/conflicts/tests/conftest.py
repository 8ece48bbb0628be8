"""Fixtures: a protocol in force with a three-level ladder, and agencies with leads."""

from __future__ import annotations

import pytest

from accord.protocols.tests.factories import make_protocol_in_force, minimal_protocol_text

LADDER = """
directory:
  organizations:
    vsp-a: Victim services A
    le-a: Law enforcement A
committees:
  victim_services_committee: {name: Victim Services Committee, members: [vsp-a]}
  executive_committee: {name: Executive Committee, members: [le-a]}
escalation:
  - {level: 1, name: Agency leads, decided_by: party_leads, within: 24h}
  - {level: 2, name: Co-chairs, decided_by: coordinator, within: 3d}
  - {level: 3, name: Executive committee, decided_by: executive_committee, within: 10d}
"""


def protocol_text(extra: str = LADDER) -> str:
    return minimal_protocol_text(extra)


@pytest.fixture
def protocol_in_force(task_force):
    return make_protocol_in_force(task_force, yaml_text=protocol_text())


@pytest.fixture
def people(make_member, task_force):
    """Two party agencies with leads, a third agency (executive committee), a coordinator."""
    from accord.accounts.models import Agency, Committee

    le_lead = make_member("le.lead", roles=["investigator"], agency_slug="le-a")
    investigator = make_member("le.investigator", roles=["investigator"], agency_slug="le-a")
    vsp_lead = make_member(
        "vsp.lead", roles=["advocate"], agency_slug="vsp-a", sector="victim_services"
    )
    exec_lead = make_member(
        "exec.lead", roles=["prosecutor"], agency_slug="pros-a", sector="prosecution"
    )
    coordinator = make_member("coord", roles=["coordinator"], agency_slug="tf-office")
    outsider = make_member(
        "outsider", roles=["advocate"], agency_slug="other-vsp", sector="victim_services"
    )
    for user in (le_lead, vsp_lead, exec_lead, coordinator, investigator, outsider):
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
    for user in (le_lead, vsp_lead, exec_lead):
        Agency.objects.filter(pk=user.agency_id).update(lead=user)
    committee = Committee.objects.create(
        task_force=task_force, slug="executive_committee", name="Executive Committee"
    )
    committee.agencies.set([exec_lead.agency])
    return {
        "le_lead": le_lead,
        "investigator": investigator,
        "vsp_lead": vsp_lead,
        "exec_lead": exec_lead,
        "coordinator": coordinator,
        "outsider": outsider,
        "le": le_lead.agency,
        "vsp": vsp_lead.agency,
    }
