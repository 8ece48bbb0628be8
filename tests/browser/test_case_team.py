"""The case team and the prosecution hand-off in a real browser, on a 390-pixel phone: the
lead's investigator sees the team in words, is refused an incomplete addition with the error
by its field and the typed reason kept, adds an agency, and moves the case to the office the
protocol proposes; every page passes axe-core and needs no sideways scrolling."""

from __future__ import annotations

import pathlib
import uuid

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "protocols" / "example-county.yaml"
AGENCIES = {
    "riverton-pd": ("Riverton Police Department", "law_enforcement_local"),
    "hsi-riverton": ("Homeland Security Investigations, Riverton", "law_enforcement_federal"),
    "da-example": ("Example County District Attorney's Office", "prosecution"),
    "usao-example": ("U.S. Attorney's Office, District of Example", "prosecution"),
    "harbor-light": ("Harbor Light Survivor Services", "victim_services"),
    "legal-aid": ("Example Legal Aid Society", "legal_services"),
}


def _no_sideways_scroll(page, selector: str = "html") -> None:  # type: ignore[no-untyped-def]
    """The element (the whole page by default) fits a 390-pixel screen without scrolling."""
    right, width = page.evaluate(
        "(s) => { const e = document.querySelector(s); "
        "return [e.getBoundingClientRect().right, e.scrollWidth]; }",
        selector,
    )
    assert right <= 390 and width <= 390, f"{selector} is {max(right, width)} pixels wide"


def test_the_lead_runs_the_case_team_on_a_phone(task_force, make_member, page) -> None:  # type: ignore[no-untyped-def]
    from accord.accounts.models import Agency
    from accord.cases.models import Case, CaseParticipant
    from accord.cases.services import VictimInput, case_open
    from accord.protocols.models import ProtocolVersion

    for slug, (name, sector) in AGENCIES.items():
        Agency.objects.create(task_force=task_force, slug=slug, name=name, sector=sector)
    ProtocolVersion.objects.create(
        task_force=task_force,
        number=1,
        title="Example",
        yaml_text=EXAMPLE.read_text(),
        status="in_force",
    )
    investigator = make_member("jordan.pike", roles=["investigator"], agency_slug="riverton-pd")
    investigator.cjis_training_on = timezone.localdate()
    investigator.background_check_passed_on = timezone.localdate()
    investigator.save()
    case = case_open(
        actor=investigator,
        title="Motel on Route 9",
        incident_kind="hotline_tip",
        facts={
            "trafficking_type": "sex",
            "victim_age": 16,
            "victim_gender": "female",
            "victim_citizenship": "us_citizen",
            "trafficker_foreign_national": False,
            "jurisdiction": "riverton",
        },
        intake_token=uuid.uuid4().hex,
        victims=[VictimInput(pseudonym="M-1")],
    )

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_as(page, investigator, path=f"/cases/{case.pk}/")
    team = page.get_by_role("region", name="Case team")
    assert "Lead agency" in team.inner_text()
    assert "Opened the case" in team.inner_text()
    assert "Child protection must be told (mandatory reporting)" in team.inner_text()
    _no_sideways_scroll(page, "section[aria-labelledby=team-h]")

    page.get_by_role("link", name="Manage the case team").click()
    assert_accessible(page)
    _no_sideways_scroll(page)
    add = page.get_by_role("region", name="Add an agency")
    add.get_by_label("Agency").select_option(label="Example Legal Aid Society (legal services)")
    add.get_by_label("Part").select_option(label="Legal services")
    add.get_by_role("button", name="Add to the case").click()
    add = page.get_by_role("region", name="Add an agency")
    assert "This field is required." in add.inner_text()
    assert not CaseParticipant.objects.filter(case=case, agency__slug="legal-aid").exists()
    add.get_by_label("Why it joins").fill("Safe Harbor: record relief for the minor")
    add.get_by_role("button", name="Add to the case").click()
    assert "The agency joined the case." in page.inner_text("main")
    assert "Safe Harbor: record relief for the minor" in page.inner_text("main")
    screenshot(page, "case-team-phone")
    assert_accessible(page)

    page.get_by_role("link", name="Move the case to prosecution").click()
    assert "The protocol proposes Example County District Attorney's Office" in page.inner_text(
        "main"
    )
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_label("Prosecuting office").select_option(
        label="U.S. Attorney's Office, District of Example"
    )
    page.get_by_role("button", name="Move to prosecution").click()
    assert "say why U.S. Attorney's Office, District of Example takes the case instead" in (
        page.inner_text("main")
    )
    assert Case.objects.get(pk=case.pk).stage == "referral"
    page.get_by_label("Prosecuting office").select_option(
        label="Example County District Attorney's Office (proposed by the protocol)"
    )
    page.get_by_role("button", name="Move to prosecution").click()
    assert "The case moved to prosecution" in page.inner_text("main")
    assert Case.objects.get(pk=case.pk).stage == "prosecution"
    screenshot(page, "case-prosecution-phone")
