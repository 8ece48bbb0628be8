"""Writes to the directory: validate, change in one transaction, audit.

Edits carry the ``version`` the editor read; a stale version is refused with a
conflict (S23). A failed import changes nothing (S24).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accord.accounts.models import Agency, TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError

from . import hsds
from .models import Location, LocationDisclosure, Organization, Service, ServiceStatus
from .selectors import Operator, Viewer, may_maintain
from .vocabulary import CITIZENSHIP, GENDERS, SERVICE_TYPES, TRAFFICKING_TYPES, pack


def _actor(actor: Viewer | None) -> User | None:
    return actor if isinstance(actor, User) else None


def _check_version(record: Organization | Service, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != record.version:
        raise ConflictError(
            f"{record.name} was changed by someone else since you opened it "
            f"(your copy is version {expected_version}, the directory has version "
            f"{record.version}). Reload the page and make your change again.",
            data={"expected": expected_version, "current": record.version},
        )


def _require_maintainer(actor: User, organization: Organization) -> None:
    if not may_maintain(viewer=actor, organization=organization):
        raise PermissionDenied(
            "Only coordinators and users of this organization's agency may change its entry."
        )


# --- organizations and services -------------------------------------------------------------


def organization_create(
    *,
    actor: User,
    task_force: TaskForce,
    slug: str,
    name: str,
    description: str = "",
    agency: Agency | None = None,
) -> Organization:
    if slugify(slug) != slug or not slug:
        raise ValidationError("Use lowercase letters, digits and dashes.", data={"field": "slug"})
    if Organization.objects.filter(task_force=task_force, slug=slug).exists():
        raise ValidationError(f"An organization with id {slug!r} exists.", data={"field": "slug"})
    with transaction.atomic():
        organization = Organization.objects.create(
            task_force=task_force,
            hsds_id=hsds.stable_id("organization", slug),
            slug=slug,
            name=name,
            description=description,
            agency=agency,
        )
        audit_record(
            event=AuditEventType.DIRECTORY_CHANGED,
            actor=actor,
            object_type="directory.organization",
            object_id=organization.pk,
            fields=["slug", "name", "description", "agency"],
            detail={"action": "create", "slug": slug},
            task_force_id=task_force.pk,
        )
    return organization


SERVICE_TEXT_FIELDS = (
    "name",
    "description",
    "eligibility_description",
    "application_process",
    "interpretation_services",
    "alert",
)


def service_update(
    *, actor: User, service: Service, expected_version: int, changes: Mapping[str, Any]
) -> Service:
    """Change a service's description, eligibility and status.

    ``changes`` may hold the text fields, ``status``, ``minimum_age``,
    ``maximum_age``, ``service_types``, ``genders``, ``citizenship``,
    ``trafficking_types`` (iterables of codes) and ``is_24_7``.
    """
    _require_maintainer(actor, service.organization)
    clean = _clean_service_changes(changes, service=service)
    with transaction.atomic():
        current = Service.objects.select_for_update().get(pk=service.pk)
        _check_version(current, expected_version)
        changed = [name for name, value in clean.items() if getattr(current, name) != value]
        if not changed:
            return current
        for name in changed:
            setattr(current, name, clean[name])
        current.version += 1
        current.save(update_fields=[*changed, "version", "updated_at"])
        audit_record(
            event=AuditEventType.DIRECTORY_CHANGED,
            actor=actor,
            object_type="directory.service",
            object_id=current.pk,
            fields=changed,
            detail={"action": "update", "slug": current.slug},
        )
    return current


def _clean_service_changes(changes: Mapping[str, Any], *, service: Service) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name in SERVICE_TEXT_FIELDS:
            clean[name] = (value or "").strip()
            if name == "name" and not clean[name]:
                raise ValidationError("A service needs a name.", data={"field": "name"})
        elif name == "status":
            if value not in ServiceStatus.values:
                raise ValidationError(f"Unknown status {value!r}.", data={"field": "status"})
            clean[name] = value
        elif name in ("minimum_age", "maximum_age"):
            if value is not None and (int(value) < 0 or int(value) > 150):
                raise ValidationError("Ages run from 0 to 150.", data={"field": name})
            clean[name] = None if value is None else int(value)
        elif name in ("service_types", "genders", "citizenship", "trafficking_types"):
            allowed = {
                "service_types": SERVICE_TYPES,
                "genders": GENDERS,
                "citizenship": CITIZENSHIP,
                "trafficking_types": TRAFFICKING_TYPES,
            }[name]
            unknown = sorted(set(value) - set(allowed))
            if unknown:
                raise ValidationError(
                    f"Unknown {name.replace('_', ' ')}: {', '.join(unknown)}.", data={"field": name}
                )
            clean[name] = pack(value)
        elif name == "is_24_7":
            clean[name] = bool(value)
        else:
            raise ValidationError(f"{name} cannot be changed here.", data={"field": name})
    low = clean.get("minimum_age", service.minimum_age)
    high = clean.get("maximum_age", service.maximum_age)
    if low is not None and high is not None and low > high:
        raise ValidationError(
            f"Inverted age range: minimum {low} is above maximum {high}.",
            data={"field": "minimum_age"},
        )
    return clean


def capacity_update(
    *,
    actor: User,
    service: Service,
    expected_version: int,
    beds_available: int,
    beds_total: int | None = None,
    now: datetime | None = None,
) -> Service:
    """Record how many beds are free now; stamped with who and when."""
    _require_maintainer(actor, service.organization)
    if beds_available < 0:
        raise ValidationError(
            "Beds available cannot be negative.", data={"field": "beds_available"}
        )
    with transaction.atomic():
        current = Service.objects.select_for_update().get(pk=service.pk)
        _check_version(current, expected_version)
        total = current.beds_total if beds_total is None else beds_total
        if total is not None and beds_available > total:
            raise ValidationError(
                f"{beds_available} beds available but only {total} in total.",
                data={"field": "beds_available"},
            )
        current.beds_available = beds_available
        current.beds_total = total
        current.capacity_updated_at = now or timezone.now()
        current.capacity_updated_by = actor
        current.version += 1
        current.save()
        audit_record(
            event=AuditEventType.DIRECTORY_CAPACITY_UPDATED,
            actor=actor,
            object_type="directory.service",
            object_id=current.pk,
            fields=["beds_available", "beds_total"],
            detail={"slug": current.slug, "beds_available": beds_available, "beds_total": total},
        )
    return current


def bed_reserve(
    *, actor: User, service: Service, purpose: str, now: datetime | None = None
) -> Service:
    """Take one free bed for a placement (any member of the service's task force may).

    A conditional decrement, so two placements racing for the last bed cannot
    both succeed; the loser is told no bed is free.
    """
    if actor.task_force_id != service.task_force_id:
        raise NotFound("No such service.")
    if service.beds_available is None:
        raise ValidationError(f"{service.name} does not track beds.", data={"field": "service"})
    stamp = now or timezone.now()
    with transaction.atomic():
        updated = Service.objects.filter(pk=service.pk, beds_available__gt=0).update(
            beds_available=F("beds_available") - 1,
            version=F("version") + 1,
            capacity_updated_at=stamp,
            capacity_updated_by=actor,
        )
        if not updated:
            raise ValidationError(
                f"No bed is free at {service.name} (0 of {service.beds_total}); "
                "choose another placement or record it without a bed.",
                data={"field": "service"},
            )
        audit_record(
            event=AuditEventType.DIRECTORY_CAPACITY_UPDATED,
            actor=actor,
            object_type="directory.service",
            object_id=service.pk,
            fields=["beds_available"],
            purpose=purpose,
            detail={"slug": service.slug, "change": -1},
        )
    service.refresh_from_db()
    return service


def entry_verify(
    *,
    actor: User,
    record: Organization | Service,
    expected_version: int,
    now: datetime | None = None,
) -> Organization | Service:
    """Mark an organization or service as checked today by this user."""
    organization = record if isinstance(record, Organization) else record.organization
    _require_maintainer(actor, organization)
    model = type(record)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=record.pk)
        _check_version(current, expected_version)
        current.last_verified_at = now or timezone.now()
        current.last_verified_by = actor
        current.verified_by_label = ""
        current.version += 1
        current.save()
        audit_record(
            event=AuditEventType.DIRECTORY_ENTRY_VERIFIED,
            actor=actor,
            object_type=f"directory.{model.__name__.lower()}",
            object_id=current.pk,
            fields=["last_verified_at", "last_verified_by"],
            detail={"slug": current.slug},
        )
    return current


def location_disclose(*, actor: User, location: Location, agency: Agency) -> LocationDisclosure:
    """The provider names an agency that may see its confidential address."""
    organization = location.organization
    if organization.agency_id is None or organization.agency_id != actor.agency_id:
        raise PermissionDenied("Only the provider's own users may disclose its address.")
    if agency.task_force_id != organization.task_force_id:
        raise ValidationError("That agency is not in your task force.", data={"field": "agency"})
    with transaction.atomic():
        disclosure, _ = LocationDisclosure.objects.get_or_create(location=location, agency=agency)
        audit_record(
            event=AuditEventType.DIRECTORY_LOCATION_DISCLOSED,
            actor=actor,
            object_type="directory.location",
            object_id=location.pk,
            fields=["address"],
            subject_agency_id=agency.pk,
            detail={"agency": agency.slug},
        )
    return disclosure


# --- import and export ----------------------------------------------------------------------


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
) -> hsds.ImportReport:
    """Import an HSDS document all-or-nothing; raise ``DirectoryImportError`` naming every problem."""
    if isinstance(actor, User) and not actor.has_role("coordinator"):
        raise PermissionDenied("Only coordinators import directory data.")
    parsed = source.read()
    checked = hsds.check_document(parsed, task_force=task_force)
    if checked.problems:
        raise hsds.DirectoryImportError(checked.problems)
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
        raise PermissionDenied("You may export only your own task force's directory.")
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
    records, summary = hsds.export_organizations(viewer=actor, organizations=organizations)
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
    return records, summary
