"""Import and export of the directory (HSDS): a failed import changes nothing (S24)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import PermissionDenied

from .. import hsds
from ..models import (
    Organization,
)
from ..selectors import (
    Operator,
    Viewer,
    location_views,
)
from ._common import _actor


@dataclass(frozen=True)
class ImportSource:
    """A path on disk (CLI) or uploaded bytes (web)."""

    path: Path | None = None
    content: bytes | None = None
    name: str = "upload.json"

    def read(self) -> hsds.ParsedDocument:
        if self.path is not None:
            return hsds.read_path(self.path)
        return hsds.read_bytes(self.content or b"", source=self.name)


def directory_import(
    *,
    actor: Viewer | None,
    task_force: TaskForce,
    source: ImportSource,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    on_checked: Callable[[int], None] | None = None,
) -> hsds.ImportReport:
    """Import an HSDS document all-or-nothing; raise ``DirectoryImportError`` naming every problem.

    The document's size and nesting depth are limited (``ACCORD_HSDS_MAX_BYTES``,
    ``ACCORD_INPUT_MAX_DEPTH``) before it is parsed; ``on_checked`` hears the
    record count once the whole document passed its checks, before any write.
    """
    if isinstance(actor, User) and not actor.has_role("coordinator"):
        raise PermissionDenied(_("Only coordinators import directory data."))
    parsed = source.read()
    checked = hsds.check_document(parsed, task_force=task_force)
    if checked.problems:
        raise hsds.DirectoryImportError(checked.problems)
    if on_checked is not None:
        on_checked(checked.records)
    ctx = hsds.WriteContext(task_force=task_force, progress=progress)
    with transaction.atomic():
        hsds.write_items(parsed.items, ctx)
        report = hsds.ImportReport(
            organizations_created=ctx.organizations_created,
            organizations_updated=ctx.organizations_updated,
            services_created=ctx.services_created,
            services_updated=ctx.services_updated,
            locations=len(ctx.done_locations),
            records=checked.records,
            unmodelled=dict(checked.unmodelled),
            skipped=tuple(parsed.skipped),
            dry_run=dry_run,
        )
        if dry_run:
            transaction.set_rollback(True)
            return report
        audit_record(
            event=AuditEventType.DIRECTORY_IMPORTED,
            actor=_actor(actor),
            username="" if isinstance(actor, User) else "operator",
            object_type="directory",
            object_id=task_force.slug,
            detail={
                "source": source.name if source.path is None else str(source.path.name),
                "organizations_created": report.organizations_created,
                "organizations_updated": report.organizations_updated,
                "services_created": report.services_created,
                "services_updated": report.services_updated,
                "records": report.records,
            },
            task_force_id=task_force.pk,
        )
    return report


def directory_export(
    *, actor: Viewer, task_force: TaskForce
) -> tuple[list[dict[str, Any]], hsds.ExportSummary]:
    """The task force's directory as HSDS 3.0 organizations, audited (S15).

    Confidential addresses appear only where the exporting user may see them;
    an operator's ``--include-confidential`` export is audited as such.
    """
    if isinstance(actor, User) and actor.task_force_id != task_force.pk:
        raise PermissionDenied(_("You may export only your own task force's directory."))
    organizations = (
        Organization.objects.filter(task_force=task_force)
        .order_by("name", "pk")
        .prefetch_related(
            "contacts__phones__languages",
            "phones__languages",
            "locations__addresses",
            "locations__disclosures",
            "locations__languages",
            "locations__phones__languages",
            "locations__contacts__phones__languages",
            "locations__schedules",
            "services__phones__languages",
            "services__schedules",
            "services__service_areas",
            "services__languages",
            "services__contacts__phones__languages",
            "services__at_locations__location",
            "services__at_locations__contacts__phones__languages",
            "services__at_locations__phones__languages",
            "services__at_locations__schedules",
        )
        .select_related("last_verified_by")
    )
    organization_list = list(organizations)
    with transaction.atomic():
        # Every confidential address the export will carry is audited before it is built;
        # ``export_organizations`` asks the same door, so it carries exactly these (S15, S17).
        location_views(
            viewer=actor,
            locations=[location for org in organization_list for location in org.locations.all()],
            purpose="directory export",
        )
        records, summary = hsds.export_organizations(viewer=actor, organizations=organization_list)
        _audit_export(actor=actor, task_force=task_force, summary=summary)
    return records, summary


def _audit_export(*, actor: Viewer, task_force: TaskForce, summary: hsds.ExportSummary) -> None:
    include_confidential = isinstance(actor, Operator) and actor.include_confidential
    audit_record(
        event=AuditEventType.EXPORTED,
        actor=_actor(actor),
        username="" if isinstance(actor, User) else "operator",
        object_type="directory",
        object_id=task_force.slug,
        fields=["organizations", "services", "locations"]
        + (["confidential_addresses"] if include_confidential else []),
        detail={
            "format": "hsds-3.0",
            "organizations": summary.organizations,
            "services": summary.services,
            "locations": summary.locations,
            "withheld_confidential_locations": summary.withheld_locations,
            "include_confidential": include_confidential,
        },
        task_force_id=task_force.pk,
    )
