"""The guided protocol editor in a real browser, as the coordinator (issue 14).

The coordinator opens a draft in the guided editor, narrows the placement rule for minors
(12-17 becomes 12-15), sees the situation no rule answers pinned to the table, uses
"Answer this situation", chooses the shelter, sees the finding disappear, and reads the
same draft back in the YAML view. The table is then checked on a 390-pixel phone.
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


def test_the_coordinator_answers_a_gap_from_the_guided_editor(page, draft):
    from accord.core import load_protocol
    from accord.protocols.models import ProtocolVersion

    coordinator, version = draft
    sign_in_as(page, coordinator, password=PASSWORD)
    page.goto(f"/protocols/{version.number}/")
    page.get_by_role("link", name="Edit the rules (guided editor)").click()
    page.wait_for_load_state()
    assert_accessible(page)
    screenshot(page, "guided-01-questions")
    page.get_by_role("link", name="Where a potential victim stays after recovery").click()
    page.wait_for_load_state()
    assert page.get_by_text("every situation gets an answer").is_visible()
    screenshot(page, "guided-02-placement")

    # Narrow the rule for minors: 12 to 17 becomes 12 to 15, and save.
    row = page.locator('tr[data-rule="P2"]')
    row.get_by_label("to", exact=True).fill("15")
    # The save goes through htmx: the changed row, the gap and the verdict are swapped in.
    # Only the changed row's fields are posted; the others go as kept (accord.js).
    with page.expect_request(lambda request: request.method == "POST") as saving:
        page.get_by_role("button", name="Save changes").first.click()
    posted = saving.value.post_data or ""
    assert "r1-c-victim_age-to=15" in posted and "r1-kept" not in posted
    assert "r0-kept=1" in posted and "r0-c-victim_age" not in posted
    page.get_by_text("1 problem to fix").wait_for()
    gap = page.locator("tr.gap")
    assert gap.count() == 1
    assert "16 to 17" in gap.inner_text()
    assert page.get_by_text("1 problem to fix").is_visible()
    assert_accessible(page)
    screenshot(page, "guided-03-gap-pinned")

    # Answer this situation: a new rule for 16-17, its answer still to choose.
    gap.get_by_role("button", name="Answer this situation").click()
    page.locator("tr#row-5").wait_for()
    new = page.locator("tr#row-5")
    assert new.get_by_label("from", exact=True).input_value() == "16"
    assert new.get_by_label("to", exact=True).input_value() == "17"
    new.get_by_label("Service").select_option(label="Riverside emergency youth shelter")
    screenshot(page, "guided-04-answer-prefilled")
    page.get_by_role("button", name="Save changes").first.click()
    page.locator('tr[data-rule="P6"]').wait_for()
    assert page.locator("tr.gap").count() == 0
    assert page.get_by_text("every situation gets an answer").is_visible()
    assert page.locator('tr[data-rule="P6"]').is_visible()
    screenshot(page, "guided-05-answered")

    # The same draft in the YAML view.
    page.get_by_role("link", name="Edit as text (YAML view)").click()
    page.wait_for_load_state()
    text = page.get_by_label("Protocol text (YAML)").input_value()
    assert "id: P6" in text and "[16..17]" in text and "[12..15]" in text
    stored = ProtocolVersion.objects.get(pk=version.pk)
    assert load_protocol(text) == load_protocol(stored.yaml_text)
    screenshot(page, "guided-06-yaml-view")


def test_a_bad_range_is_marked_on_its_field_and_the_table_fits_a_phone(page, draft):
    coordinator, version = draft
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_as(page, coordinator, password=PASSWORD)
    page.goto(f"/protocols/{version.number}/guided/placement/")
    _fits_390(page)
    row = page.locator('tr[data-rule="P2"]')
    row.get_by_label("from", exact=True).fill("17")
    row.get_by_label("to", exact=True).fill("12")
    page.get_by_role("button", name="Save changes").first.click()
    page.get_by_text("Nothing was saved").wait_for()
    assert page.get_by_text("Nothing was saved").is_visible()
    assert "“from” 17 is above “to” 12" in page.locator('tr[data-rule="P2"]').inner_text()
    assert page.locator('tr[data-rule="P2"]').get_by_label("from", exact=True).input_value() == "17"
    _fits_390(page)
    assert_accessible(page)
    screenshot(page, "guided-07-phone-error")
