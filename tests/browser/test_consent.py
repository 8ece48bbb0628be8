"""The release journey in a real browser, every step through the pages.

Harbor Light's advocate (the survivor's serving provider) opens the case, then the
survivor's releases, reads the release wording and records a 30-day release naming
HSI Riverton for identity and contact, e-signed → investigator.hsi sees the name and
contact on the case page (not the location) and "why can I see this?" names the
release → the advocate revokes it on the releases page → HSI reloads and no longer
sees them. The case, the referral and the provider's own record are set up through
the services (the case journey is another test).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.cases.tests.conftest import LABOR_MINOR, county, open_case, people  # noqa: F401
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import sign_in_as, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def survivor_served_by_harbor_light(people, task_force):  # type: ignore[no-untyped-def]  # noqa: F811
    """HSI opens the case and refers the survivor; Harbor Light accepts and records the
    survivor's contact and shelter, so those records are now the provider's (VAWA)."""
    from accord.cases import demo_release as demo
    from accord.cases.services import referral_accept, referral_send, victim_update

    case = open_case(
        people["hsi"],
        title=demo.DEMO_CASE_TITLE,
        facts={**LABOR_MINOR, "victim_age": 24},
        victims=1,
    )
    victim = case.potentialvictims.get()
    referral = referral_send(
        actor=people["hsi"], case=case, victim_id=victim.pk, to_agency_slug="harbor-light"
    )
    referral_accept(
        actor=people["harbor"], referral_id=referral.pk, expected_version=referral.lock_version
    )
    victim.refresh_from_db()
    victim_update(
        actor=people["harbor"],
        victim_id=victim.pk,
        changes={
            "contact": "(invented) 555-0142, text only after 6 pm",
            "current_location": "(invented) Harbor Light safe house",
        },
        expected_version=victim.lock_version,
    )
    demo.consent_text_for(task_force)  # the task force's release wording
    return case, victim


def test_release_recorded_and_revoked_through_the_pages(
    page,
    browser,
    live_server,
    people,  # noqa: F811
    task_force,
):
    from accord.sharing.models import Release

    case, victim = survivor_served_by_harbor_light(people, task_force)

    # 1. The advocate opens the case, the survivor's releases, and records a release.
    sign_in_as(page, people["harbor"], path=f"/cases/{case.pk}/")
    page.get_by_role("link", name="Releases of V-1").click()
    page.wait_for_load_state()
    assert "No release recorded" in page.content()
    page.get_by_role("link", name="Record a release").click()
    page.wait_for_load_state()
    # the wording, in the survivor's language (none recorded matches: English), naming the
    # provider recording it
    assert "I agree that HARBOR-LIGHT can share some of my information." in page.content()
    expected_expiry = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert page.get_by_label("Expires on").input_value() == expected_expiry
    assert_accessible(page)
    screenshot(page, "consent-1-record-form")

    page.get_by_label("HSI-RIVERTON").check()
    page.get_by_label("Identity: legal name, date of birth").check()
    page.get_by_label("Contact details").check()
    page.get_by_label("Purpose").fill("(invented) HSI interview and Continued Presence request")
    page.get_by_label("Electronic signature (typed name and agreement)").check()
    page.get_by_label("Victim's name, typed by the victim").fill("(invented) V-6A")
    page.get_by_label("I agree to this release (ticked by the victim)").check()
    screenshot(page, "consent-2-record-form-filled")
    page.get_by_role("button", name="Record the release").click()
    page.wait_for_load_state()
    release = Release.objects.get(victim=victim)
    assert f"Release #{release.pk} recorded" in page.content()
    assert "in effect" in page.content() and "HSI-RIVERTON" in page.content()
    assert_accessible(page)
    screenshot(page, "consent-3-release-recorded")
    sign_out(page)

    # 2. HSI sees the agreed categories, not the location, and is told why.
    sign_in_as(page, people["hsi"], path=f"/cases/{case.pk}/")
    body = page.content()
    assert "(invented) 555-0142" in body and "Canary Legalname1" in body
    assert "safe house" not in body
    page.get_by_role("link", name="why can I see this?").last.click()
    page.wait_for_selector(".why")
    assert "vsp-with-release" in page.content() and f"Release #{release.pk}" in page.content()
    screenshot(page, "consent-4-hsi-sees-agreed-categories")

    # 3. Meanwhile the advocate revokes the release on the releases page.
    advocate = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    try:
        advocate_page = advocate.new_page()
        advocate_page.set_default_timeout(15_000)
        sign_in_as(advocate_page, people["harbor"], path="/sharing/releases/")
        assert f"Release #{release.pk}" in advocate_page.content()
        assert_accessible(advocate_page)
        screenshot(advocate_page, "consent-5-releases-index")
        advocate_page.get_by_role("link", name=f"Release #{release.pk}").click()
        advocate_page.wait_for_load_state()
        advocate_page.get_by_role("link", name="The victim's releases").click()
        advocate_page.wait_for_load_state()
        advocate_page.get_by_label("Reason for the revocation").fill(
            "(invented) the survivor asked to stop sharing"
        )
        advocate_page.get_by_label("Revoke now").check()
        advocate_page.get_by_role("button", name=f"Revoke release #{release.pk}").click()
        advocate_page.wait_for_load_state()
        assert f"Release #{release.pk} revoked" in advocate_page.content()
        screenshot(advocate_page, "consent-6-revoked")
        sign_out(advocate_page)
    finally:
        advocate.close()

    # 4. HSI reloads: the provider's records are gone on the very next request.
    page.reload()
    page.wait_for_load_state()
    after = page.content()
    assert "555-0142" not in after and "Canary Legalname1" not in after
    screenshot(page, "consent-7-hsi-after-revocation")
    sign_out(page)


def test_release_recorded_in_spanish_and_printed(
    page,
    people,  # noqa: F811
    task_force,
):
    """The advocate records the release in Spanish, reads it filled in with the survivor, and
    prints it: large type, signature lines, nothing else on the paper."""
    from accord.sharing.models import Release

    _case, victim = survivor_served_by_harbor_light(people, task_force)
    sign_in_as(page, people["harbor"], path=f"/sharing/victims/{victim.pk}/releases/new/")
    assert "I agree that HARBOR-LIGHT can share" in page.content()  # no Spanish recorded yet
    page.get_by_label("Language the victim reads").select_option(label="Spanish")
    page.get_by_role("button", name="Show the release in this language").click()
    page.wait_for_load_state()
    assert "Acepto que HARBOR-LIGHT comparta parte de mi información." in page.content()

    page.get_by_label("HSI-RIVERTON").check()
    page.get_by_label("Identity: legal name, date of birth").check()
    page.get_by_label("Purpose").fill("(invented) entrevista con HSI")
    page.get_by_role("button", name="Show the text with my choices").click()
    page.wait_for_load_state()
    text = page.locator("#release-text").inner_text()
    assert "Quién la puede ver: HSI-RIVERTON." in text
    assert "Qué pueden ver: mi nombre y mi fecha de nacimiento." in text
    assert "Este acuerdo termina el " in text and " de 20" in text
    assert_accessible(page)
    screenshot(page, "consent-es-1-record-form")

    page.get_by_label("Electronic signature (typed name and agreement)").check()
    page.get_by_label("Victim's name, typed by the victim").fill("(invented) V-6A")
    page.get_by_label("I agree to this release (ticked by the victim)").check()
    page.get_by_role("button", name="Record the release").click()
    page.wait_for_load_state()
    release = Release.objects.get(victim=victim)
    assert release.consent_text.language_code == "es"
    assert f"Release #{release.pk} recorded" in page.content()

    page.get_by_role("link", name="Print the release (Spanish)").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Mi acuerdo para compartir información"
    )
    labels = page.locator(".signature-line .label").all_inner_texts()
    assert labels == ["Mi firma", "Fecha"]  # an adult: no guardian line
    assert page.locator("nav").count() == 0
    assert_accessible(page)
    screenshot(page, "consent-es-2-printable")
    page.emulate_media(media="print")
    assert not page.locator(".print-tools").is_visible()  # only the release goes on paper
    screenshot(page, "consent-es-3-print-preview")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "consent-es-4-printable-phone")
    page.get_by_role("link", name=f"Back to release #{release.pk}").click()
    page.wait_for_load_state()
    sign_out(page)
