"""Releases (S10): who records them, what they must contain, timing, revocation, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord.audit.models import AuditEvent
from accord.audit.testing import assert_audited
from accord.core.model import FieldClass
from accord.errors import PermissionDenied, ValidationError
from accord.sharing.door import consent_views_for
from accord.sharing.models import Release
from accord.sharing.policy import FieldSpec, RecordContext, Released, Withheld, field_decision
from accord.sharing.services import consent_revoke, consents_expiring_notify
from accord.sharing.viewers import viewer_for


def legal_name_decision(user, victim):
    """What the policy answers for the victim's legal name, read fresh from the database."""
    case = victim.case
    record = RecordContext(
        task_force_id=case.task_force_id,
        stage=case.stage,
        participants=dict(case.participants.values_list("agency_id", "is_serving_provider")),
        produced_by_agency_id=victim.produced_by_id,
        produced_by_sector=victim.produced_by.sector,
        victim_id=victim.pk,
        victim_serving_provider_id=victim.serving_provider_id,
    )
    consents = consent_views_for(task_force_id=case.task_force_id, victim_ids=[victim.pk])
    return field_decision(
        viewer=viewer_for(user),
        record=record,
        spec=FieldSpec(FieldClass.VSP_CONFIDENTIAL, "identity"),
        rules=case.protocol_version.protocol.sharing,
        consents=consents.get(victim.pk, ()),
        now=timezone.now(),
    )


def test_without_a_release_hsi_does_not_see_the_providers_record(people, provider_case):
    victim = provider_case.potentialvictims.get()
    decision = legal_name_decision(people["hsi"], victim)
    assert isinstance(decision, Withheld) and decision.reason == "no_consent"
    own = legal_name_decision(people["harbor"], victim)
    assert isinstance(own, Released) and own.basis == "own_agency"


def test_a_release_naming_hsi_releases_the_agreed_categories_only(
    people, provider_case, record_release
):
    victim = provider_case.potentialvictims.get()
    release = record_release(victim, recipients=("hsi",), categories=("identity",))
    decision = legal_name_decision(people["hsi"], victim)
    assert isinstance(decision, Released)
    assert decision.basis == f"consent:{release.pk}+sharing_rule:vsp-with-release"
    assert "vsp-with-release" in decision.explanation
    da = legal_name_decision(people["da"], victim)
    assert isinstance(da, Withheld) and da.reason == "consent_wrong_recipient"
    record_context = RecordContext(
        task_force_id=provider_case.task_force_id,
        stage=provider_case.stage,
        participants=dict(
            provider_case.participants.values_list("agency_id", "is_serving_provider")
        ),
        produced_by_agency_id=victim.produced_by_id,
        produced_by_sector="victim_services",
        victim_id=victim.pk,
    )
    contact = field_decision(
        viewer=viewer_for(people["hsi"]),
        record=record_context,
        spec=FieldSpec(FieldClass.VSP_CONFIDENTIAL, "contact"),
        rules=provider_case.protocol_version.protocol.sharing,
        consents=[release.view()],
        now=timezone.now(),
    )
    assert isinstance(contact, Withheld) and contact.reason == "consent_category"


def test_recording_is_audited_without_any_name(people, provider_case, record_release):
    victim = provider_case.potentialvictims.get()
    release = record_release(victim)
    event = assert_audited(
        "consent_changed",
        object_type="sharing.release",
        object_id=release.pk,
        actor=people["harbor"],
        fields=["recipients", "categories", "purpose", "starts_at", "expires_at", "signature"],
    )
    assert event.detail["action"] == "recorded"
    assert event.detail["recipients"] == ["hsi-riverton"]
    assert event.detail["categories"] == ["contact", "identity"]
    assert "Canary" not in str(event.detail) and "Canary" not in str(event.fields)
    assert release.text_shown.startswith("I agree")
    assert release.signer_typed_name == "Canary Signername"


def test_expiry_is_mandatory_and_at_most_the_setting(
    people, provider_case, record_release, settings
):
    victim = provider_case.potentialvictims.get()
    with pytest.raises(ValidationError) as too_long:
        record_release(victim, days=91)
    assert too_long.value.data["field"] == "expires_at"
    settings.ACCORD_CONSENT_MAX_DAYS = 30
    with pytest.raises(ValidationError):
        record_release(victim, days=31)
    assert record_release(victim, days=30).pk
    from accord.sharing.services import consent_record

    with pytest.raises(ValidationError) as missing:
        consent_record(
            actor=people["harbor"],
            victim=victim,
            recipients=[people["hsi"].agency],
            categories=["identity"],
            purpose="x",
            expires_at=None,
            consent_text=_text(provider_case),
            signature_method="e_signature",
            signer_typed_name="A",
            signer_agreed=True,
        )
    assert missing.value.data["field"] == "expires_at"


def _text(case):
    from accord.sharing.models import ConsentText

    return ConsentText.objects.get(task_force_id=case.task_force_id)


def test_only_the_serving_providers_advocates_record_a_release(
    people, provider_case, record_release
):
    victim = provider_case.potentialvictims.get()
    from accord.sharing.services import consent_record

    for key in ("hsi", "newdawn"):
        with pytest.raises(PermissionDenied):
            consent_record(
                actor=people[key],
                victim=victim,
                recipients=[people["da"].agency],
                categories=["identity"],
                purpose="x",
                expires_at=timezone.now() + timedelta(days=3),
                consent_text=_text(provider_case),
                signature_method="e_signature",
                signer_typed_name="A",
                signer_agreed=True,
            )
    assert not Release.objects.exists()
    assert not AuditEvent.objects.filter(event="consent_changed").exists()


def test_unknown_category_and_missing_signature_are_named(people, provider_case, record_release):
    victim = provider_case.potentialvictims.get()
    with pytest.raises(ValidationError) as unknown:
        record_release(victim, categories=("identity", "everything"))
    assert unknown.value.data["field"] == "categories"
    with pytest.raises(ValidationError) as unsigned:
        record_release(victim, signer_typed_name="", signer_agreed=False)
    assert "signature" in unsigned.value.data["errors"]


def test_a_minors_release_needs_a_non_abusive_guardian(people, provider_case, record_release):
    victim = provider_case.potentialvictims.get()
    victim.age = 16
    victim.save(update_fields=["age"])
    with pytest.raises(ValidationError) as refused:
        record_release(victim)
    assert refused.value.data["field"] == "guardian"
    with pytest.raises(ValidationError):
        record_release(
            victim, guardian_name="Canary Guardian", guardian_relationship="aunt"
        )  # no attestation
    release = record_release(
        victim,
        guardian_name="Canary Guardian",
        guardian_relationship="aunt",
        guardian_attested_non_abusive=True,
    )
    assert release.victim_is_minor and release.signers_complete
    assert isinstance(legal_name_decision(people["hsi"], victim), Released)


def test_uploaded_form_is_type_and_size_checked_and_stored_encrypted(
    people, provider_case, record_release, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    victim = provider_case.potentialvictims.get()
    text = SimpleUploadedFile("form.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as wrong_type:
        record_release(victim, signature_method="uploaded_form", signed_form=text)
    assert wrong_type.value.data["field"] == "signed_form"
    settings.ACCORD_CONSENT_FORM_MAX_BYTES = 100
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"x" * 200)
    with pytest.raises(ValidationError):
        record_release(victim, signature_method="uploaded_form", signed_form=big)
    settings.ACCORD_CONSENT_FORM_MAX_BYTES = 10_000
    pdf = SimpleUploadedFile("signed Canary Signername.pdf", b"%PDF-1.7\nCanary Signature\n%%EOF")
    release = record_release(victim, signature_method="uploaded_form", signed_form=pdf)
    stored = list(tmp_path.rglob("*.enc"))
    assert len(stored) == 1 and b"Canary" not in stored[0].read_bytes()
    assert "Canary" not in release.signed_form_path
    from accord.sharing.uploads import signed_form_read

    assert signed_form_read(release.signed_form_path).startswith(b"%PDF-1.7\nCanary")


def test_release_applies_until_one_second_before_expiry(people, provider_case, record_release):
    """Allowed one second before expiry, refused one second after (S10: next request)."""
    victim = provider_case.potentialvictims.get()
    start = timezone.now().replace(microsecond=0)
    release = record_release(victim, now=start, days=30)
    with time_machine.travel(release.expires_at - timedelta(seconds=1), tick=False):
        assert isinstance(legal_name_decision(people["hsi"], victim), Released)
    with time_machine.travel(release.expires_at + timedelta(seconds=1), tick=False):
        decision = legal_name_decision(people["hsi"], victim)
        assert isinstance(decision, Withheld) and decision.reason == "consent_expired"


def test_revocation_hides_the_records_on_the_next_evaluation(people, provider_case, record_release):
    victim = provider_case.potentialvictims.get()
    release = record_release(victim)
    assert isinstance(legal_name_decision(people["hsi"], victim), Released)
    with pytest.raises(PermissionDenied):
        consent_revoke(actor=people["hsi"], consent=release, reason="not theirs to revoke")
    consent_revoke(actor=people["harbor"], consent=release, reason="The victim asked to stop.")
    decision = legal_name_decision(people["hsi"], victim)
    assert isinstance(decision, Withheld) and decision.reason == "consent_revoked"
    event = assert_audited(
        "consent_changed",
        object_type="sharing.release",
        object_id=release.pk,
        actor=people["harbor"],
        fields=["revoked_at", "revocation_reason"],
    )
    assert event.detail["action"] == "revoked"
    again = consent_revoke(actor=people["harbor"], consent=release, reason="twice")
    assert again.revocation_reason == "The victim asked to stop."
    revocations = AuditEvent.objects.filter(event="consent_changed", detail__action="revoked")
    assert revocations.count() == 1  # revoking twice records once


def test_advocate_is_reminded_seven_days_before_expiry_once(
    people, provider_case, record_release, django_capture_on_commit_callbacks
):
    victim = provider_case.potentialvictims.get()
    now = timezone.now()
    soon = record_release(victim, days=6, now=now)
    record_release(victim, days=30, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        assert consents_expiring_notify(now=now) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["advocate.harbor@example.invalid"]
    assert f"Release #{soon.pk}" in message.subject
    assert "Canary" not in message.body and victim.pseudonym not in message.body
    reminded = assert_audited(
        "consent_changed",
        object_type="sharing.release",
        object_id=soon.pk,
        fields=["expiry_notified_at"],
    )
    assert reminded.actor_id is None and reminded.detail == {"action": "expiry_notified"}
    with django_capture_on_commit_callbacks(execute=True):
        assert consents_expiring_notify(now=now) == 0
