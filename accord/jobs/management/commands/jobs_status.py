"""``accord jobs status``: each periodic job's last run, outcome and next due time (UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand

from accord.jobs.selectors import jobs_status, outbox_counts


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


class Command(BaseCommand):
    help = "Show each periodic job's last run, outcome and next due time, and the mail outbox."

    def handle(self, *args: Any, **options: Any) -> None:
        for job in jobs_status():
            flag = " LATE (is a runner running?)" if job.late else ""
            self.stdout.write(f"{job.name} ({job.every}): {job.state}{flag}")
            self.stdout.write(
                f"  last run {_when(job.last_started_at)}: {job.summary or job.error}"
            )
            self.stdout.write(f"  next due {_when(job.next_due_at)}")
        mail = outbox_counts()
        self.stdout.write(
            f"mail: {mail.sent_last_day} sent in 24 h, {mail.waiting} waiting, "
            f"{mail.failing} failing, {mail.given_up} given up"
            + (f" (latest: {mail.last_error})" if mail.last_error else "")
        )
