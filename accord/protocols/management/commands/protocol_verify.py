"""accord protocol verify --version N: the verification report of a stored version.

Exit status 0 when there is no unresolved error, 1 when there is (warnings alone
do not fail), so scripts and CI can gate on it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.protocols.selectors import version_report

from ._common import VersionOptionMixin, add_task_force_argument, task_force_option, version_option


class Command(VersionOptionMixin, BaseCommand):
    help = "Verify a stored protocol version (gaps, overlaps, dead rules, directory cross-checks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--version", dest="number", type=int, help="version number (default: in force)"
        )
        add_task_force_argument(parser)
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--no-directory", action="store_true", help="skip directory cross-checks"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        task_force = task_force_option(options["task_force"])
        version = version_option(task_force, options["number"])
        report = version_report(version=version, with_directory=not options["no_directory"])
        if options["format"] == "json":
            self.stdout.write(json.dumps({"version": version.number, **report.to_json()}, indent=2))
        else:
            self.stdout.write(
                f"Version {version.number} ({version.get_status_display()}): "
                f"{len(report.errors)} error(s), {len(report.unresolved)} unresolved, "
                f"{len(report.warnings)} warning(s)"
                + ("" if report.directory_checked else "; directory cross-checks not available")
                + ("" if report.complete else "; INCOMPLETE (time budget spent)")
            )
            for item in report.items:
                where = item.decision or "protocol"
                rules = f" [{', '.join(item.rules)}]" if item.rules else ""
                self.stdout.write(f"  {item.severity:7} {where}{rules}: {item.message}")
                if item.situation:
                    self.stdout.write(f"          situations: {item.situation}")
                if item.accepted_note:
                    self.stdout.write(f"          accepted risk: {item.accepted_note}")
        if report.unresolved or not report.complete:
            raise SystemExit(1)
