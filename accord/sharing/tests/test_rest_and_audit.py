"""S19 canaries at rest, S15 read audit (names, never values), S17 fail closed, S11 alert."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from unittest import mock

import pytest
from django.core import mail
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone

from accord.audit.models import AuditEvent, AuditReadEvent
from accord.cases.tests.test_views import client_for

CANARIES = (
    "Canary Legalname1",  # victim legal name (vsp-confidential)
    "canary-phone-555",  # victim contact
    "canary-motel-room-9",  # victim location
    "CanarySuspectQ",  # suspect name (CJI)
    "CanaryNoteQ",  # investigative note (CJI)
    "CanaryWiretapQ",  # never-shared
    "CanaryReliefQ",  # immigration relief notes (1367)
    "Canary Signername",  # the victim's e-signature on a release
)


def _write_canaries(people, provider_case, record_release) -> None:
    from accord.cases.models import CaseParticipant
    from accord.cases.services import (
        SuspectInput,
        immigration_relief_create,
        note_add,
        sensitive_material_add,
        suspect_add,
    )

    CaseParticipant.objects.get_or_create(
        case=provider_case, agency=people["rpd"].agency, defaults={"joined_at": timezone.now()}
    )
    victim = provider_case.potentialvictims.get()
    suspect_add(actor=people["rpd"], case=provider_case, data=SuspectInput(name="CanarySuspectQ"))
    note_add(actor=people["rpd"], case=provider_case, text="CanaryNoteQ")
    sensitive_material_add(
        actor=people["rpd"], case=provider_case, kind="wiretap", description="CanaryWiretapQ"
    )
    immigration_relief_create(
        actor=people["hsi"], victim_id=victim.pk, kind="continued_presence", notes="CanaryReliefQ"
    )
    record_release(victim)


@pytest.mark.django_db(transaction=True)
def test_canaries_are_not_in_the_database_file_dump_or_logs(
    people, provider_case, record_release, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    _write_canaries(people, provider_case, record_release)
    client_for(people["harbor"]).get(reverse("cases:detail", args=[provider_case.pk]))
    if connection.vendor == "sqlite":
        target = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(target)])
        raw = target.read_bytes()
        assert b"acc1:" in raw  # the protected columns hold ciphertexts
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.skip("pg_dump not installed")
        settings_dict = connection.settings_dict
        env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
        raw = subprocess.run(
            [
                pg_dump,
                "-h",
                settings_dict.get("HOST") or "127.0.0.1",
                "-p",
                str(settings_dict.get("PORT") or 5432),
                "-U",
                settings_dict.get("USER") or "postgres",
                settings_dict["NAME"],
            ],
            check=True,
            capture_output=True,
            env=env,
        ).stdout
    for canary in CANARIES:
        assert canary.encode() not in raw, f"{canary!r} found at rest"
        assert canary not in caplog.text, f"{canary!r} found in the logs"


def test_a_case_page_read_is_audited_once_with_field_names_only(
    people, provider_case, record_release
):
    _write_canaries(people, provider_case, record_release)
    before = AuditReadEvent.objects.filter(event="case_field_released").count()
    page = client_for(people["harbor"]).get(reverse("cases:detail", args=[provider_case.pk]))
    assert page.status_code == 200 and "Canary Legalname1" in page.content.decode()
    events = AuditReadEvent.objects.filter(event="case_field_released").order_by("seq")[before:]
    assert len(events) == 1
    event = events[0]
    assert "potentialvictim.legal_name" in event.fields
    assert event.purpose == "case page" and event.object_id == str(provider_case.pk)
    for canary in CANARIES:
        assert canary not in str(event.fields) + str(event.detail)


def test_immigration_disclosure_is_audited_and_alerts_the_agency_auditors(
    people, provider_case, record_release, make_member, django_capture_on_commit_callbacks
):
    _write_canaries(people, provider_case, record_release)
    auditor = make_member("auditor.hsi", roles=["auditor"], agency_slug="hsi-riverton")
    auditor.email = "auditor.hsi@example.invalid"
    auditor.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(people["hsi"]).get(reverse("cases:detail", args=[provider_case.pk]))
    assert page.status_code == 200 and "Continued Presence" in page.content.decode()
    event = AuditEvent.objects.filter(event="immigration_record_disclosed").latest("seq")
    assert "immigrationrelief.notes" in event.fields
    alerts = [m for m in mail.outbox if "auditor.hsi@example.invalid" in m.to]
    assert len(alerts) == 1 and "immigrationrelief.notes" in alerts[0].body
    assert "CanaryReliefQ" not in alerts[0].body
    mail.outbox.clear()
    client_for(people["harbor"]).get(reverse("cases:detail", args=[provider_case.pk]))
    assert not mail.outbox  # Harbor Light is not authorized: nothing shown, nothing alerted


def test_the_case_page_answers_503_when_the_audit_cannot_be_written(people, provider_case):
    """S17: no audit, no PII: the response carrying it is not sent. The case page's read is
    stored pending (issue #15), so it is the pending insert that fails here."""
    client = client_for(people["harbor"])
    with mock.patch(
        "accord.audit.models.AuditReadEvent.objects.create", side_effect=DatabaseError("disk full")
    ):
        response = client.get(reverse("cases:detail", args=[provider_case.pk]))
    assert response.status_code == 503
    assert "Canary" not in response.content.decode()


def test_the_case_page_answers_503_when_the_reads_lane_cannot_be_numbered(people, provider_case):
    """The lane counter and the pending read are one write: either failing refuses the page."""
    from django.db.backends.utils import CursorWrapper

    execute = CursorWrapper.execute

    def failing(self, sql, params=None):
        if "audit_auditreadcounter" in str(sql):
            raise DatabaseError("lock timeout")
        return execute(self, sql, params)

    client = client_for(people["harbor"])
    with mock.patch.object(CursorWrapper, "execute", failing):
        response = client.get(reverse("cases:detail", args=[provider_case.pk]))
    assert response.status_code == 503
    assert "Canary" not in response.content.decode()
    assert not AuditReadEvent.objects.filter(event="case_field_released").exists()
