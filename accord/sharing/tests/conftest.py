"""Example County with the demo ids (from the case app's fixtures) and a provider's case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.cases.tests.conftest import county, open_case, people  # noqa: F401

RELEASE_TEXT = (
    "I agree that Harbor Light Survivor Services may share the information I choose below with "
    "the agencies I name, for the purpose written here, until the date written here. I can say "
    "no and still receive services. I can take this back at any time."
)


@pytest.fixture
def provider_case(people):  # noqa: F811
    """A case opened by the advocate of Harbor Light: the victim's record is the provider's.

    HSI and the DA work the case too (participants), so only the release stands between them
    and the provider's records.
    """
    from accord.cases.models import CaseParticipant

    case = open_case(people["harbor"], facts={**_adult_facts()})
    now = timezone.now()
    for key in ("hsi", "da"):
        CaseParticipant.objects.get_or_create(
            case=case, agency=people[key].agency, defaults={"joined_at": now}
        )
    return case


def _adult_facts() -> dict[str, object]:
    from accord.cases.tests.conftest import LABOR_MINOR

    return {**LABOR_MINOR, "victim_age": 24, "trafficking_type": "sex", "victim_gender": "female"}


@pytest.fixture
def consent_text(task_force):
    from accord.sharing.models import ConsentText

    return ConsentText.objects.create(task_force=task_force, version="2025-1", text=RELEASE_TEXT)


@pytest.fixture
def record_release(people, consent_text):  # noqa: F811
    """Record a release through the service, as the Harbor Light advocate (e-signature)."""
    from accord.sharing.services import consent_record

    def record(victim, *, recipients=("hsi",), categories=("identity", "contact"), days=30, **kw):
        now = kw.pop("now", None) or timezone.now()
        signature = {
            "signature_method": "e_signature",
            "signer_typed_name": "Canary Signername",
            "signer_agreed": True,
            "signer_ip": "203.0.113.7",
        }
        signature.update(kw)
        return consent_record(
            actor=people["harbor"],
            victim=victim,
            recipients=[people[key].agency for key in recipients],
            categories=list(categories),
            purpose="Investigation of the case by the named agency",
            expires_at=now + timedelta(days=days),
            consent_text=consent_text,
            now=now,
            **signature,
        )

    return record
