"""``accord backup -o FILE``: the whole database in one encrypted file (S25)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.encryption.backup import backup_write


class Command(BaseCommand):
    help = "Write an encrypted backup of the whole database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        result = backup_write(path=options["output"])
        audit_record(
            event=AuditEventType.EXPORTED,
            username="operator",
            object_type="backup",
            detail={"objects": result.objects},
        )
        self.stdout.write(
            f"{result.objects} records written to {result.path} ({result.bytes_written} bytes, encrypted)"
        )
