"""Count every month of cases again into the report roll-ups (issue 15): repair, or to have a
database migrated with many cases answer its first long report at once. Reports never need it to
be right: a month a write changed, or never counted, is counted again when read."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Count the cases of every month again into the report roll-ups (repair and migration)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--task-force", help="slug of one task force (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        from accord.accounts.models import TaskForce
        from accord.sharing.door.rollups import rebuild

        task_force_id = None
        if options.get("task_force"):
            task_force_id = TaskForce.objects.get(slug=options["task_force"]).pk
        months = rebuild(task_force_id)
        self.stdout.write(f"{months} month(s) counted again")
