""" "Why can I see this?": the basis or the reason, never the value; auditors may ask for their users."""

from __future__ import annotations

from django.urls import reverse

from accord.cases.tests.test_views import client_for


def test_hsi_is_told_which_release_and_rule_show_the_legal_name(
    people, provider_case, record_release
):
    victim = provider_case.potentialvictims.get()
    url = reverse(
        "sharing:why", args=[provider_case.pk, "potentialvictim", victim.pk, "legal_name"]
    )
    before = client_for(people["hsi"]).get(url).content.decode()
    assert "no_consent" in before and "Canary" not in before
    release = record_release(victim, recipients=("hsi",), categories=("identity",))
    page = client_for(people["hsi"]).get(url, HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert page.status_code == 200
    assert f'data-code="consent:{release.pk}+sharing_rule:vsp-with-release"' in body
    assert f"Release #{release.pk} names" in body and "A sharing rule of the protocol" in body
    assert "HSI-RIVERTON" in body and "identity" in body
    assert "Canary" not in body  # the value itself is never on the page
    assert "<html" not in body  # an htmx fragment


def test_auditor_sees_why_for_own_agency_users_only(people, provider_case, make_member):
    victim = provider_case.potentialvictims.get()
    auditor = make_member("auditor.hsi", roles=["auditor"], agency_slug="hsi-riverton")
    url = reverse(
        "sharing:why", args=[provider_case.pk, "potentialvictim", victim.pk, "legal_name"]
    )
    own = client_for(auditor).get(url, {"user": people["hsi"].pk})
    assert own.status_code == 200 and 'data-code="no_consent"' in own.content.decode()
    other = client_for(auditor).get(url, {"user": people["harbor"].pk})
    assert other.status_code == 404
    assert client_for(auditor).get(url).status_code == 404  # auditors see no case themselves


def test_another_task_force_gets_404(provider_case, make_member):
    from accord.accounts.models import TaskForce

    other_tf = TaskForce.objects.create(slug="elsewhere", name="Elsewhere TF")
    stranger = make_member(
        "investigator.far", roles=["investigator"], agency_slug="far-pd", task_force_obj=other_tf
    )
    url = reverse("sharing:why", args=[provider_case.pk, "case", provider_case.pk, "stage"])
    assert client_for(stranger).get(url).status_code == 404
