"""``accord audit seal``: seal the pending record reads into their chains now (issue #15).

The background worker does this every minute (the periodic job ``audit.seal_reads``); this runs
the same job by hand, under the same claim, so it never runs twice at once.
"""

from __future__ import annotations

from typing import Any

from accord.audit.batches import audit_batches_seal
from accord.audit.management.commands._usage import AuditCommand
from accord.jobs.commands import command_run


class Command(AuditCommand):
    help = "Seal the pending record reads into their task forces' audit chains (Merkle batches)."

    def handle(self, *args: Any, **options: Any) -> None:
        with command_run("audit.seal_reads") as recorder:
            result = audit_batches_seal()
            recorder.summary = str(result)
        self.stdout.write(str(result))
