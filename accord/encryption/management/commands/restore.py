"""``accord restore FILE``: load an encrypted backup into an empty, migrated database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.encryption.backup import backup_restore
from accord.errors import AccordError


class Command(BaseCommand):
    help = "Restore an encrypted backup into an empty database (run 'accord migrate' first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = backup_restore(path=options["path"])
        except AccordError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{count} records restored from {options['path']}")
