"""Notify people and their agency leads about certificates expiring within 60 days (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from accord.jobs.commands import command_run
from accord.training.services import training_expiry_notify


class Command(BaseCommand):
    help = "Send one expiry notice per certificate per threshold (60, 30, 7 days)."

    def handle(self, *args: Any, **options: Any) -> None:
        with command_run("training.expiry") as run:
            sent = training_expiry_notify(today=timezone.now().date())
            run.summary = f"{len(sent)} expiry notice(s) sent"
        for notice in sent:
            self.stdout.write(
                f"certificate #{notice.certificate_id}: {notice.threshold_days}-day notice to "
                + ", ".join(notice.recipients)
            )
        self.stdout.write(f"{len(sent)} notices sent")
