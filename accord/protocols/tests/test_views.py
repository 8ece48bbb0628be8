"""The protocol pages: what a coordinator and a signatory see and can do."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from accord.accounts.models import Role
from accord.protocols import services
from accord.protocols.models import ProtocolStatus, ProtocolVersion

from .conftest import changed_text, reauthenticated, sign_in_client, with_gap


@pytest.fixture
def coordinator_client(coordinator):
    return sign_in_client(coordinator)


def test_a_coordinator_uploads_a_protocol_file(coordinator_client, example_text):
    upload = io.BytesIO(example_text.encode())
    upload.name = "example-county.yaml"
    response = coordinator_client.post(reverse("protocols:new"), {"protocol_file": upload})
    assert response.status_code == 302
    version = ProtocolVersion.objects.get()
    assert response["Location"] == reverse("protocols:detail", args=[version.number])
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "Circulate for sign-off" in page and "rule-placement-P2" in page


def test_an_invalid_upload_shows_line_numbered_errors_inline_and_stores_nothing(
    coordinator_client, example_text
):
    broken = example_text.replace("hit_policy: UNIQUE", "hit_policy: SOMETIMES", 1)
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "SOMETIMES" in text)
    response = coordinator_client.post(reverse("protocols:new"), {"yaml_text": broken})
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing was stored" in page
    assert f'id="line-{line}"' in page and "SOMETIMES" in page
    assert ProtocolVersion.objects.count() == 0


def test_an_upload_of_the_wrong_type_is_refused(coordinator_client):
    upload = io.BytesIO(b"%PDF-1.7 not a protocol")
    upload.name = "protocol.pdf"
    response = coordinator_client.post(reverse("protocols:new"), {"protocol_file": upload})
    assert response.status_code == 400
    assert ProtocolVersion.objects.count() == 0


def test_the_second_of_two_concurrent_saves_gets_a_conflict(
    coordinator_client, task_force, coordinator, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    url = reverse("protocols:edit", args=[version.number])
    form = {"title": version.title, "lock_version": version.lock_version}
    first = coordinator_client.post(url, {**form, "yaml_text": changed_text(example_text)})
    assert first.status_code == 302
    second = coordinator_client.post(url, {**form, "yaml_text": with_gap(example_text)})
    assert second.status_code == 409
    assert "changed by someone else" in second.content.decode()
    version.refresh_from_db()
    assert version.yaml_text == changed_text(example_text)


def test_the_draft_editor_shows_no_label_without_a_control(
    coordinator_client, task_force, coordinator, example_text
):
    """The hidden lock version travels with the form but is not announced as a field."""
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    page = coordinator_client.get(reverse("protocols:edit", args=[version.number])).content.decode()
    assert "Lock version" not in page
    assert re.search(r'<input type="hidden" name="lock_version" value="\d+"', page)
    assert "Protocol text (YAML)</label>" in page


def test_the_report_shows_gaps_as_situations_and_links_to_the_rule(
    coordinator_client, task_force, coordinator, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    page = coordinator_client.get(
        reverse("protocols:report", args=[version.number])
    ).content.decode()
    assert "Victim age (years): 16" in page
    assert re.search(r"\bbox\b", page.lower()) is None  # situations, not the verifier's boxes
    data = coordinator_client.get(
        reverse("protocols:report", args=[version.number]), {"format": "json"}
    ).json()
    assert data["unresolved_errors"] >= 1 and data["directory_checked"] is True


def test_circulating_needs_recent_reauthentication(
    coordinator_client, task_force, coordinator, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    url = reverse("protocols:circulate", args=[version.number])
    response = coordinator_client.post(url)
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    version.refresh_from_db()
    assert version.status == ProtocolStatus.DRAFT
    response = reauthenticated(coordinator_client).post(url)
    version.refresh_from_db()
    assert version.status == ProtocolStatus.CIRCULATED


def test_a_signatory_sees_the_diff_and_report_and_approves(
    task_force, coordinator, signatories, version_in_force, example_text
):
    draft = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=changed_text(example_text)
    )
    services.protocol_version_circulate(actor=coordinator, version=draft)
    client = sign_in_client(signatories[0])
    url = reverse("protocols:sign_off", args=[draft.number])
    assert "reauthenticate" in client.get(url)["Location"]  # S7
    reauthenticated(client)
    page = client.get(url).content.decode()
    assert "Situations whose answer changes" in page
    assert "Number of potential victims: 3" in page
    assert "Findings" in page
    response = client.post(url, {"decision": "approve", "comment": ""})
    assert response.status_code == 302
    assert draft.sign_offs.get().decision == "approve"


def test_an_objection_without_a_comment_is_refused_on_the_page(
    task_force, coordinator, signatories, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    services.protocol_version_circulate(actor=coordinator, version=version)
    client = reauthenticated(sign_in_client(signatories[1]))
    response = client.post(
        reverse("protocols:sign_off", args=[version.number]), {"decision": "object", "comment": ""}
    )
    assert response.status_code == 400
    assert not version.sign_offs.exists()


def test_another_task_forces_version_is_not_found(
    make_member, task_force, coordinator, example_text
):
    from accord.accounts.models import TaskForce

    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    other = TaskForce.objects.create(slug="other", name="Other")
    stranger = make_member(
        "stranger", roles=[Role.COORDINATOR], task_force_obj=other, agency_slug="o"
    )
    client = sign_in_client(stranger)
    for name in ("detail", "report", "diff", "handbook"):
        assert client.get(reverse(f"protocols:{name}", args=[version.number])).status_code == 404


def test_members_without_the_role_cannot_write(
    member_client, task_force, coordinator, example_text
):
    client = member_client("investigator", roles=[Role.INVESTIGATOR])
    assert client.get(reverse("protocols:new")).status_code == 403
    assert client.get(reverse("protocols:index")).status_code == 200
    assert client.get(reverse("protocols:drills")).status_code == 403


def test_diff_page_between_any_two_versions(
    coordinator_client, task_force, coordinator, version_in_force, example_text
):
    draft = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    page = coordinator_client.get(
        reverse("protocols:diff", args=[draft.number]), {"against": version_in_force.number}
    ).content.decode()
    assert "P2" in page and "no answer" in page and "Victim age (years): 16" in page


def test_drills_page_runs_side_by_side_and_flags_unanswered(
    coordinator_client, task_force, coordinator, version_in_force, example_text
):
    services.drill_scenario_save(
        actor=coordinator,
        task_force=task_force,
        name="Girl of 16 recovered",
        facts={"victim_age": 16, "victim_gender": "female"},
    )
    draft = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    page = coordinator_client.get(
        reverse("protocols:drill_run"),
        {"version": draft.number, "compare": version_in_force.number},
    ).content.decode()
    assert "Girl of 16 recovered" in page and "differ" in page
    assert "answer(s)" not in page and "same answers" not in page
    assert re.search(r"\b1 answer differs\b|\b\d+ answers differ\b", page)
    single = coordinator_client.get(reverse("protocols:drill_run"), {"version": draft.number})
    assert "left unanswered" in single.content.decode()


def test_adding_a_scenario_with_bad_json_shows_the_error(coordinator_client):
    response = coordinator_client.post(
        reverse("protocols:drills"), {"name": "x", "facts": "{not json", "notes": ""}
    )
    assert response.status_code == 400 and "Not valid JSON" in response.content.decode()
