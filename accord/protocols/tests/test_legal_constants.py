"""Errors the law fixes cannot be waived: no accepted-risk note, no circulation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accord.errors import ValidationError
from accord.protocols import services
from accord.protocols.models import AcceptedRisk, ProtocolStatus
from accord.protocols.selectors import version_report

from .conftest import EXAMPLE, sign_in_client
from .test_directory_checks import TEENS_TO_ADULT_SHELTER

TEXT = EXAMPLE.read_text(encoding="utf-8")

CP_TO_LOCAL_POLICE = TEXT.replace(
    "    owner: {sector: law_enforcement_federal, role: case_agent, organization: hsi-riverton}\n"
    "    anchor: victim_identified\n    within: 7d\n    when: {victim_citizenship: foreign_national}",
    "    owner: {sector: law_enforcement_local, role: case_agent}\n"
    "    anchor: victim_identified\n    within: 7d\n    when: {victim_citizenship: foreign_national}",
)
CP_BY_ADVOCATE = TEXT.replace(
    "then: {relief: continued_presence, by: federal_case_agent}",
    "then: {relief: continued_presence, by: advocate}",
)


def _law_items(version):
    return [item for item in version_report(version=version).items if not item.waivable]


def test_the_example_protocol_breaks_no_legal_constant(task_force, coordinator, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    assert _law_items(version) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (TEENS_TO_ADULT_SHELTER, "A minor cannot be sent to a service for adults"),
        (CP_TO_LOCAL_POLICE, "Only federal law enforcement may request Continued Presence"),
        (CP_BY_ADVOCATE, "Only federal law enforcement may request Continued Presence"),
    ],
    ids=["minors-to-adult-shelter", "cp-deadline-local-police", "cp-rule-advocate"],
)
def test_a_legal_constant_cannot_be_waived_and_blocks_circulation(
    task_force, coordinator, text, words
):
    assert text != TEXT, "the example protocol changed: the test no longer edits it"
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=text
    )
    law = _law_items(version)
    assert law and all(item.is_error and item.unresolved for item in law)
    assert words in law[0].not_waivable_because
    with pytest.raises(ValidationError) as refused:
        services.finding_accept_risk(
            actor=coordinator, version=version, finding_key=law[0].key, note="we accept it"
        )
    assert refused.value.code == "finding_not_waivable"
    assert not AcceptedRisk.objects.filter(version=version, finding_key=law[0].key).exists()
    # Every other error accepted: the law's finding alone still blocks circulation.
    for item in version_report(version=version).unresolved:
        if item.waivable:
            services.finding_accept_risk(
                actor=coordinator, version=version, finding_key=item.key, note="known, handled"
            )
    with pytest.raises(ValidationError) as blocked:
        services.protocol_version_circulate(actor=coordinator, version=version)
    assert blocked.value.code == "unresolved_findings"
    version.refresh_from_db()
    assert version.status == ProtocolStatus.DRAFT


def test_a_note_stored_before_the_check_does_not_waive_it(task_force, coordinator):
    """A note written into the table directly (or before this check existed) is ignored."""
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=CP_BY_ADVOCATE
    )
    (item,) = _law_items(version)
    AcceptedRisk.objects.create(
        version=version, finding_key=item.key, note="old", by=coordinator, at=timezone.now()
    )
    (again,) = _law_items(version)
    assert again.accepted_note == "" and again.unresolved


def test_the_report_says_the_law_fixes_it_and_offers_no_note(task_force, coordinator):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=CP_BY_ADVOCATE
    )
    (item,) = _law_items(version)
    page = sign_in_client(coordinator).get(f"/protocols/{version.number}/report/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "the law fixes this" in text
    assert "Continued Presence not federal" in text
    assert f'value="{item.key}"' not in text  # no accepted-risk form for it
