"""``accord audit triggers [--install]``: show, or put back, the append-only triggers (S16)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection, transaction

from accord.audit.checks import audit_migrations_applied
from accord.audit.triggers import expected_triggers, install_triggers, missing_triggers

from ._usage import EXIT_BROKEN, EXIT_USAGE, AuditCommand


class Command(AuditCommand):
    help = "Report whether the audit tables carry their append-only triggers; --install puts them back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--install", action="store_true", help="(re)install missing triggers")

    def handle(self, *args: Any, **options: Any) -> None:
        if not expected_triggers(connection.vendor):
            raise CommandError(
                f"append-only triggers are not available on {connection.vendor}",
                returncode=EXIT_USAGE,
            )
        if not audit_migrations_applied(connection):
            raise CommandError(
                "the audit tables are not fully migrated: run `accord migrate`",
                returncode=EXIT_USAGE,
            )
        if options["install"] and missing_triggers(connection):
            with transaction.atomic():
                install_triggers(connection)
        missing = missing_triggers(connection)
        if missing:
            raise CommandError(
                f"missing or disabled append-only triggers: {', '.join(missing)}",
                returncode=EXIT_BROKEN,
            )
        self.stdout.write(
            f"all {len(expected_triggers(connection.vendor))} append-only triggers in place"
        )
