"""What the ``accord audit`` commands share: bad usage exits 2 with one sentence, never a traceback."""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

#: Exit codes of ``accord audit verify`` and ``checkpoint`` (documented in docs/operations.md).
EXIT_BROKEN, EXIT_USAGE = 1, 2


class AuditCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def usage_error(message: str) -> NoReturn:
            raise CommandError(
                f"{message} (`accord help` lists the commands and their options)",
                returncode=EXIT_USAGE,
            )

        # Django raises CommandError with exit code 1 when called through call_command.
        parser.error = usage_error  # type: ignore[method-assign]
        return parser
