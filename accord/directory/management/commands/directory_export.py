"""accord directory export [-o FILE]: HSDS 3.0 organizations as a JSON array (stdout default)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.directory.selectors import Operator
from accord.directory.services import directory_export

from ._common import add_task_force_argument, task_force_option


class Command(BaseCommand):
    help = (
        "Export the directory as HSDS 3.0 JSON; confidential addresses only on request (audited)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")
        add_task_force_argument(parser)
        parser.add_argument(
            "--include-confidential",
            action="store_true",
            help="include confidential (shelter) addresses; the export is audited as such",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        task_force = task_force_option(options["task_force"])
        records, summary = directory_export(
            actor=Operator(include_confidential=options["include_confidential"]),
            task_force=task_force,
        )
        text = json.dumps(records, indent=2, ensure_ascii=False) + "\n"
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
        self.stderr.write(
            f"exported {summary.organizations} organization(s), {summary.services} service(s), "
            f"{summary.locations} location(s); {summary.withheld_locations} confidential "
            "location(s) left out"
        )
