"""Directory cross-checks: rules must send people to organizations and services that can take them."""

from __future__ import annotations

from accord.core import load_protocol
from accord.directory.models import Organization, Phone, Service, ServiceStatus
from accord.protocols import services
from accord.protocols.directory_checks import rule_references
from accord.protocols.selectors import version_report

from .conftest import EXAMPLE

TEXT = EXAMPLE.read_text(encoding="utf-8")
TEENS_TO_ADULT_SHELTER = TEXT.replace(
    """        when: {victim_age: "[12..17]"}
        then: {service: riverside-youth-shelter}""",
    """        when: {victim_age: "[12..17]"}
        then: {service: harbor-light-safe-house}""",
)


def test_rule_references_carry_the_region_each_rule_covers():
    references = {(r.decision, r.rule): r for r in rule_references(load_protocol(TEXT))}
    p2 = references[("placement", "P2")]
    assert p2.target == "riverside-youth-shelter" and p2.kind == "service"
    assert p2.ages == ((12, 17),)
    assert p2.genders == frozenset({"female", "male", "nonbinary"})
    assert p2.jurisdictions is None  # P2 does not restrict it
    l2 = references[("law_enforcement_contact", "L2")]
    assert l2.kind == "organization" and l2.jurisdictions == frozenset({"riverton"})


def test_the_example_protocol_is_clean_against_the_example_directory(
    task_force, coordinator, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    report = version_report(version=version)
    assert report.directory_checked
    assert [i for i in report.items if i.source == "directory"] == []


def test_routing_teenagers_to_an_adults_only_shelter_is_a_finding(task_force, coordinator):
    assert TEENS_TO_ADULT_SHELTER != TEXT
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=TEENS_TO_ADULT_SHELTER
    )
    findings = [i for i in version_report(version=version).items if i.source == "directory"]
    assert any(
        f.decision == "placement" and f.rules == ("P2",) and "12" in f.message and f.is_error
        for f in findings
    ), findings


def test_missing_inactive_and_unreachable_targets_are_findings(
    task_force, coordinator, example_text
):
    Service.objects.filter(task_force=task_force, slug="new-dawn-housing").delete()
    Service.objects.filter(task_force=task_force, slug="legal-aid-immigration").update(
        status=ServiceStatus.INACTIVE
    )
    dol = Organization.objects.get(task_force=task_force, slug="dol-oig")
    Phone.objects.filter(organization=dol).update(is_24_7=False)
    Phone.objects.filter(contact__organization=dol).update(is_24_7=False)
    Phone.objects.filter(service__organization=dol).update(is_24_7=False)
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    kinds = {
        (i.rules, i.kind) for i in version_report(version=version).items if i.source == "directory"
    }
    assert (("P4",), "directory-unknown_id") in kinds
    assert (("S5",), "directory-inactive") in kinds
    assert (("L7",), "directory-no_24_7_contact") in kinds
