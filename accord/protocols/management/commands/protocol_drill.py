"""accord protocol drill [--version N] [--compare M]: run the tabletop scenarios.

Scenarios come from the task force's stored drill scenarios, or from a YAML
file (``--scenarios FILE``, the format of examples/scenarios/). Exit status 1
when any scenario leaves a question unanswered.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.protocols.drills import Scenario, compare_drill, load_scenario_file, run_drill
from accord.protocols.selectors import drill_scenarios

from ._common import VersionOptionMixin, add_task_force_argument, task_force_option, version_option


class Command(VersionOptionMixin, BaseCommand):
    help = "Run the drill scenarios against a protocol version, or two side by side."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--version", dest="number", type=int, help="version (default: in force)"
        )
        parser.add_argument("--compare", type=int, help="a second version to run beside it")
        add_task_force_argument(parser)
        parser.add_argument("--scenarios", type=pathlib.Path, help="a scenarios YAML file")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        task_force = task_force_option(options["task_force"])
        version = version_option(task_force, options["number"])
        if options["scenarios"]:
            scenarios = load_scenario_file(options["scenarios"])
        else:
            scenarios = [
                Scenario(s.name, s.facts, s.notes)
                for s in drill_scenarios(task_force_id=task_force.pk)
            ]
        if options["compare"] is not None:
            other = version_option(task_force, options["compare"])
            self._compare(other, version, scenarios, as_json=options["format"] == "json")
            return
        runs = run_drill(version.protocol, scenarios)
        if options["format"] == "json":
            self.stdout.write(json.dumps([run.to_json() for run in runs], indent=2, default=str))
        else:
            for run in runs:
                flag = "UNANSWERED " if run.unanswered or run.fact_error else ""
                self.stdout.write(f"{flag}{run.scenario.name}")
                if run.fact_error:
                    self.stdout.write(f"  facts refused: {run.fact_error}")
                for answer in run.answers:
                    mark = "  " if answer.answered else "!!"
                    rules = f" ({', '.join(answer.rules)})" if answer.rules else ""
                    self.stdout.write(f"  {mark} {answer.decision}: {answer.text}{rules}")
        if any(run.unanswered or run.fact_error for run in runs):
            raise SystemExit(1)

    def _compare(self, left: Any, right: Any, scenarios: list[Scenario], *, as_json: bool) -> None:
        compared = compare_drill(left.protocol, right.protocol, scenarios)
        if as_json:
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "scenario": c.scenario.name,
                            "differences": [
                                {
                                    "decision": row.decision,
                                    f"version_{left.number}": row.left.text if row.left else None,
                                    f"version_{right.number}": row.right.text
                                    if row.right
                                    else None,
                                }
                                for row in c.rows
                                if row.differs
                            ],
                        }
                        for c in compared
                    ],
                    indent=2,
                )
            )
            return
        for c in compared:
            self.stdout.write(
                f"{c.scenario.name}: {c.differences_text} (version {left.number} → {right.number})"
            )
            for row in c.rows:
                if row.differs:
                    self.stdout.write(
                        f"  {row.decision}: {row.left.text if row.left else '—'} → "
                        f"{row.right.text if row.right else '—'}"
                    )
