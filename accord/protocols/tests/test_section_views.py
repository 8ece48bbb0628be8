"""The guided section forms as the coordinator uses them (issue 14): each section of the
protocol besides the decision tables listed in words, with add, change, remove (and move,
for the escalation ladder); bad input refused on its field with nothing stored; a stale form
refused; and the YAML view reading back exactly the model the form built."""

from __future__ import annotations

import dataclasses

import pytest
from django.urls import reverse

from accord.audit.testing import assert_audited
from accord.core import load_protocol
from accord.core.model import (
    Audience,
    Deadline,
    EscalationLevel,
    FieldClass,
    Responsibility,
    Sector,
    SharingRule,
    Stage,
    TrainingRequirement,
)
from accord.protocols import services
from accord.protocols.models import ProtocolVersion

from .conftest import sign_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(coordinator):
    return sign_in_client(coordinator)


@pytest.fixture
def draft(coordinator, task_force, example_text):
    return services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )


def _list(version, section):
    return reverse("protocols:guided_section", args=[version.number, section])


def _add(version, section):
    return reverse("protocols:guided_section_add", args=[version.number, section])


def _entry(version, section, index):
    return reverse("protocols:guided_section_entry", args=[version.number, section, index])


def _stored(version):
    return ProtocolVersion.objects.get(pk=version.pk)


def _assert_nothing_stored(version):
    stored = _stored(version)
    assert stored.lock_version == version.lock_version
    assert stored.yaml_text == version.yaml_text


def _deadline_form(version, **changes):
    data = {
        "lock_version": str(version.lock_version),
        "task": "Call the victim's advocate back",
        "owner_role": "advocate",
        "owner_sector": "victim_services",
        "owner_organization": "",
        "direction": "within",
        "duration": "3 hours",
        "anchor": "referral_sent",
        "field_class": "case-basic",
    }
    data.update(changes)
    return data


# -- the guided editor's front page -------------------------------------------------------


def test_the_guided_editor_links_every_section(coordinator_client, draft):
    page = coordinator_client.get(reverse("protocols:guided", args=[draft.number])).content.decode()
    for section in ("deadlines", "sharing", "escalation", "training", "responsibilities"):
        assert _list(draft, section) in page
    assert "Escalation ladder" in page


def test_only_the_coordinator_edits_a_section(make_member, draft):
    advocate = make_member("adv", roles=["advocate"], agency_slug="harbor-light")
    response = sign_in_client(advocate).get(_list(draft, "deadlines"))
    assert response.status_code in (403, 404)


def test_a_circulated_version_is_not_edited_in_the_forms(coordinator_client, coordinator, draft):
    services.protocol_version_circulate(actor=coordinator, version=draft)
    response = coordinator_client.get(_list(draft, "escalation"))
    assert response.status_code == 302
    assert response["Location"] == reverse("protocols:detail", args=[draft.number])
    response = coordinator_client.post(_add(draft, "escalation"), {"name": "x"})
    assert response.status_code == 302
    assert _stored(draft).yaml_text == draft.yaml_text


def test_an_unknown_section_is_not_found(coordinator_client, draft):
    assert coordinator_client.get(_list(draft, "factors")).status_code == 404


# -- deadlines ----------------------------------------------------------------------------


def test_deadlines_are_listed_in_words(coordinator_client, draft):
    page = coordinator_client.get(_list(draft, "deadlines")).content.decode()
    assert "Arrange placement" in page or "arrange" in page.lower()
    assert "after a potential victim is identified" in page
    assert "victim_identified" not in page
    assert "law_enforcement_federal" not in page
    # a title's placeholders are filled in on each case: here they read in words
    assert "{law_enforcement_contact.agency}" not in page and "Call [" in page


def test_adding_a_deadline_saves_the_model_the_yaml_view_reads_back(
    coordinator_client, coordinator, draft
):
    before = draft.protocol
    response = coordinator_client.post(
        _add(draft, "deadlines"),
        _deadline_form(
            draft,
            when_output=["service_referral.timing=immediately"],
            requires_training=["danger-assessment"],
        ),
    )
    assert response.status_code == 302
    stored = _stored(draft)
    expected = Deadline(
        id="call-the-victims-advocate-back",
        task="Call the victim's advocate back",
        owner_sector=Sector.VICTIM_SERVICES,
        owner_role="advocate",
        anchor="referral_sent",
        offset_minutes=180,
        when_output={"service_referral.timing": "immediately"},
        requires_training=("danger-assessment",),
    )
    assert load_protocol(stored.yaml_text) == dataclasses.replace(
        before, deadlines=(*before.deadlines, expected)
    )
    assert stored.lock_version == draft.lock_version + 1
    assert_audited("protocol_section_edited", object_id=draft.pk, actor=coordinator)
    page = coordinator_client.get(_list(draft, "deadlines")).content.decode()
    assert "Call the victim&#x27;s advocate back" in page
    assert "within 3 hours after a referral is sent" in page
    yaml_page = coordinator_client.get(reverse("protocols:edit", args=[draft.number]))
    assert "id: call-the-victims-advocate-back" in yaml_page.content.decode()


def test_changing_a_deadline_keeps_its_id_and_its_conditions_on_facts(coordinator_client, draft):
    before = draft.protocol
    index = next(i for i, d in enumerate(before.deadlines) if d.when)
    old = before.deadlines[index]
    form = coordinator_client.get(_entry(draft, "deadlines", index)).content.decode()
    assert "kept as they are" in form
    response = coordinator_client.post(
        _entry(draft, "deadlines", index),
        _deadline_form(
            draft,
            task=old.task,
            owner_role=old.owner_role,
            owner_sector=old.owner_sector.value if old.owner_sector else "",
            owner_organization=old.owner_organization or "",
            duration="2 days",
            direction="before",
            anchor=old.anchor,
            for_each=old.for_each or "",
            field_class=old.field_class.value,
        ),
    )
    assert response.status_code == 302
    changed = dataclasses.replace(old, offset_minutes=-2 * 1440)
    deadlines = list(before.deadlines)
    deadlines[index] = changed
    assert load_protocol(_stored(draft).yaml_text) == dataclasses.replace(
        before, deadlines=tuple(deadlines)
    )


def test_removing_a_deadline(coordinator_client, draft):
    before = draft.protocol
    response = coordinator_client.post(
        _list(draft, "deadlines"), {"lock_version": draft.lock_version, "action": "remove-0"}
    )
    assert response.status_code == 302
    assert load_protocol(_stored(draft).yaml_text) == dataclasses.replace(
        before, deadlines=before.deadlines[1:]
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("duration", "-3 hours", "Write how long"),
        ("duration", "0 hours", "longer than zero"),
        ("duration", "soon", "Write how long"),
        ("owner_organization", "nowhere-agency", "Select a valid choice"),
        ("owner_role", "janitor", "Select a valid choice"),
        ("anchor", "lunch", "Select a valid choice"),
        ("task", "", "This field is required"),
    ],
)
def test_a_bad_deadline_field_is_named_and_nothing_is_stored(
    coordinator_client, draft, field, value, words
):
    response = coordinator_client.post(
        _add(draft, "deadlines"), _deadline_form(draft, **{field: value})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert f'id="id_{field}_errors"' in page and words in page
    _assert_nothing_stored(draft)


def test_two_answers_of_one_question_are_refused(coordinator_client, draft):
    response = coordinator_client.post(
        _add(draft, "deadlines"),
        _deadline_form(
            draft,
            when_output=[
                "service_referral.timing=immediately",
                "service_referral.timing=within_24h",
            ],
        ),
    )
    assert response.status_code == 400
    assert "at most one answer" in response.content.decode()
    _assert_nothing_stored(draft)


def test_a_stale_deadline_form_is_refused(coordinator_client, coordinator, draft):
    services.protocol_version_update(
        actor=coordinator,
        version=_stored(draft),
        yaml_text=draft.yaml_text + "\n",
        expected_lock_version=draft.lock_version,
    )
    newer = _stored(draft)
    response = coordinator_client.post(_add(draft, "deadlines"), _deadline_form(draft))
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    _assert_nothing_stored(newer)


def test_a_deadline_whose_role_nobody_holds_is_shown(coordinator_client, make_member, draft):
    page = coordinator_client.get(_list(draft, "deadlines")).content.decode()
    # Only a coordinator is a member in this task force: nobody is an investigator.
    assert "Nobody in the task force holds the role “case agent”" in page
    make_member("ivan", roles=["investigator"], agency_slug="riverton-pd")
    page = coordinator_client.get(_list(draft, "deadlines")).content.decode()
    assert "Nobody in the task force holds the role “case agent”" not in page


# -- escalation ---------------------------------------------------------------------------


def _level_form(version, **changes):
    data = {
        "lock_version": str(version.lock_version),
        "name": "Task force board",
        "decided_by": "executive_committee",
        "time_limit": "5 days",
    }
    data.update(changes)
    return data


def test_adding_and_moving_escalation_levels_renumbers_them(coordinator_client, draft):
    before = draft.protocol
    response = coordinator_client.post(_add(draft, "escalation"), _level_form(draft))
    assert response.status_code == 302
    added = EscalationLevel(4, "Task force board", "executive_committee", 120)
    assert load_protocol(_stored(draft).yaml_text) == dataclasses.replace(
        before, escalation=(*before.escalation, added)
    )
    stored = _stored(draft)
    response = coordinator_client.post(
        _list(draft, "escalation"), {"lock_version": stored.lock_version, "action": "up-3"}
    )
    assert response.status_code == 302
    first, second, third = before.escalation
    moved = (
        first,
        second,
        dataclasses.replace(added, level=3),
        dataclasses.replace(third, level=4),
    )
    assert load_protocol(_stored(draft).yaml_text).escalation == moved
    page = coordinator_client.get(_list(draft, "escalation")).content.decode()
    assert page.index("Level 3: Task force board") < page.index("Level 4: Executive committee")
    assert "Executive Committee" in page  # who decides, by the committee's name


def test_removing_an_escalation_level(coordinator_client, draft):
    before = draft.protocol
    response = coordinator_client.post(
        _list(draft, "escalation"), {"lock_version": draft.lock_version, "action": "remove-0"}
    )
    assert response.status_code == 302
    _first, second, third = before.escalation
    assert load_protocol(_stored(draft).yaml_text).escalation == (
        dataclasses.replace(second, level=1),
        dataclasses.replace(third, level=2),
    )


def test_changing_an_escalation_level(coordinator_client, draft):
    response = coordinator_client.post(
        _entry(draft, "escalation", 1), _level_form(draft, name="Co-chairs", time_limit="48 hours")
    )
    assert response.status_code == 302
    level = load_protocol(_stored(draft).yaml_text).escalation[1]
    assert level == EscalationLevel(2, "Co-chairs", "executive_committee", 48)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("time_limit", "-3 hours", "Write how long"),
        ("time_limit", "90 minutes", "whole hours"),
        ("decided_by", "nobody-at-all", "Select a valid choice"),
        ("name", "", "This field is required"),
    ],
)
def test_a_bad_escalation_field_is_named_and_nothing_is_stored(
    coordinator_client, draft, field, value, words
):
    response = coordinator_client.post(
        _add(draft, "escalation"), _level_form(draft, **{field: value})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_errors"' in page and words in page
    _assert_nothing_stored(draft)


def test_a_stale_move_is_refused(coordinator_client, coordinator, draft):
    services.protocol_version_update(
        actor=coordinator,
        version=_stored(draft),
        yaml_text=draft.yaml_text + "\n",
        expected_lock_version=draft.lock_version,
    )
    newer = _stored(draft)
    response = coordinator_client.post(
        _list(draft, "escalation"), {"lock_version": draft.lock_version, "action": "down-0"}
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    _assert_nothing_stored(newer)


def test_an_escalation_level_decided_by_nobody_known_is_a_problem(
    coordinator_client, coordinator, draft
):
    text = draft.yaml_text.replace("decided_by: executive_committee", "decided_by: the_oracle")
    assert text != draft.yaml_text
    services.protocol_version_update(
        actor=coordinator, version=draft, yaml_text=text, expected_lock_version=draft.lock_version
    )
    page = coordinator_client.get(_list(draft, "escalation")).content.decode()
    assert "the oracle is no committee of the protocol" in page
    assert "1 problem to fix" in page


# -- sharing rules ------------------------------------------------------------------------


def _sharing_form(version, **changes):
    data = {
        "lock_version": str(version.lock_version),
        "field_class": "le-sensitive",
        "from_sectors": ["law_enforcement_federal"],
        "to_sectors": ["prosecution", "law_enforcement_local"],
        "audience": "case_members",
        "stages": ["investigation", "prosecution"],
        "categories": ["investigation"],
        "note": "Federal case notes for the prosecutors.",
    }
    data.update(changes)
    return data


def test_adding_a_sharing_rule(coordinator_client, draft):
    before = draft.protocol
    response = coordinator_client.post(_add(draft, "sharing"), _sharing_form(draft))
    assert response.status_code == 302
    rule = load_protocol(_stored(draft).yaml_text).sharing[-1]
    expected = SharingRule(
        id=rule.id,
        field_class=FieldClass.LE_SENSITIVE,
        from_sectors=frozenset({Sector.LAW_ENFORCEMENT_FEDERAL}),
        to_sectors=frozenset({Sector.PROSECUTION, Sector.LAW_ENFORCEMENT_LOCAL}),
        stages=frozenset({Stage.INVESTIGATION, Stage.PROSECUTION}),
        audience=Audience.CASE_MEMBERS,
        categories=frozenset({"investigation"}),
        note="Federal case notes for the prosecutors.",
    )
    assert load_protocol(_stored(draft).yaml_text) == dataclasses.replace(
        before, sharing=(*before.sharing, expected)
    )
    page = coordinator_client.get(_list(draft, "sharing")).content.decode()
    assert "Federal law enforcement" in page and "le-sensitive" not in page


def test_changing_and_removing_a_sharing_rule(coordinator_client, draft):
    before = draft.protocol
    old = before.sharing[2]
    response = coordinator_client.post(
        _entry(draft, "sharing", 2),
        _sharing_form(
            draft,
            field_class=old.field_class.value,
            from_sectors=[s.value for s in old.from_sectors],
            to_sectors=[s.value for s in old.to_sectors],
            audience=old.audience.value,
            stages=["prosecution"],
            categories=[],
            note=old.note,
        ),
    )
    assert response.status_code == 302
    changed = dataclasses.replace(old, stages=frozenset({Stage.PROSECUTION}))
    rules = list(before.sharing)
    rules[2] = changed
    assert load_protocol(_stored(draft).yaml_text).sharing == tuple(rules)
    stored = _stored(draft)
    response = coordinator_client.post(
        _list(draft, "sharing"), {"lock_version": stored.lock_version, "action": "remove-2"}
    )
    assert response.status_code == 302
    assert load_protocol(_stored(draft).yaml_text).sharing == tuple(rules[:2] + rules[3:])


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"categories": ["gossip"]}, "categories", "Select a valid choice"),
        ({"field_class": "never-shared"}, "field_class", "Select a valid choice"),
        (
            {"field_class": "vsp-confidential", "from_sectors": ["victim_services"]},
            "requires_consent",
            "written release",
        ),
        (
            {"field_class": "immigration-1367", "authorized_only": "on"},
            "to_sectors",
            "may go only to federal law enforcement",
        ),
        ({"stages": []}, "stages", "This field is required"),
    ],
)
def test_a_bad_sharing_rule_is_refused_on_its_field(
    coordinator_client, draft, changes, field, words
):
    response = coordinator_client.post(_add(draft, "sharing"), _sharing_form(draft, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_errors"' in page and words in page
    _assert_nothing_stored(draft)


def test_a_sharing_rule_naming_an_unknown_kind_of_record_is_a_problem(
    coordinator_client, coordinator, draft
):
    text = draft.yaml_text.replace("operation_minimal_facts", "operation_gossip")
    assert text != draft.yaml_text
    services.protocol_version_update(
        actor=coordinator, version=draft, yaml_text=text, expected_lock_version=draft.lock_version
    )
    page = coordinator_client.get(_list(draft, "sharing")).content.decode()
    assert "No record of a case is of the kind “operation_gossip”" in page


# -- training -----------------------------------------------------------------------------


def test_adding_changing_and_removing_training(coordinator_client, draft):
    before = draft.protocol
    form = {
        "lock_version": str(draft.lock_version),
        "course": "Trauma-informed interviewing",
        "roles": ["investigator", "prosecutor"],
        "renew_months": "36",
    }
    assert coordinator_client.post(_add(draft, "training"), form).status_code == 302
    added = TrainingRequirement(
        "trauma-informed-interviewing",
        "Trauma-informed interviewing",
        frozenset({"investigator", "prosecutor"}),
        36,
    )
    assert load_protocol(_stored(draft).yaml_text) == dataclasses.replace(
        before, training=(*before.training, added)
    )
    stored = _stored(draft)
    form.update(lock_version=str(stored.lock_version), renew_months="", gates=["cji_access"])
    assert coordinator_client.post(_entry(draft, "training", 3), form).status_code == 302
    changed = dataclasses.replace(added, renew_months=None, gates=("cji_access",))
    assert load_protocol(_stored(draft).yaml_text).training[3] == changed
    page = coordinator_client.get(_list(draft, "training")).content.decode()
    assert "access to criminal justice information" in page and "never lapses" in page
    stored = _stored(draft)
    response = coordinator_client.post(
        _list(draft, "training"), {"lock_version": stored.lock_version, "action": "remove-3"}
    )
    assert response.status_code == 302
    assert load_protocol(_stored(draft).yaml_text) == before


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("renew_months", "0", "greater than or equal to 1"),
        ("renew_months", "-3", "greater than or equal to 1"),
        ("roles", "janitor", "Select a valid choice"),
    ],
)
def test_a_bad_training_field_is_named(coordinator_client, draft, field, value, words):
    form = {
        "lock_version": str(draft.lock_version),
        "course": "Course",
        "roles": ["advocate"],
        field: value,
    }
    response = coordinator_client.post(_add(draft, "training"), form)
    assert response.status_code == 400
    assert words in response.content.decode()
    _assert_nothing_stored(draft)


# -- responsibilities ---------------------------------------------------------------------


def test_adding_and_changing_responsibilities(coordinator_client, draft):
    before = draft.protocol
    form = {
        "lock_version": str(draft.lock_version),
        "sector": "health",
        "summary": "Clinics see victims first; they call the hotline.",
        "duties": "Screen for trafficking\n\n  Call the hotline  \n",
        "contacts": [],
    }
    assert coordinator_client.post(_add(draft, "responsibilities"), form).status_code == 302
    added = Responsibility(
        Sector.HEALTH,
        "Clinics see victims first; they call the hotline.",
        ("Screen for trafficking", "Call the hotline"),
    )
    assert load_protocol(_stored(draft).yaml_text) == dataclasses.replace(
        before, responsibilities=(*before.responsibilities, added)
    )
    index = len(before.responsibilities)
    form.update(lock_version=str(_stored(draft).lock_version), contacts=["harbor-light"])
    assert (
        coordinator_client.post(_entry(draft, "responsibilities", index), form).status_code == 302
    )
    changed = load_protocol(_stored(draft).yaml_text).responsibilities[index]
    assert changed == dataclasses.replace(added, contacts=("harbor-light",))


def test_a_second_entry_for_one_kind_of_agency_is_refused(coordinator_client, draft):
    form = {
        "lock_version": str(draft.lock_version),
        "sector": "prosecution",
        "summary": "Twice",
    }
    response = coordinator_client.post(_add(draft, "responsibilities"), form)
    assert response.status_code == 400
    assert 'id="id_sector_errors"' in response.content.decode()
    _assert_nothing_stored(draft)


def test_every_section_page_renders_in_words(coordinator_client, draft):
    for section in ("deadlines", "sharing", "escalation", "training", "responsibilities"):
        page = coordinator_client.get(_list(draft, section))
        assert page.status_code == 200
        form = coordinator_client.get(_entry(draft, section, 0))
        assert form.status_code == 200
        assert coordinator_client.get(_add(draft, section)).status_code == 200
