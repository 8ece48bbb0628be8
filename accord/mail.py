"""Notification e-mail: queued on commit, sent by the django-tasks worker.

A request never waits on mail, and a rolled-back change sends nothing. Bodies
carry no case details: a number, a date and a link; whoever follows the link
reads through the sharing layer like everyone else (S9).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task


@task()
def email_send(*, subject: str, body: str, recipients: list[str]) -> int:
    """Send one plain-text notification; returns how many messages went out."""
    return send_mail(
        subject=subject,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
        fail_silently=False,
    )


def email_on_commit(*, subject: str, body: str, emails: Sequence[str]) -> None:
    """Enqueue one e-mail to ``emails`` once the surrounding transaction commits."""
    recipients = sorted({address for address in emails if address})
    if not recipients:
        return
    transaction.on_commit(
        lambda: email_send.enqueue(subject=subject, body=body, recipients=recipients)
    )
