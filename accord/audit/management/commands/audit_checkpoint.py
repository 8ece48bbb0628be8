"""``accord audit checkpoint [-o FILE]``: verify the chain, then sign where it ends (S16).

The file is meant to leave the machine (a witness, another host, mail): see
``accord.audit.checkpoint`` for the format and docs/operations.md for the practice.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from accord.audit.checkpoint import checkpoint_dumps
from accord.audit.events import AuditEventType
from accord.audit.services import audit_key, audit_record
from accord.audit.verify import verify_chain
from accord.errors import AccordError

from ._usage import EXIT_BROKEN, EXIT_USAGE, AuditCommand


class Command(AuditCommand):
    help = "Write a signed checkpoint of the verified audit chain (to FILE, or standard output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write here (refuses an existing file)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options["output"] else None
        if output is not None and output.exists():
            raise CommandError(
                f"{output} exists; a checkpoint never overwrites another (name each by date)",
                returncode=EXIT_USAGE,
            )
        try:
            key = audit_key()
        except AccordError as error:
            raise CommandError(error.message, returncode=EXIT_USAGE) from None
        # Never sign a broken chain: the checkpoint would vouch for the tampering.
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"no checkpoint written: {report}", returncode=EXIT_BROKEN)
        if report.last_seq == 0:
            raise CommandError(
                "no checkpoint written: the audit trail is empty", returncode=EXIT_USAGE
            )
        text = checkpoint_dumps(
            key=key,
            seq=report.last_seq,
            hash=report.last_hash,
            now=timezone.now(),
            chains=tuple(end for end in report.ends if end[0]),
        )
        if output is None:
            self.stdout.write(text, ending="")
        else:
            try:
                with output.open("x", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as error:
                raise CommandError(
                    f"{output}: cannot write the checkpoint ({error.strerror or error})",
                    returncode=EXIT_USAGE,
                ) from None
        audit_record(
            event=AuditEventType.AUDIT_CHECKPOINT_WRITTEN,
            username="operator",
            object_type="audit_event",
            object_id=report.last_seq,
            detail={
                "seq": report.last_seq,
                "chains": len(report.ends) - 1,
                "file": str(output) if output else "(stdout)",
            },
        )
        if output is not None:
            self.stdout.write(f"checkpoint of event #{report.last_seq} written to {output}")
