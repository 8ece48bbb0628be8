"""Remind the authorized users of the requesting agency before a CP/T/U record expires (daily)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from accord.jobs.commands import command_run


class Command(BaseCommand):
    help = (
        "Notify the immigration-relief-authorized users of the requesting agency when a "
        "Continued Presence, T or U record reaches a threshold before its expiry (once each)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", help="ISO time to use as 'now' (drills and tests)")
        parser.add_argument(
            "--days",
            type=int,
            action="append",
            help="Days before expiry to remind at (repeatable; default 30)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from accord.cases.services import immigration_relief_remind
        from accord.cases.services.reminders import DEFAULT_THRESHOLDS

        now = datetime.fromisoformat(options["now"]) if options.get("now") else timezone.now()
        if timezone.is_naive(now):
            now = timezone.make_aware(now, UTC)
        thresholds = tuple(options.get("days") or DEFAULT_THRESHOLDS)
        with command_run("relief.remind", now=now) as run:
            sent = immigration_relief_remind(now=now, thresholds=thresholds)
            run.summary = f"{len(sent)} renewal reminder(s) sent"
        for reminder in sent:  # no kind, no date: logs are an output channel too (S9, S11)
            self.stdout.write(
                f"reminded: record #{reminder.relief_id} on case {reminder.case_number} "
                f"({reminder.recipients} authorized user(s))"
            )
        self.stdout.write(f"{len(sent)} renewal reminder(s) sent")
