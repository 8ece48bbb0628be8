"""Escalate every disagreement whose level's time limit has passed (run it every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accord.conflicts.services import disagreements_escalate_due
from accord.jobs.commands import command_run


class Command(BaseCommand):
    help = "Move overdue open disagreements one level up the escalation ladder, with notifications."

    def handle(self, *args: Any, **options: Any) -> None:
        with command_run("conflicts.escalate") as run:
            report = disagreements_escalate_due()
            run.summary = (
                f"{len(report.escalated)} moved up, {len(report.flagged)} flagged at the last level"
            )
        for pk, from_level, to_level in report.escalated:
            self.stdout.write(f"disagreement #{pk}: level {from_level} -> {to_level}")
        for pk in report.flagged:
            self.stdout.write(f"disagreement #{pk}: overdue at the last level (flagged)")
        self.stdout.write(
            f"{len(report.escalated)} escalated, {len(report.flagged)} flagged at the last level"
        )
