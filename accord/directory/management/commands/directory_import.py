"""accord directory import PATH: an HSDS 3.0 file or directory, all-or-nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.directory.hsds import DirectoryImportError
from accord.directory.selectors import Operator
from accord.directory.services import ImportSource, directory_import

from ._common import add_task_force_argument, task_force_option


class Command(BaseCommand):
    help = "Import HSDS 3.0 JSON (an organization, a list of them, or a service); nothing changes on error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="FILE.json or a directory of *.json files")
        add_task_force_argument(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        task_force = task_force_option(options["task_force"])

        def progress(count: int) -> None:
            self.stderr.write(f"... {count} records written")

        try:
            report = directory_import(
                actor=Operator(),
                task_force=task_force,
                source=ImportSource(path=options["path"], name=str(options["path"])),
                dry_run=options["dry_run"],
                progress=progress,
            )
        except DirectoryImportError as error:
            raise CommandError(error.message) from error
        for line in report.lines():
            self.stdout.write(line)
