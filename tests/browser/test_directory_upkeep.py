"""Keeping the directory true: a provider marks its beds and verifies its entry, a coordinator
adds a language, and the search an advocate runs changes with them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accord.directory.models import Service
from accord.directory.selectors import Operator
from accord.directory.services import ImportSource, directory_import
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import sign_in_as, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_FILE = Path(settings.REPO_DIR) / "examples" / "directory" / "example-county.json"
SHELTERS_FOR_16 = "/directory/?service_type=emergency_shelter&age=16"
SHELTERS_IN_VIETNAMESE = "/directory/?service_type=emergency_shelter&language=vi"


def riverside_row(page):  # type: ignore[no-untyped-def]
    return page.locator("table#search-results tr.search-result").filter(
        has_text="Riverside emergency youth shelter"
    )


def test_capacity_verification_and_languages_change_the_search(page, make_member, task_force):
    provider = make_member(
        "ruth.staff", roles=["advocate"], agency_slug="riverside-youth", sector="victim_services"
    )
    coordinator = make_member("dana.coord", roles=["coordinator"], agency_slug="sheriff")
    directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=DEMO_FILE))
    shelter = Service.objects.get(slug="riverside-youth-shelter")
    today = timezone.localdate().isoformat()

    # The provider's user: beds and "verified" on the service page.
    sign_in_as(page, provider, path="/directory/")
    page.goto(SHELTERS_FOR_16)
    row = riverside_row(page)
    assert row.count() == 1
    assert "3 beds free" not in row.inner_text() and today not in row.inner_text()
    page.goto(f"/directory/services/{shelter.pk}/")
    page.get_by_label("Beds available now").fill("3")
    page.get_by_label("Beds in total").fill("12")
    page.get_by_role("button", name="Update capacity").click()
    page.wait_for_load_state()
    assert "Capacity updated." in page.locator("main").inner_text()
    page.get_by_role("button", name="Mark verified today").click()
    page.wait_for_load_state()
    assert "marked verified today" in page.locator("main").inner_text()
    page.goto(SHELTERS_FOR_16)
    row = riverside_row(page)
    assert "3 beds free" in row.inner_text()
    assert row.locator("td.verified").inner_text() == today
    screenshot(page, "directory-upkeep-01-capacity-and-verified-in-search")
    page.goto(f"/directory/services/{shelter.pk}/edit/")
    assert_accessible(page)
    sign_out(page)

    # A coordinator: before the edit no shelter lists Vietnamese; then add it.
    sign_in_as(page, coordinator, path="/directory/")
    page.goto(SHELTERS_IN_VIETNAMESE)
    assert riverside_row(page).count() == 0
    page.goto(f"/directory/services/{shelter.pk}/")
    page.get_by_role("link", name="Edit service").click()
    page.wait_for_load_state()
    languages = page.get_by_label("Languages (ISO 639 codes)")
    assert languages.input_value() == "en, es, tl"
    assert_accessible(page)
    screenshot(page, "directory-upkeep-02-service-edit-form")
    languages.fill("en, es, tl, xx")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert "Not ISO 639 language codes: xx" in page.locator("#problems-heading + ul").inner_text()
    assert_accessible(page)
    screenshot(page, "directory-upkeep-03-service-edit-refused")
    page.get_by_label("Languages (ISO 639 codes)").fill("en, es, tl, vi")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert "changes saved" in page.locator("main").inner_text()
    page.goto(SHELTERS_IN_VIETNAMESE)
    row = riverside_row(page)
    assert row.count() == 1
    assert "serves Vietnamese (vi)" in row.locator("td.explanation").inner_text()
    assert "3 beds free" in row.inner_text()
    screenshot(page, "directory-upkeep-04-language-in-search")

    # The other editing forms pass axe too.
    page.goto(f"/directory/organizations/{shelter.organization_id}/phones-and-contacts/")
    assert_accessible(page)
    screenshot(page, "directory-upkeep-05-phones-and-contacts")
    page.goto("/directory/organizations/new/")
    assert_accessible(page)
    page.goto(f"/directory/organizations/{shelter.organization_id}/services/new/")
    assert_accessible(page)
    sign_out(page)


def test_the_provider_names_an_agency_for_its_safe_house(page, make_member, task_force):
    provider = make_member(
        "iris.harbor", roles=["advocate"], agency_slug="harbor-light", sector="victim_services"
    )
    make_member("ed.detective", roles=["investigator"], agency_slug="ecso")
    directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=DEMO_FILE))
    harbor = Service.objects.get(slug="harbor-light-safe-house").organization

    sign_in_as(page, provider, path="/directory/")
    page.goto(f"/directory/organizations/{harbor.pk}/")
    page.get_by_role("link", name="Who sees this address").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Member agency to name").select_option(label="Ecso")
    page.get_by_role("button", name="Show the address to this agency").click()
    page.wait_for_load_state()
    audience = page.locator("table#address-audience").inner_text()
    assert "Ecso" in audience and "named by the provider" in audience
    assert_accessible(page)
    screenshot(page, "directory-upkeep-06-address-audience")
    page.get_by_role("button", name="Withdraw from Ecso").click()
    page.wait_for_load_state()
    assert "Ecso" not in page.locator("table#address-audience").inner_text()
    sign_out(page)
