"""The demo: version 1 in force with every signatory's approval, a version 2 draft, the scenarios."""

from __future__ import annotations

from accord.accounts.models import Role
from accord.protocols.demo import load
from accord.protocols.diff import diff_protocols
from accord.protocols.models import DrillScenario, ProtocolStatus, ProtocolVersion, SignOff


def test_demo_load(task_force, coordinator, signatories):
    load(task_force=task_force)
    first, second = ProtocolVersion.objects.filter(task_force=task_force).order_by("number")
    assert first.status == ProtocolStatus.IN_FORCE and first.effective_date
    assert SignOff.objects.filter(version=first, decision="approve").count() == len(signatories)
    assert second.status == ProtocolStatus.DRAFT and second.based_on == first
    assert not diff_protocols(first.protocol, second.protocol).is_empty
    assert DrillScenario.objects.filter(task_force=task_force).count() >= 12
    load(task_force=task_force)  # idempotent
    assert ProtocolVersion.objects.filter(task_force=task_force).count() == 2


def test_demo_without_every_signatory_still_has_a_version_in_force(
    task_force, coordinator, make_member
):
    make_member("signatory.harbor-light", roles=[Role.SIGNATORY], agency_slug="harbor-light")
    make_member("nobody", roles=[Role.ADVOCATE], agency_slug="new-dawn")  # no signatory here
    load(task_force=task_force)
    assert (
        ProtocolVersion.objects.get(task_force=task_force, number=1).status
        == ProtocolStatus.IN_FORCE
    )
