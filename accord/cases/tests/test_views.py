"""The pages: intake form, plan, referral buttons, boards; refusals and canaries (S8, S9)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accord.cases.models import Case, Referral

from .conftest import open_case


def client_for(user) -> Client:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.filter(user=user).first().persistent_id
    session.save()
    return client


INTAKE = {
    "title": "Orchard workers",
    "incident_kind": "victim_ready",
    "jurisdiction": "riverton",
    "fact_imminent_danger": "false",
    "fact_trafficking_type": "labor",
    "fact_trafficker_foreign_national": "unknown",
    "fact_victim_count": "1",
    "fact_jurisdiction": "riverton",
    "fact_trafficker_intimate_partner": "unknown",
    "fact_operation_planned": "false",
    "fact_proceeding": "unknown",
    "fact_stage": "unknown",
    "victims-TOTAL_FORMS": "1",
    "victims-INITIAL_FORMS": "0",
    "victims-0-pseudonym": "V-1",
    "victims-0-legal_name": "Canary Legalname",
    "victims-0-age": "17",
    "victims-0-gender": "male",
    "victims-0-citizenship": "foreign_national",
}


def test_intake_form_opens_case_and_shows_plan_and_refuses_double_submit(people):
    client = client_for(people["rpd"])
    page = client.get(reverse("cases:open"))
    assert page.status_code == 200
    token = page.context["form"].initial["intake_token"]
    response = client.post(reverse("cases:open"), {**INTAKE, "intake_token": token})
    assert response.status_code == 302
    case = Case.objects.get()
    detail = client.get(response["Location"]).content.decode()
    assert "Org hsi-riverton" in detail and "riverside-youth-shelter" in detail
    assert "Continued Presence" in detail and "Canary Legalname" in detail
    again = client.post(reverse("cases:open"), {**INTAKE, "intake_token": token})
    assert "already submitted" in again.content.decode()
    assert Case.objects.count() == 1 and case.number


def test_bad_fact_is_named_on_the_form(people):
    client = client_for(people["rpd"])
    response = client.post(
        reverse("cases:open"), {**INTAKE, "fact_victim_count": "5000", "intake_token": "t1"}
    )
    assert response.status_code == 200 and "victim_count" in response.content.decode()
    assert not Case.objects.exists()


def test_case_page_refusals_and_canaries(people):
    case = open_case(people["rpd"])
    assert (
        client_for(people["harbor"]).get(reverse("cases:detail", args=[case.pk])).status_code == 404
    )
    assert client_for(people["interp"]).get(reverse("cases:open")).status_code == 403
    coordinator_page = client_for(people["coordinator"]).get(
        reverse("cases:detail", args=[case.pk])
    )
    assert coordinator_page.status_code == 200
    assert "canary" not in coordinator_page.content.decode().lower()


def test_referral_accept_through_the_page_and_boards(people):
    case = open_case(people["rpd"])
    rpd = client_for(people["rpd"])
    form = rpd.get(reverse("cases:referral_new", args=[case.pk]))
    victim_id = form.context["form"].fields["victim"].choices[0][0]
    rpd.post(
        reverse("cases:referral_new", args=[case.pk]),
        {"victim": victim_id, "to_agency": "new-dawn"},
    )
    referral = Referral.objects.get()
    advocate = client_for(people["newdawn"])
    page = advocate.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Accept referral" in page and "Canary" not in page
    advocate.post(reverse("cases:referral_act", args=[referral.pk, "accept"]), {"lock_version": 1})
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert (
        "advocate contacts the victim" in advocate.get(reverse("cases:my_tasks")).content.decode()
    )
    assert (
        "Continued Presence"
        in client_for(people["hsi"]).get(reverse("cases:agency_tasks")).content.decode()
    )
    # a stale accept is a conflict, not a silent overwrite
    response = advocate.post(
        reverse("cases:referral_act", args=[referral.pk, "complete"]), {"lock_version": 1}
    )
    assert response.status_code == 409


def test_record_forms_enforce_roles(people):
    case = open_case(people["rpd"])
    rpd = client_for(people["rpd"])
    assert (
        rpd.post(
            reverse("cases:record_new", args=[case.pk, "note"]), {"text": "Canary note"}
        ).status_code
        == 302
    )
    hsi_page = (
        client_for(people["hsi"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    )
    assert "Canary note" in hsi_page
    Referral  # noqa: B018
    rpd.post(
        reverse("cases:referral_new", args=[case.pk]),
        {"victim": case.potentialvictims.first().pk, "to_agency": "new-dawn"},
    )
    nd = client_for(people["newdawn"])
    assert (
        nd.post(reverse("cases:record_new", args=[case.pk, "suspect"]), {"name": "X"}).status_code
        == 403
    )
    assert "Canary note" not in nd.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Canary note" not in nd.get(reverse("cases:timeline", args=[case.pk])).content.decode()


def test_the_plan_and_interpreter_lines_name_organizations_and_payers_in_words(people):
    """An answer's organization or service shows by its directory name, a code in words; an
    interpreter request by its service's name and its payer in words (never a slug)."""
    case = open_case(people["rpd"])
    detail = client_for(people["rpd"]).get(reverse("cases:detail", args=[case.pk])).content
    page = detail.decode()
    assert "<strong>Agency</strong>: HSI-RIVERTON" in page  # the member agency's name
    assert "<strong>agency</strong>: hsi-riverton" not in page
    assert "<strong>Timing</strong>: within 24 hours" in page
    assert "Interpreting, court-certified available, paid by the investigating agency" in page
    assert "bridge-language-interpreting, paid by" not in page


def test_the_referral_form_offers_services_by_name_and_refuses_another_agencys(people):
    case = open_case(people["rpd"])
    rpd = client_for(people["rpd"])
    url = reverse("cases:referral_new", args=[case.pk])
    groups = dict(rpd.get(url).context["form"].fields["to_service"].choices)
    # grouped by organization, each service by its name
    assert dict(groups["Org new-dawn"])["new-dawn-case-management"] == (
        "Service new-dawn-case-management"
    )
    offered = {
        value for options in groups.values() if isinstance(options, list) for value, _ in options
    }
    assert "riverside-youth-shelter" not in offered  # not a member agency's service
    victim = case.potentialvictims.get().pk
    refused = rpd.post(
        url,
        {"victim": victim, "to_agency": "new-dawn", "to_service": "harbor-light-safe-house"},
    )
    assert refused.status_code == 200
    assert "lists no service" in refused.context["form"].errors["to_service"][0]
    assert not Referral.objects.exists()
    rpd.post(url, {"victim": victim, "to_agency": "new-dawn", "to_service": "new-dawn-housing"})
    assert Referral.objects.get().to_service == "new-dawn-housing"
    page = rpd.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "NEW-DAWN (Transitional housing, adult men 18+)" in page
    assert "interpreter needed" in page and "interpreter_needed" not in page
