"""The guided editor pages as the coordinator uses them: open a question, change a rule, see
the findings pinned to the table, answer a gap, and read the same draft in the YAML view."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accord.audit.testing import assert_audited
from accord.core import load_protocol
from accord.protocols import editor, services
from accord.protocols.models import ProtocolVersion

from .conftest import sign_in_client, with_gap

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(coordinator):
    return sign_in_client(coordinator)


@pytest.fixture
def draft(coordinator, task_force, example_text):
    return services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )


def _url(version, decision_id="placement"):
    return reverse("protocols:guided_decision", args=[version.number, decision_id])


def _form(version, decision_id="placement", *, hit_policy="one", change=None, **extra):
    """The fields the page posts for the stored rows (changed by ``change``)."""
    protocol = version.protocol
    decision = protocol.decisions[decision_id]
    rows = editor.rows_from_decision(protocol, decision)
    if change:
        change(rows)
    data: dict[str, list[str]] = {
        "lock_version": [str(version.lock_version)],
        "rows": [str(len(rows))],
        "hit_policy": [hit_policy],
    }
    for index, row in enumerate(rows):
        data[f"r{index}-id"] = [row.rule_id]
        for cell in row.cells:
            key = f"r{index}-c-{cell.factor}-"
            factor = protocol.factors[cell.factor]
            if factor.domain.is_numeric:
                data[key + "mode"] = ["text" if cell.mode == "text" else "range"]
                data[key + "from"], data[key + "to"] = [cell.low], [cell.high]
                data[key + "text"] = [cell.text]
            else:
                data[key + "mode"] = ["values"]
                data[key + "v"] = list(cell.values)
        for output in row.outputs:
            data[f"r{index}-o-{output.name}"] = [output.value]
    data.update({key: [value] for key, value in extra.items()})
    return data


def test_the_guided_editor_lists_the_questions_in_words(coordinator_client, draft):
    page = coordinator_client.get(reverse("protocols:guided", args=[draft.number])).content.decode()
    assert "Where a potential victim stays after recovery" in page
    assert "Victim age (years)" in page and "victim_age" not in page
    assert _url(draft) in page


def test_a_decision_table_shows_conditions_and_answers_by_name(coordinator_client, draft):
    page = coordinator_client.get(_url(draft)).content.decode()
    assert 'name="r1-c-victim_age-to" value="17"' in page
    assert re.search(r'value="female" checked> female', page)
    # the answer is chosen by the service's name, never its id
    assert re.search(
        r'<option value="riverside-youth-shelter" selected>Riverside emergency youth shelter', page
    )
    assert "every situation gets an answer" in page


def test_narrowing_a_rule_saves_it_and_pins_the_gap_to_the_table(
    coordinator_client, draft, coordinator
):
    def narrow(rows):
        rows[1].cells[0].high = "15"

    response = coordinator_client.post(_url(draft), _form(draft, change=narrow, action="save"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (
        load_protocol(draft.yaml_text).decisions["placement"].rules[1].condition("victim_age").text
        == "[12..15]"
    )
    assert_audited("protocol_decision_edited", object_id=draft.pk, actor=coordinator)
    page = coordinator_client.get(_url(draft)).content.decode()
    assert 'id="gap-0"' in page and "Victim age (years): 16 to 17" in page
    assert "Answer this situation" in page


def test_answer_this_situation_prefills_a_rule_and_saving_it_removes_the_gap(
    coordinator_client, coordinator, task_force, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    page = coordinator_client.post(_url(version), _form(version, action="answer-0"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="r5-c-victim_age-from" value="16"' in text
    assert 'name="r5-c-victim_age-to" value="17"' in text
    assert "choose what it answers" in text
    assert ProtocolVersion.objects.get(pk=version.pk).lock_version == version.lock_version

    def answer(rows):
        rows.append(
            editor.row_from_region(version.protocol, version.protocol.decisions["placement"], {})
        )
        rows[-1].cells[0].mode, rows[-1].cells[0].low, rows[-1].cells[0].high = "range", "16", "17"
        rows[-1].outputs[0].value = "riverside-youth-shelter"

    response = coordinator_client.post(_url(version), _form(version, change=answer, action="save"))
    assert response.status_code == 302
    page = coordinator_client.get(_url(version)).content.decode()
    assert 'id="gap-0"' not in page and "every situation gets an answer" in page
    yaml_page = coordinator_client.get(reverse("protocols:edit", args=[version.number]))
    assert "id: P6" in yaml_page.content.decode()


def test_an_inverted_range_is_shown_on_its_field_and_nothing_is_saved(coordinator_client, draft):
    def invert(rows):
        rows[1].cells[0].low, rows[1].cells[0].high = "17", "12"

    response = coordinator_client.post(_url(draft), _form(draft, change=invert, action="save"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page and "is above" in page
    assert 'name="r1-c-victim_age-from" value="17"' in page  # what was typed is kept
    assert ProtocolVersion.objects.get(pk=draft.pk).yaml_text == draft.yaml_text


def test_a_stale_page_gets_a_conflict_and_the_draft_keeps_the_other_save(coordinator_client, draft):
    stale = _form(draft, action="remove-4")
    assert coordinator_client.post(_url(draft), _form(draft, action="copy-0")).status_code == 302
    response = coordinator_client.post(_url(draft), stale)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    draft.refresh_from_db()
    assert len(draft.protocol.decisions["placement"].rules) == 6


@pytest.mark.parametrize(
    ("action", "ids"),
    [
        ("up-1", ["P2", "P1", "P3", "P4", "P5"]),
        ("down-0", ["P2", "P1", "P3", "P4", "P5"]),
        ("remove-4", ["P1", "P2", "P3", "P4"]),
        ("copy-0", ["P1", "P6", "P2", "P3", "P4", "P5"]),
    ],
)
def test_rules_are_moved_copied_and_removed(coordinator_client, draft, action, ids):
    response = coordinator_client.post(_url(draft), _form(draft, action=action))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert [rule.id for rule in draft.protocol.decisions["placement"].rules] == ids


def test_a_copied_rule_overlaps_and_the_overlap_is_pinned_to_both_rows(coordinator_client, draft):
    coordinator_client.post(_url(draft), _form(draft, action="copy-0"))
    page = coordinator_client.get(_url(draft)).content.decode()
    assert page.count("Rules P1, P6 all apply when Victim age (years): 11 or less") == 2


def test_the_hit_policy_is_asked_as_a_plain_question(coordinator_client, draft):
    response = coordinator_client.post(_url(draft), _form(draft, hit_policy="first"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert "hit_policy: FIRST" in draft.yaml_text
    page = coordinator_client.get(_url(draft)).content.decode()
    assert 'value="first" checked' in page


def test_only_drafts_open_in_the_guided_editor(coordinator_client, draft, coordinator):
    services.protocol_version_withdraw(actor=coordinator, version=draft)
    response = coordinator_client.get(_url(draft))
    assert response.status_code == 302


def test_a_member_who_is_not_the_coordinator_cannot_open_the_editor(make_member, draft):
    advocate = make_member("advocate", roles=["advocate"], agency_slug="harbor-light")
    client = sign_in_client(advocate)
    assert client.get(_url(draft)).status_code == 403
    assert client.post(_url(draft), _form(draft)).status_code == 403


def test_an_unknown_decision_is_not_found(coordinator_client, draft):
    assert coordinator_client.get(_url(draft, "no_such_question")).status_code == 404
