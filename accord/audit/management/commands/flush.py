"""Django's ``flush``, refused unless ``ACCORD_ALLOW_FLUSH`` (the test settings only).

Flushing would erase the audit trail, which S16/S18 forbid outside an audited
purge. The test suite needs it between transactional tests, so there it lifts the
append-only triggers for the flush and puts them back at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from accord.audit.triggers import install_triggers, remove_triggers


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        if not getattr(settings, "ACCORD_ALLOW_FLUSH", False):
            raise CommandError("flush is refused: it would erase the audit trail (S16, S18).")
        connection = connections[options.get("database", "default")]
        remove_triggers(connection)
        try:
            super().handle(**options)
            if connection.vendor == "sqlite":
                # SQLite empties tables with DELETE, which fires the row triggers of other apps
                # (the report roll-ups mark a deleted case's month): a second pass removes what
                # they wrote during the first, so the next test starts from empty tables.
                super().handle(**options)
            if connection.vendor == "postgresql":  # event numbers start again at 1, as on SQLite
                with connection.cursor() as cursor:
                    cursor.execute("ALTER SEQUENCE IF EXISTS audit_event_seq RESTART WITH 1")
        finally:
            install_triggers(connection)
