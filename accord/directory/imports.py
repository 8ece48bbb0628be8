"""HSDS imports run by the background worker, with a record the coordinator can follow.

An 8 MB directory takes the better part of a minute to check and write; run in
a web request it held a server thread that long with no limit. Files above
``ACCORD_HSDS_BACKGROUND_ABOVE_BYTES`` are queued here instead (django-tasks,
database backend) and :class:`~accord.directory.models.DirectoryImport` shows
their status, record count, report and problems on a page that refreshes.
The import itself is :func:`accord.directory.services.directory_import`, so the
size and depth limits and the all-or-nothing rule are the same either way.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import TaskForce, User
from accord.core.limits import size_text
from accord.errors import PermissionDenied, ValidationError

from . import hsds
from .models import DirectoryImport, ImportStatus
from .services import ImportSource, directory_import

logger = logging.getLogger(__name__)


def import_runs_in_background(size: int) -> bool:
    """Files above ``ACCORD_HSDS_BACKGROUND_ABOVE_BYTES`` go to the worker, so no web
    request holds a server thread for the minute a large directory takes."""
    return size > int(getattr(settings, "ACCORD_HSDS_BACKGROUND_ABOVE_BYTES", 512 * 1024))


def directory_import_request(
    *, actor: User, task_force: TaskForce, name: str, content: bytes, dry_run: bool = False
) -> DirectoryImport:
    """Queue an HSDS import for the worker; the coordinator follows it on its page.

    Refused at once (nothing queued) when the file is larger than
    ``ACCORD_HSDS_MAX_BYTES``; everything else is checked by the worker, with the
    same all-or-nothing rule as a direct import.
    """
    if not actor.has_role("coordinator"):
        raise PermissionDenied(_("Only coordinators import directory data."))
    if actor.task_force_id != task_force.pk:
        raise PermissionDenied(_("You may import only into your own task force's directory."))
    limit = hsds.import_limits().max_bytes
    if len(content) > limit:
        raise ValidationError(
            _("The file is %(size_text)s, larger than the limit of %(size_text2)s.")
            % {"size_text": size_text(len(content)), "size_text2": size_text(limit)},
            data={"field": "file"},
        )
    with transaction.atomic():
        run = DirectoryImport.objects.create(
            task_force=task_force,
            requested_by=actor,
            source_name=name[:100],
            size=len(content),
            dry_run=dry_run,
            content=content,
        )
        transaction.on_commit(lambda: _enqueue_import(run.pk))
    return run


def _enqueue_import(import_id: int) -> None:
    from .tasks import directory_import_job

    directory_import_job.enqueue(import_id=import_id)


def directory_import_run(*, import_id: int) -> DirectoryImport | None:
    """Run a queued import (the worker's side); None when it is not queued any more.

    The status moves queued -> checking -> writing -> done, or to refused (the
    document's problems listed) or failed; in every case but done nothing stored
    changed, and the uploaded bytes are emptied when the run ends.
    """
    claimed = DirectoryImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.CHECKING, started_at=timezone.now()
    )
    if not claimed:
        return None  # already run, or running in another worker
    run = DirectoryImport.objects.select_related("task_force", "requested_by").get(pk=import_id)

    def on_checked(records: int) -> None:
        DirectoryImport.objects.filter(pk=run.pk).update(
            status=ImportStatus.WRITING, records=records
        )

    outcome: dict[str, Any] = {"content": b"", "finished_at": None}
    try:
        if run.requested_by is None:  # never run as the command-line operator by accident
            raise PermissionDenied(_("The person who asked for this import is no longer a user."))
        report = directory_import(
            actor=run.requested_by,
            task_force=run.task_force,
            source=ImportSource(content=bytes(run.content), name=run.source_name),
            dry_run=run.dry_run,
            on_checked=on_checked,
        )
    except hsds.DirectoryImportError as error:
        outcome.update(status=ImportStatus.REFUSED, problems=[str(p) for p in error.problems])
    except (PermissionDenied, ValidationError) as error:
        outcome.update(status=ImportStatus.REFUSED, problems=[error.message])
    except Exception:  # the worker must record every ending; the cause goes to the log
        logger.exception("directory import %s failed", run.pk)
        outcome.update(
            status=ImportStatus.FAILED,
            problems=["The import failed unexpectedly; nothing was changed. It was logged."],
        )
    else:
        outcome.update(
            status=ImportStatus.DONE, report_lines=report.lines(), records=report.records
        )
    outcome["finished_at"] = timezone.now()
    DirectoryImport.objects.filter(pk=run.pk).update(**outcome)
    run.refresh_from_db()
    return run
