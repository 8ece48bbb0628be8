"""``accord users disable-inactive``: S7, disable accounts unused for ACCORD_INACTIVE_DISABLE_AFTER."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from accord.accounts.services import users_disable_inactive
from accord.jobs.commands import command_run


class Command(BaseCommand):
    help = "Disable user accounts that have been inactive longer than the configured limit."

    def handle(self, *args: Any, **options: Any) -> None:
        with command_run("users.disable_inactive") as run:
            disabled = users_disable_inactive(now=timezone.now())
            run.summary = f"{len(disabled)} inactive account(s) disabled"
        self.stdout.write(f"{len(disabled)} inactive accounts disabled")
