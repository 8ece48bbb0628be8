"""Notifications: in-app rows written with the change, e-mail sent by background work.

The text of a notification is composed by the caller from case-basic facts
only (case number, task title, due time); details stay behind the sign-in (S9).
A notification about a task is composed per recipient (``notify_task``): a
task of a class the recipient may not see is never named to them.
A request never waits on mail: ``notify`` stores the rows and enqueues
``send_notification_emails`` once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accord.accounts.models import Role, User
from accord.mail import email_queue

from .models import Case, Notification


class Compose(Protocol):
    """Composes (subject, body) from the task title the recipient may be told.

    A protocol rather than a ``Callable`` alias so that callers may bind loop variables as
    lambda defaults (``lambda title, task=task: ...``), which mypy cannot infer against one."""

    def __call__(self, title: str, /) -> tuple[str, str]: ...


FOOTER = "\n\nSign in to Accord to see the details you are allowed to see."


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    case: Case | None = None,
    now: datetime | None = None,
    item: Any = None,
) -> list[Notification]:
    """Store one in-app notification per distinct recipient; e-mail them after commit.

    ``item`` (a referral, a task) is the thing the notification is about: its entry links to
    it and ``notifications_resolve`` marks it done when the item is."""
    now = now or timezone.now()
    unique = {user.pk: user for user in recipients if user is not None}
    item_kind, item_id = _item_ref(item)
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                case=case,
                kind=kind,
                subject=subject[:200],
                body=body,
                created_at=now,
                item_kind=item_kind,
                item_id=item_id,
            )
            for user in unique.values()
        ]
    )
    ids = [row.pk for row in rows if row.pk]
    if not ids:  # backends that do not return ids from bulk_create
        ids = list(
            Notification.objects.filter(
                user_id__in=list(unique), kind=kind, created_at=now
            ).values_list("pk", flat=True)
        )
    if ids:
        transaction.on_commit(lambda: send_notification_emails.enqueue(notification_ids=ids))
    return rows


def task_notices(
    *,
    task: Any,
    recipients: Iterable[User],
    compose: Compose,
    accesses: dict[tuple[int, int], Any] | None = None,
) -> list[tuple[User, str, str]]:
    """(recipient, subject, body) for a task, composed for each recipient from what THEY may
    see (S9, S11).

    The title goes to those who may read the task's class; an unauthorized user of the owning
    agency is told of a "Restricted task" (the work is theirs, what it concerns is not); anyone
    else who may not know of it (a coordinator without the immigration-records authorization,
    an agency off the case) gets nothing, in app or by e-mail.
    """
    from accord.sharing.door import task_title_for

    notices = []
    for user in {u.pk: u for u in recipients if u is not None}.values():
        title = task_title_for(viewer=user, task=task, accesses=accesses)
        if title is not None:
            subject, body = compose(title)
            notices.append((user, subject, body))
    return notices


def notify_notices(
    *,
    notices: Sequence[tuple[User, str, str]],
    kind: str,
    case: Any,
    now: datetime | None = None,
    item: Any = None,
    items: Sequence[Any] | None = None,
) -> list[Notification]:
    """Store composed notices in one insert; e-mail them after commit (one background job).

    ``item`` is what every notice is about; ``items`` (aligned with ``notices``) says it per
    notice when one insert carries notices about several tasks."""
    now = now or timezone.now()
    refs = [_item_ref(one) for one in items] if items is not None else None
    shared = _item_ref(item)
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                case=case,
                kind=kind,
                subject=subject[:200],
                body=body,
                created_at=now,
                item_kind=(refs[index] if refs else shared)[0],
                item_id=(refs[index] if refs else shared)[1],
            )
            for index, (user, subject, body) in enumerate(notices)
        ]
    )
    ids = [row.pk for row in rows if row.pk]
    if not ids and rows:  # backends that do not return ids from bulk_create
        ids = list(
            Notification.objects.filter(
                user_id__in=[user.pk for user, _, _ in notices], kind=kind, created_at=now
            ).values_list("pk", flat=True)
        )
    if ids:
        transaction.on_commit(lambda: send_notification_emails.enqueue(notification_ids=ids))
    return rows


def notify_task(
    *,
    task: Any,
    recipients: Iterable[User],
    kind: str,
    compose: Compose,
    now: datetime | None = None,
    accesses: dict[tuple[int, int], Any] | None = None,
) -> list[Notification]:
    """Notify about one task, composed per recipient (see ``task_notices``)."""
    notices = task_notices(task=task, recipients=recipients, compose=compose, accesses=accesses)
    return notify_notices(notices=notices, kind=kind, case=task.case, now=now, item=task)


@task()
def send_notification_emails(notification_ids: Sequence[int]) -> int:
    """Background: put each notification's e-mail in the outbox for its recipient (which sends
    it at once and retries a failed send); returns how many e-mails were queued."""
    queued = 0
    for notification in Notification.objects.filter(
        pk__in=list(notification_ids), emailed_at__isnull=True
    ).select_related("user"):
        with transaction.atomic():
            if notification.user.email:
                queued += len(
                    email_queue(
                        subject=f"[Accord] {notification.subject}",
                        body=notification.body + FOOTER,
                        emails=[notification.user.email],
                    )
                )
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return queued


# --- the inbox: items, resolution, read marks ---------------------------------------------------

#: The items a notification can be about (the model's name is the stored kind).
ITEM_KINDS = frozenset({"referral", "task"})


def _item_ref(item: Any) -> tuple[str, int | None]:
    if item is None:
        return "", None
    kind = item._meta.model_name
    if kind not in ITEM_KINDS:
        raise ValueError(f"Notifications are not linked to {kind} records.")
    return kind, item.pk


def notifications_resolve(*, item: Any, now: datetime | None = None) -> int:
    """The item is done (a referral accepted or declined, a task done): every notification
    about it stops asking for action. Called by the services that finish the item, inside
    their transaction; a resolved notification also counts as read. Returns how many changed.
    """
    kind, item_id = _item_ref(item)
    now = now or timezone.now()
    pending = Notification.objects.filter(item_kind=kind, item_id=item_id, resolved_at__isnull=True)
    changed = pending.filter(read_at__isnull=True).update(resolved_at=now, read_at=now)
    return changed + pending.update(resolved_at=now)


def notification_mark_read(*, user: User, notification_id: int, now: datetime | None = None) -> int:
    """Mark one of the user's own notifications read (someone else's is silently untouched:
    its existence is not confirmed). Audited when it changes a row."""
    return _mark_read(user=user, now=now, only_id=notification_id)


def notifications_mark_all_read(*, user: User, now: datetime | None = None) -> int:
    """Mark every unread notification of the user read; audited when it changes any."""
    return _mark_read(user=user, now=now, only_id=None)


def _mark_read(*, user: User, now: datetime | None, only_id: int | None) -> int:
    from accord.audit.events import AuditEventType
    from accord.audit.services import audit_record

    now = now or timezone.now()
    with transaction.atomic():
        unread = Notification.objects.filter(user=user, read_at__isnull=True)
        if only_id is not None:
            unread = unread.filter(pk=only_id)
        ids = list(unread.values_list("pk", flat=True))
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids).update(read_at=now)
        audit_record(
            event=AuditEventType.NOTIFICATIONS_MARKED_READ,
            actor=user,
            object_type="cases.notification",
            object_id=ids[0] if only_id is not None else "",
            fields=["read_at"],
            detail={"notification_ids": ids},
            task_force_id=user.task_force_id,
        )
    return len(ids)


def protocol_circulated_notify(*, version: Any, actor: User, **_: Any) -> None:
    """Tell every active member agency's signatory a version awaits their decision: in-app now,
    e-mail by the django-tasks worker once the circulation commits (``version_circulated``)."""
    signatories = User.objects.filter(
        agency__task_force_id=version.task_force_id,
        agency__is_active=True,
        is_active=True,
        role_grants__role=Role.SIGNATORY,
    ).distinct()
    notify(
        recipients=signatories,
        kind="protocol_circulated",
        subject=f"Protocol version {version.number} awaits your agency's sign-off",
        body=(
            f"{actor} circulated version {version.number} of the task force protocol "
            f"({version.title}) for sign-off. Sign in to Accord, read the version and its "
            "verification report, and record your agency's approval or objection."
        ),
        now=version.circulated_at,
    )
