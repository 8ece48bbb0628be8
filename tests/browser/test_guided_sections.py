"""The guided section forms in a real browser, as the coordinator (issue 14).

From the guided editor the coordinator opens the deadlines, adds one through the form (a
first try of "-3 hours" is refused on its field), opens the escalation ladder, adds a level
and moves it up, and reads both back in the YAML view. The pages are checked for
accessibility and at 390 pixels.
"""

from __future__ import annotations

import pathlib

import pytest

from accord.accounts.tests.factories import DEFAULT_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "protocols" / "example-county.yaml"
DIRECTORY = REPO / "examples" / "directory" / "example-county.json"


@pytest.fixture
def draft(task_force, make_member):
    from accord.directory.selectors import Operator
    from accord.directory.services import ImportSource, directory_import
    from accord.protocols import services

    directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=DIRECTORY))
    coordinator = make_member("dana.coordinator", roles=["coordinator"], agency_slug="riverton-pd")
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=EXAMPLE.read_text(encoding="utf-8")
    )
    return coordinator, version


def _fits_390(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} pixels wide"


def test_the_coordinator_adds_a_deadline_and_an_escalation_level_with_forms(page, draft):
    from accord.core import load_protocol
    from accord.protocols.models import ProtocolVersion

    coordinator, version = draft
    sign_in_as(page, coordinator, password=PASSWORD)
    page.goto(f"/protocols/{version.number}/guided/")
    page.get_by_role("link", name="Deadlines", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("after a potential victim is identified").first.is_visible()
    assert_accessible(page)
    screenshot(page, "sections-01-deadlines")

    # Add a deadline; "-3 hours" is refused on its field first.
    page.get_by_role("link", name="Add a deadline").click()
    page.wait_for_load_state()
    page.get_by_label("Task", exact=True).fill("Call the advocate back")
    page.get_by_label("Who does it (role)", exact=True).select_option(
        label="Advocate / case manager"
    )
    page.get_by_label("Which kind of agency", exact=True).select_option(label="Victim services")
    page.get_by_label("How long", exact=True).fill("-3 hours")
    page.get_by_label("Counted from when", exact=True).select_option(label="a referral is sent")
    page.get_by_role("button", name="Save and check").click()
    page.wait_for_load_state()
    assert page.get_by_text("Nothing was saved").is_visible()
    assert page.locator("#id_duration_errors").get_by_text("Write how long").is_visible()
    assert_accessible(page)
    screenshot(page, "sections-02-deadline-refused")
    page.get_by_label("How long", exact=True).fill("3 hours")
    page.get_by_role("button", name="Save and check").click()
    page.wait_for_load_state()
    assert page.get_by_text("Saved and checked.").is_visible()
    added = page.locator("li.card", has_text="Call the advocate back")
    assert "within 3 hours after a referral is sent" in added.inner_text()
    screenshot(page, "sections-03-deadline-added")

    # Add an escalation level and move it above the executive committee.
    page.goto(f"/protocols/{version.number}/guided/sections/escalation/")
    page.get_by_role("link", name="Add a level").click()
    page.wait_for_load_state()
    page.get_by_label("Name of the level", exact=True).fill("Agency heads")
    page.get_by_label("Who decides at this level", exact=True).select_option(
        label="Task force co-chairs"
    )
    page.get_by_label("Time to decide", exact=True).fill("5 days")
    page.get_by_role("button", name="Save and check").click()
    page.wait_for_load_state()
    assert page.get_by_text("Level 4: Agency heads").is_visible()
    page.get_by_role("button", name="Move up Level 4: Agency heads").click()
    page.wait_for_load_state()
    assert page.get_by_text("Level 3: Agency heads").is_visible()
    assert page.get_by_text("Level 4: Executive committee").is_visible()
    assert_accessible(page)
    screenshot(page, "sections-04-escalation")

    # Both read back in the YAML view, as the same model the forms built.
    page.goto(f"/protocols/{version.number}/edit/")
    text = page.get_by_label("Protocol text (YAML)", exact=True).input_value()
    assert "Call the advocate back" in text and 'within: "3h"' in text
    assert "Agency heads" in text and 'within: "5d"' in text
    stored = ProtocolVersion.objects.get(pk=version.pk)
    protocol = load_protocol(text)
    assert protocol == load_protocol(stored.yaml_text)
    assert [level.name for level in protocol.escalation][2:] == [
        "Agency heads",
        "Executive committee",
    ]
    screenshot(page, "sections-05-yaml-view")


def test_the_section_pages_fit_a_phone(page, draft):
    coordinator, version = draft
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_as(page, coordinator, password=PASSWORD)
    for section in ("deadlines", "sharing", "escalation", "training", "responsibilities"):
        page.goto(f"/protocols/{version.number}/guided/sections/{section}/")
        _fits_390(page)
        page.goto(f"/protocols/{version.number}/guided/sections/{section}/0/")
        _fits_390(page)
    page.goto(f"/protocols/{version.number}/guided/sections/deadlines/")
    screenshot(page, "sections-06-phone-deadlines")
    page.goto(f"/protocols/{version.number}/guided/sections/sharing/0/")
    page.get_by_role("button", name="Save and check").click()
    page.wait_for_load_state()
    _fits_390(page)
    assert_accessible(page)
    screenshot(page, "sections-07-phone-sharing-form")
