"""``accord audit verify [--checkpoint FILE ...]``: 0 intact, 1 broken, 2 bad usage or checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from accord.audit.checkpoint import CheckpointInvalid, checkpoint_read
from accord.audit.services import audit_key
from accord.audit.verify import default_jobs, verify_chain
from accord.errors import AccordError

from ._usage import EXIT_BROKEN, EXIT_USAGE, AuditCommand


class Command(AuditCommand):
    help = (
        "Verify the audit trail's keyed hash chain and report the first broken link; with "
        "--checkpoint, also prove the history each checkpoint saw is still there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            dest="checkpoints",
            action="extend",
            nargs="+",
            default=[],
            metavar="FILE",
            help="a checkpoint written by `accord audit checkpoint` (repeatable)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=default_jobs(),
            metavar="N",
            help="verify N chains at once, each in its own process (default: the number of cores)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = audit_key()
            checkpoints = [checkpoint_read(Path(name), key=key) for name in options["checkpoints"]]
        except CheckpointInvalid as error:
            raise CommandError(error.message, returncode=EXIT_USAGE) from None
        except AccordError as error:
            raise CommandError(error.message, returncode=EXIT_USAGE) from None
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1", returncode=EXIT_USAGE)
        report = verify_chain(checkpoints=checkpoints, jobs=options["jobs"])
        if not report.ok:
            raise CommandError(str(report), returncode=EXIT_BROKEN)
        self.stdout.write(str(report))
