"""The guided editor's quick round trip (issue 14): a save through htmx answers with only what
changed on the page; the saved text is not loaded again, yet always loads as the model kept;
option lists are rendered once and still show each rule's answer by name."""

from __future__ import annotations

import re

import pytest

from accord.core import LoadError, load_protocol
from accord.protocols import editor, services
from accord.protocols.models import ProtocolVersion

from .conftest import sign_in_client
from .test_editor_views import _form, _url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def coordinator_client(coordinator):
    return sign_in_client(coordinator)


@pytest.fixture
def draft(coordinator, task_force, example_text):
    return services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )


def _shown(page: str) -> dict[str, list[str]]:
    """The row digests the page carries, as the browser posts them back."""
    return {
        name: [value]
        for name, value in re.findall(r'name="(r\d+-shown)" value="([0-9a-f]+)"', page)
    }


def _narrow_p2(rows):
    rows[1].cells[0].high = "15"  # P2: minors 12-17 becomes 12-15: a gap at 16-17


def test_a_save_through_htmx_sends_back_only_the_rows_that_changed(coordinator_client, draft):
    page = coordinator_client.get(_url(draft)).content.decode()
    data = _form(draft, change=_narrow_p2, action="save")
    data.update(_shown(page))
    response = coordinator_client.post(_url(draft), data, **HTMX)
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    text = response.content.decode()
    # the edited row comes back (swapped in place), the untouched ones do not
    assert re.search(r'<tr id="row-1" hx-swap-oob="true"', text)
    assert 'id="row-0"' not in text and 'id="row-3"' not in text
    # the gap the change opened, the verdict and the new lock come with it
    assert 'id="gap-0"' in text and "Victim age (years): 16 to 17" in text
    assert "Saved and checked." in text and "problem to fix" in text
    stored = ProtocolVersion.objects.get(pk=draft.pk)
    assert f'id="guided-lock" value="{stored.lock_version}" hx-swap-oob="true"' in text
    assert stored.protocol.decisions["placement"].rules[1].condition("victim_age").text == (
        "[12..15]"
    )


def test_a_save_through_htmx_with_a_wrong_field_marks_that_row_and_saves_nothing(
    coordinator_client, draft
):
    page = coordinator_client.get(_url(draft)).content.decode()

    def invert(rows):
        rows[2].cells[0].low, rows[2].cells[0].high = "30", "20"

    data = _form(draft, change=invert, action="save")
    data.update(_shown(page))
    response = coordinator_client.post(_url(draft), data, **HTMX)
    text = response.content.decode()
    assert response.status_code == 200  # htmx swaps only successful answers
    assert "Nothing was saved" in text and "is above" in text
    # the row with the unsaved change is no longer drawn as saved, so the page's script
    # posts it in full with the next save instead of leaving the change out
    assert re.search(r'<tr id="row-2" hx-swap-oob="true" data-rule="P3" class="flagged">', text)
    assert 'id="row-1"' not in text
    assert ProtocolVersion.objects.get(pk=draft.pk).lock_version == draft.lock_version


def _as_the_page_posts(data, *, changed):
    """What accord.js posts on a save: rows other than ``changed`` as "kept" (their rule id
    and digest only)."""
    kept = {str(index) for index in range(int(data["rows"][0]))} - {str(i) for i in changed}
    posted = {
        name: value
        for name, value in data.items()
        if not (
            (found := re.match(r"r(\d+)-(.+)$", name))
            and found[1] in kept
            and found[2] not in ("id", "shown")
        )
    }
    return posted | {f"r{index}-kept": ["1"] for index in kept}


def test_a_save_posting_only_the_changed_row_keeps_every_other_rule_as_saved(
    coordinator_client, draft
):
    page = coordinator_client.get(_url(draft)).content.decode()
    assert page.count(" data-saved") == len(draft.protocol.decisions["placement"].rules)
    before = draft.protocol.decisions["placement"].rules
    data = _as_the_page_posts(
        {**_form(draft, change=_narrow_p2, action="save"), **_shown(page)}, changed=[1]
    )
    assert "r0-c-victim_age-from" not in data and "r1-c-victim_age-to" in data
    response = coordinator_client.post(_url(draft), data, **HTMX)
    assert response.status_code == 200 and "Saved and checked." in response.content.decode()
    after = ProtocolVersion.objects.get(pk=draft.pk).protocol.decisions["placement"].rules
    assert after[1].condition("victim_age").text == "[12..15]"
    assert [r for i, r in enumerate(after) if i != 1] == [r for i, r in enumerate(before) if i != 1]


def test_a_kept_row_whose_rule_is_gone_is_refused_and_nothing_is_saved(coordinator_client, draft):
    data = _as_the_page_posts(_form(draft, change=_narrow_p2, action="save"), changed=[1])
    data["r0-id"] = ["P99"]  # the page showed a rule the saved table no longer has
    response = coordinator_client.post(_url(draft), data, **HTMX)
    text = response.content.decode()
    assert "Nothing was saved" in text and "no longer in the saved table" in text
    assert ProtocolVersion.objects.get(pk=draft.pk).lock_version == draft.lock_version


def test_without_htmx_a_save_still_redirects_to_the_whole_page(coordinator_client, draft):
    response = coordinator_client.post(_url(draft), _form(draft, change=_narrow_p2, action="save"))
    assert response.status_code == 302
    page = coordinator_client.get(response["Location"]).content.decode()
    assert 'id="row-0"' in page and 'id="gap-0"' in page


def test_a_structural_change_through_htmx_returns_the_whole_table(coordinator_client, draft):
    response = coordinator_client.post(
        _url(draft), _form(draft, action="copy-0"), follow=True, **HTMX
    )
    text = response.content.decode()
    assert 'id="guided-main"' in text and 'id="row-0"' in text and 'id="row-5"' in text


def test_each_row_shows_its_answer_by_name_from_the_one_option_list(coordinator_client, draft):
    page = coordinator_client.get(_url(draft)).content.decode()
    rows = re.findall(r'<tr id="row-\d+".*?</tr>', page, flags=re.S)
    assert len(rows) == len(draft.protocol.decisions["placement"].rules)
    for row, rule in zip(rows, draft.protocol.decisions["placement"].rules, strict=True):
        answer = rule.outputs["service"]
        assert len(re.findall(r"\bselected\b", row)) == 1
        assert f'<option value="{answer}" selected>' in row
        assert '<option value="-">nothing</option>' in row


def test_a_save_does_not_load_the_whole_text_again_yet_the_text_loads_as_the_model_kept(
    coordinator, draft, monkeypatch
):
    from accord.protocols import models

    decision = draft.protocol.decisions["placement"]
    rows = editor.rows_from_decision(draft.protocol, decision)
    _narrow_p2(rows)
    edited = editor.rows_to_decision(
        draft.protocol,
        decision,
        rows,
        hit_policy=decision.hit_policy,
        choices=editor.output_choices(draft.protocol, decision),
    )

    def no_load(*args, **kwargs):
        raise AssertionError("the whole text was loaded again")

    monkeypatch.setattr(services, "load_checked", no_load)
    monkeypatch.setattr(models, "load_protocol", no_load)
    services.protocol_decision_update(
        actor=coordinator, version=draft, decision=edited, expected_lock_version=1
    )
    monkeypatch.undo()
    stored = ProtocolVersion.objects.get(pk=draft.pk)
    assert load_protocol(stored.yaml_text, filename=stored.filename) == stored.protocol
    assert stored.protocol.decisions["placement"] == edited


def test_a_table_the_loader_would_refuse_is_not_saved(coordinator, draft):
    """The loader's own rules still apply to the changed decision (here:
    two rules with one id), although the whole text is not loaded again; nothing is stored."""
    import dataclasses

    decision = draft.protocol.decisions["placement"]
    twice = dataclasses.replace(decision, rules=(decision.rules[0], *decision.rules))
    with pytest.raises(LoadError, match="duplicate rule id"):
        services.protocol_decision_update(
            actor=coordinator, version=draft, decision=twice, expected_lock_version=1
        )
    stored = ProtocolVersion.objects.get(pk=draft.pk)
    assert stored.yaml_text == draft.yaml_text and stored.lock_version == 1


def test_a_decision_that_would_not_read_back_equal_is_not_saved(coordinator, draft):
    """A condition whose text says something else than the model: refused, not stored."""
    import dataclasses

    decision = draft.protocol.decisions["placement"]
    first = decision.rules[0]
    age = first.condition("victim_age")
    wrong = dataclasses.replace(age, text="[0..1]")  # the text no longer states the region
    rules = (
        dataclasses.replace(first, conditions={**first.conditions, "victim_age": wrong}),
        *decision.rules[1:],
    )
    with pytest.raises(LoadError, match="would not read back"):
        services.protocol_decision_update(
            actor=coordinator,
            version=draft,
            decision=dataclasses.replace(decision, rules=rules),
            expected_lock_version=1,
        )
    assert ProtocolVersion.objects.get(pk=draft.pk).lock_version == 1


def test_a_save_through_htmx_that_makes_an_overlap_sends_the_overlap_and_its_fixes(
    coordinator_client, draft
):
    """The overlap blocks and each changed row's suggestions come with the changed rows."""
    page = coordinator_client.get(_url(draft)).content.decode()
    assert '<div id="overlaps">' in page  # there, empty, so a save can fill it

    def widen(rows):
        rows[1].cells[0].high = "30"  # P2: minors 12-17 becomes 12-30, over the adults' rule

    data = _form(draft, change=widen, action="save")
    data.update(_shown(page))
    text = coordinator_client.post(_url(draft), data, **HTMX).content.decode()
    assert '<div id="overlaps" hx-swap-oob="true">' in text
    assert "Rules that overlap" in text and "Narrow rule" in text
    assert re.search(r'<tr class="row-fixes" id="fixes-1" hx-swap-oob="true"', text)
