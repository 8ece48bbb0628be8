"""The release pages: advocates record and revoke a victim's release; nobody else reaches them.

What a user would notice: the form records a release that the named recipient sees on
its next page, refused input is shown next to its field and nothing is stored, a
revocation hides the records on the recipient's next request, and another agency's (or
task force's) user gets "not found" for every release page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accord.accounts.tests.factories import reauthenticate
from accord.audit.models import AuditEvent, AuditReadEvent
from accord.cases.tests.conftest import LABOR_MINOR, open_case
from accord.cases.tests.test_views import client_for
from accord.sharing import door
from accord.sharing.models import ConsentText, Release

from .conftest import RELEASE_TEXT

PURPOSE = "Canary-purpose: interview by the named agency"


def releases_url(victim) -> str:
    return reverse("sharing:victim_releases", args=[victim.pk])


def new_url(victim) -> str:
    return reverse("sharing:release_new", args=[victim.pk])


def form_data(people, consent_text, **changes):
    """What the advocate types for a 30-day e-signed release naming HSI (identity, contact)."""
    data = {
        "consent_text": str(consent_text.pk),
        "recipients": [str(people["hsi"].agency_id)],
        "categories": ["identity", "contact"],
        "purpose": PURPOSE,
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "signature_method": "e_signature",
        "signer_typed_name": "Canary Signername",
        "signer_agreed": "on",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def victim_values(user, case):
    """What the door shows ``user`` of the case's first victim."""
    return door.case_detail(viewer=user, case_id=case.pk).victims[0].values


def test_advocate_records_a_release_through_the_form_and_hsi_sees_the_agreed_categories(
    people, provider_case, consent_text
):
    victim = provider_case.potentialvictims.get()
    harbor = client_for(people["harbor"])
    assert "legal_name" not in victim_values(people["hsi"], provider_case)

    page = harbor.get(new_url(victim))
    body = page.content.decode()
    assert page.status_code == 200
    assert RELEASE_TEXT in body  # the wording, in full, to read with the victim
    assert "HSI-RIVERTON" in body
    assert f'name="recipients" value="{people["hsi"].agency_id}"' in body
    assert f'name="recipients" value="{people["harbor"].agency_id}"' not in body  # not itself
    assert "At most 90 days" in body and "the longest release the task force allows" in body
    assert "ACCORD_CONSENT_MAX_DAYS" not in body  # a setting name is no word for an advocate
    default = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert f'value="{default}"' in body  # expiry defaults to today + 30 days
    assert "Identity: legal name, date of birth" in body

    response = harbor.post(new_url(victim), form_data(people, consent_text))
    release = Release.objects.get(victim=victim)
    # the release's own page, where it is printed for the victim
    assert response.status_code == 302
    assert response.url == reverse("sharing:release_detail", args=[release.pk])
    listing = harbor.get(response.url).content.decode()
    assert f"Release #{release.pk} recorded" in listing and "in effect" in listing
    assert release.consent_text == consent_text and release.text_shown == RELEASE_TEXT
    assert release.signer_typed_name == "Canary Signername" and release.signer_agreed

    shown = victim_values(people["hsi"], provider_case)
    assert shown["legal_name"] == "Canary Legalname1" and shown["contact"] == "canary-phone-555"
    assert "current_location" not in shown  # location was not agreed
    case_page = client_for(people["hsi"]).get(reverse("cases:detail", args=[provider_case.pk]))
    assert "Canary Legalname1" in case_page.content.decode()
    assert "canary-motel-room-9" not in case_page.content.decode()
    assert "legal_name" not in victim_values(people["da"], provider_case)  # not named


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"expires_on": None}, "expires_on", "needs an expiry date"),
        ({"expires_on": "2999-01-01"}, "expires_on", "at most 90 days"),
        ({"recipients": None}, "recipients", "at least one recipient"),
        ({"categories": None}, "categories", "at least one data category"),
        ({"signer_agreed": None}, "signer_typed_name", "ticks the agreement"),
        ({"signature_method": "uploaded_form"}, "signed_form", "Upload the signed"),
    ],
)
def test_refused_input_is_shown_next_to_its_field_and_nothing_is_stored(
    people, provider_case, consent_text, changes, field, words
):
    victim = provider_case.potentialvictims.get()
    data = form_data(people, consent_text, **changes)
    response = client_for(people["harbor"]).post(new_url(victim), data)
    body = response.content.decode()
    assert response.status_code == 400
    start = body.index(f'id="id_{field}_errors"')
    assert words in body[start : start + 300]
    assert not Release.objects.exists()
    assert PURPOSE in body  # what was typed is kept
    assert not AuditEvent.objects.filter(event="consent_changed").exists()


def test_a_too_long_expiry_on_the_last_allowed_day_passes(people, provider_case, consent_text):
    victim = provider_case.potentialvictims.get()
    last = (timezone.localdate() + timedelta(days=90)).isoformat()
    response = client_for(people["harbor"]).post(
        new_url(victim), form_data(people, consent_text, expires_on=last)
    )
    assert response.status_code == 302
    day_after = (timezone.localdate() + timedelta(days=91)).isoformat()
    refused = client_for(people["harbor"]).post(
        new_url(victim), form_data(people, consent_text, expires_on=day_after)
    )
    assert refused.status_code == 400 and Release.objects.count() == 1


def test_a_minor_needs_a_non_abusive_guardian(people, consent_text):
    case = open_case(people["harbor"], facts=LABOR_MINOR)  # the victim is 17
    victim = case.potentialvictims.get()
    harbor = client_for(people["harbor"])
    assert "the victim's age as 17" in harbor.get(new_url(victim)).content.decode()
    refused = harbor.post(new_url(victim), form_data(people, consent_text))
    body = refused.content.decode()
    assert refused.status_code == 400
    start = body.index('id="id_guardian_name_errors"')
    assert "non-abusive parent or guardian" in body[start : start + 300]
    assert not Release.objects.exists()
    accepted = harbor.post(
        new_url(victim),
        form_data(
            people,
            consent_text,
            guardian_name="Canary Guardianname",
            guardian_relationship="aunt",
            guardian_attested_non_abusive="on",
        ),
    )
    assert accepted.status_code == 302
    release = Release.objects.get()
    assert release.victim_is_minor and release.guardian_attested_non_abusive
    assert release.in_effect(now=timezone.now())


def test_without_a_release_text_there_is_nothing_to_sign(people, provider_case):
    victim = provider_case.potentialvictims.get()
    harbor = client_for(people["harbor"])
    page = harbor.get(new_url(victim)).content.decode()
    assert "no release wording" in page.lower() and "Record the release" not in page
    text = ConsentText.objects.create(
        task_force=provider_case.task_force, version="x", text="wording"
    )
    ConsentText.objects.filter(pk=text.pk).delete()
    refused = harbor.post(new_url(victim), form_data(people, text))
    assert refused.status_code == 400 and not Release.objects.exists()


def test_only_the_serving_providers_advocates_reach_the_pages(
    people, provider_case, record_release, make_member
):
    from accord.accounts.models import TaskForce
    from accord.cases.models import CaseParticipant

    victim = provider_case.potentialvictims.get()
    release = record_release(victim)
    # New Dawn works the case too, but is not the victim's serving provider
    CaseParticipant.objects.create(
        case=provider_case, agency=people["newdawn"].agency, joined_at=timezone.now()
    )
    pages = [
        releases_url(victim),
        new_url(victim),
        reverse("sharing:release_detail", args=[release.pk]),
        reverse("sharing:release_signed_form", args=[release.pk]),
    ]
    own = client_for(people["harbor"])
    assert all(own.get(url).status_code in (200, 302, 404) for url in pages)
    assert own.get(pages[0]).status_code == 200 and own.get(pages[2]).status_code == 200

    far_tf = TaskForce.objects.create(slug="far", name="Far TF")
    stranger = make_member(
        "advocate.far",
        roles=["advocate"],
        agency_slug="far-vsp",
        sector="victim_services",
        task_force_obj=far_tf,
    )
    for user in (people["newdawn"], people["legal"], people["cps"], stranger):
        client = client_for(user)
        reauthenticate(client, user)  # the signed form is an export: it asks again first
        for url in pages:
            assert client.get(url).status_code == 404, (user.username, url)
        revoke = reverse("sharing:release_revoke", args=[release.pk])
        assert client.post(revoke, {f"revoke-{release.pk}-reason": "x"}).status_code == 404
    # other roles are refused by the page's declaration, the same for every id (no leak)
    hsi = client_for(people["hsi"])
    assert hsi.get(pages[0]).status_code == 403
    assert hsi.get(reverse("sharing:victim_releases", args=[999_999])).status_code == 403
    assert own.get(reverse("sharing:victim_releases", args=[999_999])).status_code == 404
    # a victim of a case Harbor Light does not serve
    other_case = open_case(people["hsi"])
    other_victim = other_case.potentialvictims.get()
    assert own.get(releases_url(other_victim)).status_code == 404
    assert Release.objects.get().revoked_at is None


def test_auditors_of_the_provider_read_the_record_but_not_the_signed_form(
    people, provider_case, record_release, make_member
):
    victim = provider_case.potentialvictims.get()
    pdf = SimpleUploadedFile("f.pdf", b"%PDF-1.4 canary-signed-form", "application/pdf")
    release = record_release(victim, signature_method="uploaded_form", signed_form=pdf)
    detail = reverse("sharing:release_detail", args=[release.pk])
    auditor = make_member(
        "auditor.harbor", roles=["auditor"], agency_slug="harbor-light", sector="victim_services"
    )
    page = client_for(auditor).get(detail)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Investigation of the case by the named agency" in body and RELEASE_TEXT in body
    assert "canary-signed-form" not in body and "Download the signed form" not in body
    assert client_for(auditor).get(releases_url(victim)).status_code == 403
    form_url = reverse("sharing:release_signed_form", args=[release.pk])
    assert client_for(auditor).get(form_url).status_code == 403
    hsi_auditor = make_member("auditor.hsi", roles=["auditor"], agency_slug="hsi-riverton")
    assert client_for(hsi_auditor).get(detail).status_code == 404


def test_the_signed_form_is_uploaded_checked_and_downloaded_as_an_attachment(
    people, provider_case, consent_text
):
    victim = provider_case.potentialvictims.get()
    harbor = client_for(people["harbor"])
    text_file = SimpleUploadedFile("f.pdf", b"not a pdf at all", "application/pdf")
    refused = harbor.post(
        new_url(victim),
        form_data(people, consent_text, signature_method="uploaded_form", signed_form=text_file),
    )
    body = refused.content.decode()
    assert refused.status_code == 400 and not Release.objects.exists()
    assert "must be a PDF, PNG or JPEG" in body[body.index('id="id_signed_form_errors"') :][:300]
    pdf = SimpleUploadedFile("f.pdf", b"%PDF-1.4 canary-signed-form", "application/pdf")
    accepted = harbor.post(
        new_url(victim),
        form_data(people, consent_text, signature_method="uploaded_form", signed_form=pdf),
    )
    assert accepted.status_code == 302
    release = Release.objects.get()
    detail = harbor.get(reverse("sharing:release_detail", args=[release.pk])).content.decode()
    assert "canary-signed-form" not in detail and "Download the signed form" in detail
    form_url = reverse("sharing:release_signed_form", args=[release.pk])
    first = harbor.get(form_url)
    assert first.status_code == 302 and reverse("accounts:reauthenticate") in first.url
    reauthenticate(harbor, people["harbor"])
    download = harbor.get(form_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert download.content == b"%PDF-1.4 canary-signed-form"
    exported = AuditEvent.objects.get(event="exported", object_id=str(release.pk))
    assert exported.fields == ["release.signed_form"]


def test_revoking_through_the_page_hides_the_records_on_the_next_request(
    people, provider_case, record_release
):
    victim = provider_case.potentialvictims.get()
    release = record_release(victim)
    assert "legal_name" in victim_values(people["hsi"], provider_case)
    harbor = client_for(people["harbor"])
    revoke = reverse("sharing:release_revoke", args=[release.pk])
    prefix = f"revoke-{release.pk}"
    refused = harbor.post(revoke, {f"{prefix}-confirm": "on"})
    assert refused.status_code == 400 and "Say why the release is revoked" in (
        refused.content.decode()
    )
    unconfirmed = harbor.post(revoke, {f"{prefix}-reason": "asked to stop"})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.content.decode()
    release.refresh_from_db()
    assert release.revoked_at is None and "legal_name" in victim_values(
        people["hsi"], provider_case
    )

    done = harbor.post(
        revoke, {f"{prefix}-reason": "Canary-reason asked to stop", f"{prefix}-confirm": "on"}
    )
    assert done.status_code == 302 and done.url == releases_url(victim)
    listing = harbor.get(done.url).content.decode()
    assert "revoked" in listing and "Canary-reason asked to stop" in listing
    shown = victim_values(people["hsi"], provider_case)
    assert "legal_name" not in shown and "contact" not in shown
    page = client_for(people["hsi"]).get(reverse("cases:detail", args=[provider_case.pk]))
    assert "Canary Legalname1" not in page.content.decode()


def test_the_pages_never_carry_another_victims_data(people, record_release):
    from accord.cases.models import CaseParticipant

    case = open_case(
        people["harbor"], facts={**LABOR_MINOR, "victim_age": 30}, victims=2, title="Two"
    )
    CaseParticipant.objects.get_or_create(
        case=case, agency=people["hsi"].agency, defaults={"joined_at": timezone.now()}
    )
    first, second = case.potentialvictims.order_by("pk")
    mine = record_release(first, victim_is_minor=False)
    theirs = record_release(
        second, categories=("needs",), victim_is_minor=False, signer_typed_name="Canary Other"
    )
    Release.objects.filter(pk=theirs.pk).update(purpose="Canary-other-purpose")
    harbor = client_for(people["harbor"])
    pages = [
        harbor.get(releases_url(first)),
        harbor.get(reverse("sharing:release_detail", args=[mine.pk])),
        harbor.get(new_url(first)),
    ]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert "Canary-other-purpose" not in body and "Canary Other" not in body
        assert f"Release #{theirs.pk}" not in body and "V-2" not in body
        assert "Canary Legalname" not in body  # the pages carry no case values at all


def test_releases_index_lists_expiring_first_and_the_navigation_offers_it(
    people, provider_case, record_release
):
    victim = provider_case.potentialvictims.get()
    soon = record_release(victim, days=5)
    later = record_release(victim, days=40)
    ended = record_release(victim, days=20)
    Release.objects.filter(pk=ended.pk).update(revoked_at=timezone.now())
    page = client_for(people["harbor"]).get(reverse("sharing:releases"))
    body = page.content.decode()
    assert page.status_code == 200
    expiring, rest = body.split('id="effect-h"')
    assert f"Release #{soon.pk}" in expiring and f"Release #{later.pk}" not in expiring
    assert f"Release #{later.pk}" in rest
    assert f"Release #{ended.pk}" not in body
    assert "V-1, case" in body
    assert f'href="{reverse("sharing:releases")}"' in body  # navigation entry
    investigator = client_for(people["hsi"]).get(reverse("cases:list")).content.decode()
    assert f'href="{reverse("sharing:releases")}"' not in investigator
    newdawn = client_for(people["newdawn"]).get(reverse("sharing:releases")).content.decode()
    assert f"Release #{soon.pk}" not in newdawn


def test_the_case_page_links_the_serving_provider_to_the_victims_releases(people, provider_case):
    victim = provider_case.potentialvictims.get()
    link = f'href="{releases_url(victim)}"'
    case_url = reverse("cases:detail", args=[provider_case.pk])
    assert link in client_for(people["harbor"]).get(case_url).content.decode()
    assert link not in client_for(people["hsi"]).get(case_url).content.decode()


def test_recording_reading_and_revoking_are_audited_by_field_name(
    people, provider_case, consent_text
):
    victim = provider_case.potentialvictims.get()
    harbor = client_for(people["harbor"])
    harbor.post(new_url(victim), form_data(people, consent_text))
    release = Release.objects.get()
    harbor.get(releases_url(victim))
    harbor.get(reverse("sharing:release_detail", args=[release.pk]))
    prefix = f"revoke-{release.pk}"
    harbor.post(
        reverse("sharing:release_revoke", args=[release.pk]),
        {f"{prefix}-reason": "asked", f"{prefix}-confirm": "on"},
    )
    changes = AuditEvent.objects.filter(event="consent_changed", object_id=str(release.pk))
    assert sorted(e.detail["action"] for e in changes) == ["recorded", "revoked"]
    listed = AuditReadEvent.objects.get(
        event="record_read", object_type="cases.potentialvictim", object_id=str(victim.pk)
    )
    assert "release.purpose" in listed.fields
    read = AuditReadEvent.objects.get(
        event="record_read", object_type="sharing.release", object_id=str(release.pk)
    )
    assert "release.signer_typed_name" in read.fields
    for event in [*AuditEvent.objects.all(), *AuditReadEvent.objects.all()]:
        assert "Canary" not in str(event.detail) and "Canary" not in str(event.fields)
