"""A coordinator imports the HSDS examples and an advocate finds tonight's shelter for a described victim."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from accord.directory.selectors import Operator
from accord.directory.services import ImportSource, directory_import
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import sign_in_as, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_FILE = Path(settings.REPO_DIR) / "examples" / "directory" / "example-county.json"
HSDS_EXAMPLE = (
    Path(settings.REPO_DIR).parent
    / "shared"
    / "data"
    / "hsds-3.0"
    / "examples"
    / "organization_full.json"
)


def test_advocate_finds_a_shelter_for_a_16_year_old_boy_who_speaks_tagalog(
    page, make_member, task_force
):
    advocate = make_member(
        "rosa.advocate", roles=["advocate"], agency_slug="harbor-light", sector="victim_services"
    )
    directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=DEMO_FILE))

    sign_in_as(page, advocate, path="/directory/")
    form = page.locator("#directory-search")
    form.locator("[name=service_type]").select_option("emergency_shelter")
    form.locator("[name=age]").fill("16")
    form.locator("[name=gender]").select_option("male")
    form.locator("[name=language]").fill("tl")
    form.locator("[name=open_now]").check()
    form.get_by_role("button").first.click()
    page.wait_for_load_state()

    results = page.locator("table#search-results tr.search-result")
    assert results.count() == 1
    assert "Riverside" in results.first.inner_text()
    explanation = results.first.locator("td.explanation").inner_text()
    assert "Tagalog" in explanation and "16" in explanation and "24/7" in explanation
    assert (
        "Wren Hollow" not in page.content()
    )  # the safe house's confidential address never shows here
    assert_accessible(page)
    screenshot(page, "directory-01-search-results")


@pytest.mark.skipif(not HSDS_EXAMPLE.exists(), reason="shared/data HSDS examples not present")
def test_coordinator_imports_an_hsds_file_from_the_web(page, make_member):
    coordinator = make_member("dana.coord", roles=["coordinator"], agency_slug="sheriff")
    sign_in_as(page, coordinator, path="/directory/")
    page.get_by_role("link", name="Directory upkeep").click()
    page.get_by_role("link", name="Import HSDS file").click()
    page.locator("input[type=file]").set_input_files(str(HSDS_EXAMPLE))
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()
    report = page.locator("#report").locator("xpath=..")
    assert "1 organization(s) created" in report.inner_text()
    assert "HSDS fields Accord does not model" in report.inner_text()
    assert_accessible(page)
    screenshot(page, "directory-02-import-report")
    sign_out(page)
