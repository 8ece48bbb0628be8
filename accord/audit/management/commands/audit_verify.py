"""``accord audit verify``: exit 0 when the chain is intact, 1 at the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's keyed hash chain and report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(str(report), returncode=1)
        self.stdout.write(str(report))
