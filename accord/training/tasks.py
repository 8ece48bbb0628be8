"""Background work: training notification e-mails, sent by the task worker after the commit."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task


@task()
def training_email_send(*, subject: str, body: str, recipients: list[str]) -> int:
    """Send one plain-text notification; returns how many messages went out."""
    return send_mail(
        subject=subject,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
        fail_silently=False,
    )


def notify_on_commit(*, subject: str, body: str, emails: Sequence[str]) -> None:
    """Enqueue one e-mail to ``emails`` once the surrounding transaction commits."""
    recipients = sorted({address for address in emails if address})
    if not recipients:
        return
    transaction.on_commit(
        lambda: training_email_send.enqueue(subject=subject, body=body, recipients=recipients)
    )
