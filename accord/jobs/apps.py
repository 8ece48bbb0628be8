from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext as _


class JobsConfig(AppConfig):
    name = "accord.jobs"
    label = "jobs"
    verbose_name = "Periodic jobs and the mail outbox"

    def ready(self) -> None:
        from datetime import timedelta

        from accord.audit.batches import seal_job
        from accord.mail import outbox_job

        from .registry import Job
        from .registry import register as register_job

        register_job(
            Job(
                name="mail.deliver",
                label=_("Send waiting e-mail"),
                every=timedelta(minutes=1),
                run=outbox_job,
            )
        )
        # The audit sequencer: the jobs layer sits above the audit log, so it is scheduled here.
        register_job(
            Job(
                name="audit.seal_reads",
                label=_("Seal record reads into the audit trail"),
                every=timedelta(minutes=1),
                run=seal_job,
                lease=timedelta(minutes=10),
            )
        )
