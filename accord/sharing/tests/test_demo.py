"""The demo: HSI sees the agreed categories after the release, and not after revocation."""

from __future__ import annotations

from django.urls import reverse

from accord.cases.tests.test_views import client_for
from accord.sharing.services import consent_revoke


def test_release_naming_hsi_then_revocation(people, task_force, django_capture_on_commit_callbacks):
    from accord.cases import demo_release as demo
    from accord.cases.services import referral_send
    from accord.cases.tests.conftest import open_case

    case = open_case(people["hsi"], title=demo.DEMO_CASE_TITLE, victims=1)
    victim = case.potentialvictims.get()
    referral_send(
        actor=people["hsi"], case=case, victim_id=victim.pk, to_agency_slug="harbor-light"
    )
    release = demo.load(task_force=task_force)
    assert release is not None and demo.load(task_force=task_force) == release  # idempotent
    page = client_for(people["hsi"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "(invented) 555-0142" in page and "Canary Legalname1" in page  # contact, identity
    assert "safe house" not in page  # location was not agreed
    consent_revoke(actor=people["harbor"], consent=release, reason="(invented) asked to stop")
    after = client_for(people["hsi"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "555-0142" not in after and "Canary Legalname1" not in after
