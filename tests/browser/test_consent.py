"""The release journey in a real browser: HSI sees what the survivor agreed to, until revoked.

Harbor Light's client signs a 30-day release naming HSI Riverton for identity and
contact → investigator.hsi sees the name and contact on the case page (not the
location) and "why can I see this?" names the release and the sharing rule → the
release is revoked → on the next page load HSI no longer sees them.
"""

from __future__ import annotations

import pytest

from accord.cases.tests.conftest import county, open_case, people  # noqa: F401 - fixtures
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import sign_in_as, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_release_then_revocation(page, people, task_force):  # noqa: F811
    from accord.cases.services import referral_send
    from accord.sharing import demo
    from accord.sharing.services import consent_revoke

    case = open_case(people["hsi"], title=demo.DEMO_CASE_TITLE, victims=1)
    victim = case.potentialvictims.get()
    referral_send(
        actor=people["hsi"], case=case, victim_id=victim.pk, to_agency_slug="harbor-light"
    )
    release = demo.load(task_force=task_force)
    assert release is not None

    sign_in_as(page, people["hsi"], path=f"/cases/{case.pk}/")
    body = page.content()
    assert "(invented) 555-0142" in body and "Canary Legalname1" in body
    assert "safe house" not in body
    page.get_by_role("link", name="why can I see this?").last.click()
    page.wait_for_selector(".why")
    assert "vsp-with-release" in page.content() and f"Release #{release.pk}" in page.content()
    screenshot(page, "consent-hsi-sees-agreed-categories")
    assert_accessible(page)

    consent_revoke(actor=people["harbor"], consent=release, reason="(invented) asked to stop")
    page.goto(f"/cases/{case.pk}/")
    after = page.content()
    assert "555-0142" not in after and "Canary Legalname1" not in after
    screenshot(page, "consent-hsi-after-revocation")
    sign_out(page)
