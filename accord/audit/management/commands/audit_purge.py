"""``accord audit purge --before YYYY-MM-DD``: the only way audit events leave the database (S18)."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.audit.purge import audit_purge
from accord.errors import AccordError


class Command(BaseCommand):
    help = "Remove audit events older than a date outside the retention period (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="YYYY-MM-DD; events before this day go")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = datetime.strptime(options["before"], "%Y-%m-%d").date()
        except ValueError:
            raise CommandError("--before must be a date as YYYY-MM-DD") from None
        try:
            result = audit_purge(
                before=datetime.combine(day, time.min, UTC),
                operator=f"operator:{getpass.getuser()}",
            )
        except AccordError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{result.events_removed} audit events removed")
