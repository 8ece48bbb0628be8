"""S25: a backup round-trips the whole database, encrypted, with the audit chain intact."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accord.accounts.models import Agency, RoleGrant, TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.audit.services import audit_record
from accord.audit.verify import verify_chain
from accord.encryption.backup import backup_restore, backup_write
from accord.errors import AccordError, ValidationError

pytestmark = pytest.mark.django_db(transaction=True)


def _counts() -> dict[str, int]:
    return {
        "task forces": TaskForce.objects.count(),
        "agencies": Agency.objects.count(),
        "users": User.objects.count(),
        "roles": RoleGrant.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_backup_then_restore_into_an_empty_database_loses_nothing(tmp_path, make_member):
    make_member("rosa.almeida", roles=["advocate"], agency_slug="harbor", sector="victim_services")
    make_member("sam.okafor", roles=["investigator", "auditor"], agency_slug="sheriff")
    for n in range(3):
        audit_record(
            event=AuditEventType.RECORD_UPDATED, username="x", object_id=n, fields=["legal_name"]
        )
    before = _counts()
    target = tmp_path / "accord.backup"
    backup_write(path=target)
    raw = target.read_bytes()
    assert b"rosa.almeida" not in raw and b"legal_name" not in raw  # encrypted, not just encoded

    call_command("flush", interactive=False, verbosity=0)
    assert _counts()["users"] == 0
    backup_restore(path=target)
    assert _counts() == before
    assert User.objects.get(username="rosa.almeida").agency.sector == "victim_services"
    assert verify_chain().ok


def test_restore_refuses_a_database_that_holds_data(tmp_path, make_member):
    make_member("someone")
    target = tmp_path / "b.backup"
    backup_write(path=target)
    with pytest.raises(ValidationError, match="not empty"):
        backup_restore(path=target)


def test_an_altered_backup_is_refused(tmp_path, make_member):
    make_member("someone")
    target = tmp_path / "b.backup"
    backup_write(path=target)
    data = bytearray(target.read_bytes())
    data[-5] ^= 0xFF
    target.write_bytes(bytes(data))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(AccordError, match="cannot be decrypted"):
        backup_restore(path=target)
    assert User.objects.count() == 0
