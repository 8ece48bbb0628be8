"""Escalate overdue tasks once (run from cron or the worker's schedule)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from accord.jobs.commands import command_run


class Command(BaseCommand):
    help = "Mark overdue open tasks escalated (once) and notify the owning agency's lead and the coordinators."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", help="ISO time to use as 'now' (drills and tests)")

    def handle(self, *args: Any, **options: Any) -> None:
        from accord.cases.services import tasks_escalate_overdue
        from accord.zones import local_time, zone_of

        now = datetime.fromisoformat(options["now"]) if options.get("now") else timezone.now()
        if timezone.is_naive(now):
            now = timezone.make_aware(now, UTC)
        with command_run("tasks.escalate", now=now) as run:
            escalated = tasks_escalate_overdue(now=now)
            run.summary = f"{len(escalated)} overdue task(s) escalated"
        for task in escalated:
            self.stdout.write(
                f"escalated: {task.case.number} {task.title} "
                f"(due {local_time(task.due_at, zone_of(task.case.task_force))})"
            )
        self.stdout.write(f"{len(escalated)} task(s) escalated")
