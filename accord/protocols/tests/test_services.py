"""The agreement process through its services: drafts, circulation, sign-off, coming into force."""

from __future__ import annotations

import pytest

from accord.accounts.models import Agency, Role
from accord.audit.models import AuditEvent
from accord.audit.testing import assert_audited, audit_mark
from accord.core import LoadError
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.protocols import services
from accord.protocols.models import AcceptedRisk, ProtocolStatus, ProtocolVersion, SignOff
from accord.protocols.selectors import protocol_in_force, version_report

from .conftest import changed_text, with_gap


def events(name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=name).order_by("seq"))


def test_create_stores_a_draft_and_audits_it(task_force, coordinator, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    assert version.number == 1
    assert version.status == ProtocolStatus.DRAFT
    assert version.title.startswith("Example County")
    assert set(version.protocol.decisions) >= {"placement", "charging"}
    assert_audited(
        "protocol_version_created",
        object_type="protocol_version",
        object_id=version.pk,
        actor=coordinator,
    )
    assert len(events("protocol_version_created")) == 1


def test_text_that_does_not_load_is_refused_with_line_numbers_and_nothing_is_stored(
    task_force, coordinator, example_text
):
    broken = example_text.replace("hit_policy: UNIQUE", "hit_policy: SOMETIMES", 1)
    with pytest.raises(LoadError) as caught:
        services.protocol_version_create(actor=coordinator, task_force=task_force, yaml_text=broken)
    assert caught.value.issues and all(issue.line > 1 for issue in caught.value.issues)
    assert ProtocolVersion.objects.count() == 0
    with pytest.raises(LoadError):
        services.protocol_version_create(
            actor=coordinator, task_force=task_force, yaml_text="decisions: [\n"
        )
    assert ProtocolVersion.objects.count() == 0


def test_only_a_coordinator_of_the_same_task_force_creates(task_force, make_member, example_text):
    investigator = make_member("inv", roles=[Role.INVESTIGATOR])
    with pytest.raises(PermissionDenied):
        services.protocol_version_create(
            actor=investigator, task_force=task_force, yaml_text=example_text
        )
    from accord.accounts.models import TaskForce

    other = TaskForce.objects.create(slug="elsewhere", name="Elsewhere")
    stranger = make_member(
        "stranger", roles=[Role.COORDINATOR], task_force_obj=other, agency_slug="x"
    )
    with pytest.raises(NotFound):
        services.protocol_version_create(
            actor=stranger, task_force=task_force, yaml_text=example_text
        )


def test_a_stale_save_is_refused_and_the_first_save_survives(task_force, coordinator, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    read_lock = version.lock_version
    first = changed_text(example_text)
    services.protocol_version_update(
        actor=coordinator, version=version, yaml_text=first, expected_lock_version=read_lock
    )
    assert_audited(
        "protocol_changed", object_type="protocol_version", object_id=version.pk, actor=coordinator
    )
    mark = audit_mark()
    with pytest.raises(ConflictError):
        services.protocol_version_update(
            actor=coordinator,
            version=version,
            yaml_text=with_gap(example_text),
            expected_lock_version=read_lock,
        )
    version.refresh_from_db()
    assert version.yaml_text == first
    assert version.lock_version == read_lock + 1
    assert not AuditEvent.objects.filter(seq__gt=mark).exists()  # a refused save leaves no event


def test_a_failed_update_changes_nothing(task_force, coordinator, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    with pytest.raises(LoadError):
        services.protocol_version_update(
            actor=coordinator,
            version=version,
            yaml_text=example_text + "\n  bogus: [",
            expected_lock_version=version.lock_version,
        )
    version.refresh_from_db()
    assert version.yaml_text == example_text and version.lock_version == 1


def test_a_gap_blocks_circulation_until_a_risk_note_is_recorded(
    task_force, coordinator, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    report = version_report(version=version)
    gaps = [item for item in report.unresolved if item.kind == "gap"]
    assert gaps and gaps[0].decision == "placement"
    assert "16" in gaps[0].situation and "Victim age" in gaps[0].situation
    with pytest.raises(ValidationError) as caught:
        services.protocol_version_circulate(actor=coordinator, version=version)
    assert caught.value.code == "unresolved_findings"
    for item in report.unresolved:
        services.finding_accept_risk(
            actor=coordinator,
            version=version,
            finding_key=item.key,
            note="CPS places 16-17 for now",
        )
    assert AcceptedRisk.objects.filter(version=version).count() == len(report.unresolved)
    assert len(events("protocol_risk_accepted")) == len(report.unresolved)
    assert_audited("protocol_risk_accepted", object_type="protocol_version", object_id=version.pk)
    services.protocol_version_circulate(actor=coordinator, version=version)
    version.refresh_from_db()
    assert version.status == ProtocolStatus.CIRCULATED
    assert_audited(
        "protocol_circulated",
        object_type="protocol_version",
        object_id=version.pk,
        actor=coordinator,
    )


def test_accepted_risk_keys_survive_reverification_of_the_same_text(
    task_force, coordinator, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    first = [item.key for item in version_report(version=version).items]
    from accord.protocols import verification

    verification._CORE_REPORTS.clear()
    assert [item.key for item in version_report(version=version).items] == first


def test_an_empty_risk_note_is_refused(task_force, coordinator, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    key = version_report(version=version).unresolved[0].key
    with pytest.raises(ValidationError):
        services.finding_accept_risk(actor=coordinator, version=version, finding_key=key, note="  ")


def test_full_journey_brings_one_version_into_force_and_supersedes_the_previous(
    task_force, coordinator, signatories, version_in_force, example_text
):
    assert version_in_force.status == ProtocolStatus.IN_FORCE
    assert protocol_in_force(task_force=task_force) == version_in_force
    second = services.protocol_version_copy_in_force(actor=coordinator, task_force=task_force)
    assert second.based_on == version_in_force and second.yaml_text == version_in_force.yaml_text
    assert_audited("protocol_version_created", object_id=second.pk, actor=coordinator)
    services.protocol_version_update(
        actor=coordinator,
        version=second,
        yaml_text=changed_text(example_text),
        expected_lock_version=second.lock_version,
    )
    second.refresh_from_db()
    services.protocol_version_circulate(actor=coordinator, version=second)
    for signatory in signatories:
        services.sign_off_record(actor=signatory, version=second, approve=True, comment="")
        signed = assert_audited(
            "protocol_signed_off",
            object_id=second.pk,
            actor=signatory,
            fields=["decision", "comment"],
        )
        assert signed.detail["agency"] == signatory.agency.slug
        assert signed.detail["decision"] == "approve"
    services.protocol_version_bring_into_force(actor=coordinator, version=second)
    in_force = assert_audited("protocol_brought_into_force", object_id=second.pk, actor=coordinator)
    assert in_force.detail["superseded"] == version_in_force.number
    version_in_force.refresh_from_db()
    second.refresh_from_db()
    assert version_in_force.status == ProtocolStatus.SUPERSEDED
    assert second.status == ProtocolStatus.IN_FORCE
    assert ProtocolVersion.objects.filter(status=ProtocolStatus.IN_FORCE).count() == 1
    assert version_in_force.protocol.decisions  # past versions stay readable
    assert len(events("protocol_brought_into_force")) == 2
    assert len(events("protocol_signed_off")) == 2 * len(signatories)


def test_it_does_not_come_into_force_while_an_agency_has_not_approved(
    task_force, coordinator, signatories, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    services.protocol_version_circulate(actor=coordinator, version=version)
    services.sign_off_record(actor=signatories[0], version=version, approve=True)
    services.sign_off_record(
        actor=signatories[1], version=version, approve=False, comment="Shelter rule for men missing"
    )
    with pytest.raises(ValidationError) as caught:
        services.protocol_version_bring_into_force(actor=coordinator, version=version)
    # Both the objecting agency and the one that has not signed are named; the approver is not.
    assert signatories[1].agency.name in caught.value.message
    assert signatories[2].agency.name in caught.value.message
    assert signatories[0].agency.name not in caught.value.message
    version.refresh_from_db()
    assert version.status == ProtocolStatus.CIRCULATED
    # An objection can be changed into an approval until the version is in force.
    services.sign_off_record(actor=signatories[1], version=version, approve=True)
    services.sign_off_record(actor=signatories[2], version=version, approve=True)
    assert SignOff.objects.filter(version=version).count() == 3
    services.protocol_version_bring_into_force(actor=coordinator, version=version)
    version.refresh_from_db()
    assert version.status == ProtocolStatus.IN_FORCE


def test_an_inactive_agency_is_not_waited_for(task_force, coordinator, signatories, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    services.protocol_version_circulate(actor=coordinator, version=version)
    for signatory in signatories[:2]:
        services.sign_off_record(actor=signatory, version=version, approve=True)
    # While the third agency is active, the version waits for it ...
    with pytest.raises(ValidationError) as caught:
        services.protocol_version_bring_into_force(actor=coordinator, version=version)
    assert signatories[2].agency.name in caught.value.message
    # ... once it has left the task force, it is not waited for.
    Agency.objects.filter(pk=signatories[2].agency_id).update(is_active=False)
    services.protocol_version_bring_into_force(actor=coordinator, version=version)
    version.refresh_from_db()
    assert version.status == ProtocolStatus.IN_FORCE
    assert protocol_in_force(task_force=task_force) == version
    assert_audited("protocol_brought_into_force", object_id=version.pk, actor=coordinator)


def test_objecting_needs_a_comment_and_only_signatories_sign(
    task_force, coordinator, signatories, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    with pytest.raises(ValidationError):  # still a draft
        services.sign_off_record(actor=signatories[0], version=version, approve=True)
    services.protocol_version_circulate(actor=coordinator, version=version)
    with pytest.raises(ValidationError):
        services.sign_off_record(actor=signatories[0], version=version, approve=False, comment="")
    with pytest.raises(PermissionDenied):
        services.sign_off_record(actor=coordinator, version=version, approve=True)
    assert not SignOff.objects.filter(version=version).exists()
    assert events("protocol_signed_off") == []


def test_effective_date_must_be_today(task_force, coordinator, signatories, example_text):
    import datetime

    from django.utils import timezone

    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    services.protocol_version_circulate(actor=coordinator, version=version)
    for signatory in signatories:
        services.sign_off_record(actor=signatory, version=version, approve=True)
    later = timezone.localdate() + datetime.timedelta(days=7)
    with pytest.raises(ValidationError):
        services.protocol_version_bring_into_force(
            actor=coordinator, version=version, effective_date=later
        )
    version.refresh_from_db()
    assert version.status == ProtocolStatus.CIRCULATED


def test_circulated_versions_cannot_be_edited(task_force, coordinator, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    services.protocol_version_circulate(actor=coordinator, version=version)
    version.refresh_from_db()
    with pytest.raises(ValidationError):
        services.protocol_version_update(
            actor=coordinator,
            version=version,
            yaml_text=changed_text(example_text),
            expected_lock_version=version.lock_version,
        )


def test_withdrawing_takes_a_draft_off_the_table_and_audits_it(
    task_force, coordinator, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    services.protocol_version_withdraw(actor=coordinator, version=version)
    version.refresh_from_db()
    assert version.status == ProtocolStatus.WITHDRAWN
    withdrawn = assert_audited(
        "protocol_withdrawn",
        object_type="protocol_version",
        object_id=version.pk,
        actor=coordinator,
    )
    assert withdrawn.detail["status"] == ProtocolStatus.WITHDRAWN
    with pytest.raises(ValidationError):  # a withdrawn version is never circulated
        services.protocol_version_circulate(actor=coordinator, version=version)


def test_drill_scenarios_are_saved_changed_and_deleted_with_an_event_each(task_force, coordinator):
    from accord.protocols.models import DrillScenario

    scenario = services.drill_scenario_save(
        actor=coordinator,
        task_force=task_force,
        name="Girl of 16 recovered",
        facts={"victim_age": 16},
    )
    assert_audited(
        "drill_scenario_changed",
        object_type="drill_scenario",
        object_id=scenario.pk,
        actor=coordinator,
        fields=["name", "facts", "notes"],
    )
    mark = audit_mark()
    services.drill_scenario_save(
        actor=coordinator,
        task_force=task_force,
        name="Girl of 17 recovered",
        facts={"victim_age": 17},
        scenario=scenario,
    )
    scenario.refresh_from_db()
    assert scenario.name == "Girl of 17 recovered"
    assert_audited("drill_scenario_changed", object_id=scenario.pk, since=mark)
    pk = scenario.pk
    services.drill_scenario_delete(actor=coordinator, scenario=scenario)
    assert not DrillScenario.objects.filter(pk=pk).exists()
    deleted = assert_audited("drill_scenario_changed", object_id=pk, actor=coordinator)
    assert deleted.detail == {"deleted": True}
