"""Whole-database backups (S25): one encrypted file, restorable on SQLite or PostgreSQL.

The file is ``ACCORD-BACKUP-1`` + key id + AES-256-GCM(gzip(JSON of every row)).
Encrypted columns are written decrypted *inside* the encrypted file and
re-encrypted with the current key on restore, so a backup survives key rotation
as long as the key it was made with is still in the keyring. Audit events keep
their sequence numbers and hashes, so the chain still verifies after a restore.
"""

from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core import serializers
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.translation import gettext

from accord.errors import AccordError, ValidationError

from .keys import keyring

MAGIC = b"ACCORD-BACKUP-1\n"
CONTEXT = b"accord-backup-v1"
#: Not backed up: made again by migrate, or derived (the report roll-ups are counted again from
#: the restored cases: a month without a roll-up is counted on first read).
EXCLUDED = (
    "contenttypes",
    "auth.permission",
    "sessions.session",
    "django_tasks_database",
    "sharing.CaseCountMonth",
    "sharing.CaseCountChange",
)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    objects: int
    bytes_written: int


def backup_write(*, path: Path) -> BackupResult:
    buffer = io.StringIO()
    call_command(
        "dumpdata",
        *[f"--exclude={label}" for label in EXCLUDED],
        "--natural-foreign",
        format="json",
        stdout=buffer,
    )
    text = buffer.getvalue()
    ring = keyring()
    nonce = os.urandom(12)
    sealed = AESGCM(ring.key(ring.current_id)).encrypt(nonce, gzip.compress(text.encode()), CONTEXT)
    payload = MAGIC + ring.current_id.encode() + b"\n" + nonce + sealed
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(payload)
    return BackupResult(path=path, objects=text.count('"model":'), bytes_written=len(payload))


def backup_read(*, path: Path) -> str:
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ValidationError(
            gettext("%(path)s is not an Accord backup (wrong header).") % {"path": path},
            data={"field": "path"},
        )
    key_id, _, rest = data[len(MAGIC) :].partition(b"\n")
    try:
        plain = AESGCM(keyring().key(key_id.decode())).decrypt(rest[:12], rest[12:], CONTEXT)
    except InvalidTag:
        raise AccordError(
            gettext("%(path)s cannot be decrypted: wrong key or the file was altered.")
            % {"path": path}
        ) from None
    return gzip.decompress(plain).decode()


def backup_restore(*, path: Path) -> int:
    """Load a backup into an empty, migrated database; refuse a database that holds data."""
    from accord.accounts.models import TaskForce
    from accord.audit.models import AuditEvent

    if TaskForce.objects.exists() or AuditEvent.objects.exists():
        raise ValidationError(
            gettext("The database is not empty; restore only into a freshly migrated database."),
            data={"field": "database"},
        )
    text = backup_read(path=path)
    count = 0
    with transaction.atomic(), connection.constraint_checks_disabled():
        for deserialized in serializers.deserialize("json", text, handle_forward_references=True):
            deserialized.save()
            count += 1
    connection.check_constraints()
    return count
