"""Background e-mails of the sharing layer (sent by the django-tasks worker after commit).

Bodies never carry victim details: a release number, a date and a link. The
person opening the link reads through the sharing layer like everyone else.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task


@task()
def sharing_email_send(*, subject: str, body: str, recipients: list[str]) -> int:
    return send_mail(
        subject=subject,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
        fail_silently=False,
    )


def email_on_commit(*, subject: str, body: str, emails: Sequence[str]) -> None:
    """Enqueue one e-mail once the surrounding transaction commits (nothing if no address)."""
    recipients = sorted({address for address in emails if address})
    if not recipients:
        return
    transaction.on_commit(
        lambda: sharing_email_send.enqueue(subject=subject, body=body, recipients=recipients)
    )
