"""Demo release: Harbor Light's client signs a 30-day release naming HSI Riverton.

The demo case "Domestic servitude, nonbinary survivor" (opened by HSI, referred to
Harbor Light) gets: the referral accepted by advocate.harbor, the survivor's contact
details recorded by Harbor Light (so the confidential record is now the provider's,
VAWA confidentiality applies), and an e-signed release naming ``hsi-riverton`` for
identity and contact. investigator.hsi then sees those two categories and not the
location; after a revocation (``consent_revoke``) HSI no longer sees them.
Skipped (with a message) when the pieces are missing; idempotent.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Agency, TaskForce, User
from accord.sharing.models import ConsentText, Release
from accord.sharing.services import consent_record, consent_texts_install_shipped

DEMO_CASE_TITLE = "Domestic servitude, nonbinary survivor"


def consent_text_for(task_force: TaskForce, *, language_code: str = "en") -> ConsentText:
    """The task force's newest wording in a language (the shipped English and Spanish are
    installed first when the task force has none)."""
    consent_texts_install_shipped(task_force_id=task_force.pk)
    text = (
        ConsentText.objects.filter(task_force=task_force, language_code=language_code)
        .order_by("-created_at", "-pk")
        .first()
    )
    if text is None:
        raise LookupError(f"No release wording in {language_code!r}.")
    return text


@transaction.atomic
def load(*, task_force: TaskForce) -> Release | None:
    from . import services as case_services
    from .models import Case, Referral, ReferralStatus

    advocate = User.objects.filter(
        username="advocate.harbor", agency__task_force=task_force
    ).first()
    hsi = Agency.objects.filter(task_force=task_force, slug="hsi-riverton").first()
    case = Case.objects.filter(task_force=task_force, title=DEMO_CASE_TITLE).first()
    if advocate is None or hsi is None or case is None:
        print("sharing demo skipped: demo case, advocate.harbor or hsi-riverton missing")
        return None
    victim = case.potentialvictims.order_by("pk").first()
    if victim is None:
        return None
    existing = Release.objects.filter(victim=victim, recipients=hsi).first()
    if existing is not None:
        return existing
    now = timezone.now()
    referral = Referral.objects.filter(
        case=case, victim=victim, to_agency=advocate.agency, status=ReferralStatus.SENT
    ).first()
    if referral is not None:
        case_services.referral_accept(
            actor=advocate, referral_id=referral.pk, expected_version=referral.lock_version, now=now
        )
        victim.refresh_from_db()
    if victim.serving_provider_id != advocate.agency_id:
        print("sharing demo skipped: Harbor Light is not the survivor's serving provider")
        return None
    case_services.victim_update(
        actor=advocate,
        victim_id=victim.pk,
        changes={
            "contact": "(invented) 555-0142, text only after 6 pm",
            "current_location": "(invented) Harbor Light safe house",
            "needs": "(invented) housing, counseling, interpreter (Spanish)",
        },
        expected_version=victim.lock_version,
        now=now,
    )
    victim.refresh_from_db()
    return consent_record(
        actor=advocate,
        victim=victim,
        recipients=[hsi],
        categories=["identity", "contact"],
        purpose="(invented) HSI interview and Continued Presence request",
        expires_at=now + timedelta(days=30),
        consent_text=consent_text_for(task_force),
        signature_method="e_signature",
        signer_typed_name="(invented) V-6A",
        signer_agreed=True,
        signer_ip="127.0.0.1",
        victim_is_minor=False,
        now=now,
    )
