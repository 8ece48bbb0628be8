"""accord directory stale: what needs re-verification and which organizations lack a 24/7 line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.directory.selectors import directory_upkeep, stale_after
from accord.jobs.commands import command_run

from ._common import add_task_force_argument, task_force_option


class Command(BaseCommand):
    help = "List directory entries not verified within ACCORD_DIRECTORY_STALE_AFTER, and 24/7 gaps."

    def add_arguments(self, parser: CommandParser) -> None:
        add_task_force_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        task_force = task_force_option(options["task_force"])
        with command_run("directory.stale") as run:
            report = directory_upkeep(task_force=task_force)
            run.summary = (
                f"{len(report.stale)} to re-verify, {len(report.missing_24_7)} without a 24/7 "
                "contact"
            )
        self.stdout.write(f"Not verified for {stale_after().days} days: {len(report.stale)}")
        for item in report.stale:
            self.stdout.write(f"  {item.kind} {item.record.slug}: {item.reason}")
        self.stdout.write(
            f"Missing 24/7 contact ({report.checked_organizations}): {len(report.missing_24_7)}"
        )
        for item in report.missing_24_7:
            self.stdout.write(f"  {item.record.slug}: {item.reason}")
