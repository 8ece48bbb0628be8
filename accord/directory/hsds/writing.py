"""Writing a checked HSDS document into the directory, inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import slugify

from accord.accounts.models import Agency, TaskForce

from ..models import (
    Address,
    Contact,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from ..vocabulary import (
    language_name,
    normalize_language,
    pack,
)
from .checking import _parse_when, accord_values
from .reading import Item
from .schema import ACCORD_NAMESPACE, PROGRESS_EVERY

# --- writing -------------------------------------------------------------------------------


@dataclass
class WriteContext:
    task_force: TaskForce
    progress: Callable[[int], None] | None = None
    organizations_created: int = 0
    organizations_updated: int = 0
    services_created: int = 0
    services_updated: int = 0
    written: int = 0
    done_locations: dict[str, Location] = field(default_factory=dict)
    counted: set[tuple[str, str]] = field(default_factory=set)
    done_organizations: dict[str, Organization] = field(default_factory=dict)

    def tick(self) -> None:
        self.written += 1
        if self.progress is not None and self.written % PROGRESS_EVERY == 0:
            self.progress(self.written)


def write_items(items: Sequence[Item], ctx: WriteContext) -> None:
    """Write checked items; the caller holds the transaction."""
    for item in items:
        if item.kind == "organization":
            write_organization(item.data, ctx)
        else:
            data = item.data
            if isinstance(data.get("organization"), dict):
                organization = write_organization(data["organization"], ctx, with_services=False)
            else:
                organization = ctx.done_organizations.get(data["organization_id"]) or (
                    Organization.objects.get(
                        task_force=ctx.task_force, hsds_id=data["organization_id"]
                    )
                )
            write_service(data, organization=organization, ctx=ctx)


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    return "" if value is None else str(value)


def _set_present(obj: Any, record: Mapping[str, Any], names: Iterable[str]) -> None:
    """Copy the fields the record has; absent fields keep what is stored."""
    for name in names:
        if name in record:
            setattr(obj, name, _text(record, name))


def write_organization(
    record: Mapping[str, Any], ctx: WriteContext, *, with_services: bool = True
) -> Organization:
    ident = str(record["id"])
    organization = Organization.objects.filter(task_force=ctx.task_force, hsds_id=ident).first()
    created = organization is None
    if organization is None:
        organization = Organization(task_force=ctx.task_force, hsds_id=ident)
    before = _snapshot(organization)
    _set_present(
        organization, record, ("name", "alternate_name", "description", "email", "website")
    )
    slug = accord_values(record, "slug")
    if slug:
        organization.slug = slug[0]
    elif created:
        organization.slug = _derived_slug(organization.name, ident)
    active = accord_values(record, "active")
    if active:
        organization.is_active = active[0] == "true"
    verified_at = accord_values(record, "last_verified_at")
    if verified_at:
        organization.last_verified_at = _parse_when(verified_at[0])
    verified_by = accord_values(record, "verified_by")
    if verified_by:
        organization.verified_by_label = verified_by[0]
    if organization.agency_id is None:
        organization.agency = Agency.objects.filter(
            task_force=ctx.task_force, slug=organization.slug
        ).first()
    _save_counted(organization, kind="organization", created=created, before=before, ctx=ctx)
    ctx.done_organizations[ident] = organization
    _replace_children(
        record,
        parent={"organization": organization},
        ctx=ctx,
        keys=("contacts", "phones"),
        fresh=created,
    )
    for location in record.get("locations") or []:
        _write_location(location, organization=organization, ctx=ctx)
    if with_services:
        for service in record.get("services") or []:
            write_service(service, organization=organization, ctx=ctx)
    return organization


def _snapshot(obj: Any) -> dict[str, Any]:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in ("updated_at", "created_at", "version")
    }


def _save_counted(
    obj: Any, *, kind: str, created: bool, before: dict[str, Any], ctx: WriteContext
) -> None:
    """Save only what changed; count each record once; bump the version on a real change."""
    key = (kind, obj.hsds_id)
    if key not in ctx.counted:
        ctx.counted.add(key)
        if created:
            setattr(ctx, f"{kind}s_created", getattr(ctx, f"{kind}s_created") + 1)
        else:
            setattr(ctx, f"{kind}s_updated", getattr(ctx, f"{kind}s_updated") + 1)
        ctx.tick()
    if created:
        obj.save()
    elif _snapshot(obj) != before:
        obj.version += 1
        obj.save()


def _derived_slug(name: str, ident: str) -> str:
    """A readable id for records that bring none: the name plus a digest of the HSDS id."""
    base = slugify(name)[:60].strip("-") or "record"
    return f"{base}-{uuid.uuid5(ACCORD_NAMESPACE, ident).hex[:10]}"


def _write_location(
    record: Mapping[str, Any], *, organization: Organization, ctx: WriteContext
) -> Location:
    ident = str(record["id"])
    location = Location.objects.filter(
        organization__task_force=ctx.task_force, hsds_id=ident
    ).first()
    fresh = location is None
    if location is None:
        location = Location(organization=organization, hsds_id=ident)
    _set_present(
        location,
        record,
        ("location_type", "name", "alternate_name", "description", "transportation", "url"),
    )
    for name in ("latitude", "longitude"):
        if name in record:
            setattr(location, name, record[name])
    confidential = accord_values(record, "confidential_location")
    if confidential:
        location.is_confidential = confidential[0] == "true"
    location.save()
    if ident not in ctx.done_locations:
        ctx.tick()
    ctx.done_locations[ident] = location
    parent = {"location": location}
    if "addresses" in record:
        if not fresh:
            location.addresses.all().delete()
        Address.objects.bulk_create(
            Address(
                location=location,
                hsds_id=str(address["id"]),
                **{
                    name: _text(address, name)
                    for name in (
                        "attention",
                        "address_1",
                        "address_2",
                        "city",
                        "region",
                        "state_province",
                        "postal_code",
                        "country",
                        "address_type",
                    )
                },
            )
            for address in record["addresses"] or []
        )
    keys = ("contacts", "phones", "schedules", "languages")
    _replace_children(record, parent=parent, ctx=ctx, keys=keys, fresh=fresh)
    return location


def _replace_children(
    record: Mapping[str, Any],
    *,
    parent: dict[str, Any],
    ctx: WriteContext,
    keys: Sequence[str],
    fresh: bool = False,
) -> None:
    """Replace the contacts, phones, schedules and languages the record brings (a key it leaves
    out keeps what is stored), each kind in one insert, in the order the record gives them.
    ``fresh``: the owner was created by this import, so there is nothing stored to delete."""
    (owner,) = parent.values()
    managers = {
        "contacts": owner.contacts,
        "phones": owner.phones,
        "schedules": getattr(owner, "schedules", None),
        "languages": getattr(owner, "languages", None),
    }
    present = [key for key in keys if key in record]
    for key in [] if fresh else present:
        managers[key].all().delete()
    contacts = [
        (_contact(child, parent=parent), child.get("phones") or [])
        for child in (record["contacts"] or [] if "contacts" in present else [])
    ]
    Contact.objects.bulk_create([contact for contact, _ in contacts])
    phones = [
        _phone(child, parent={"contact": contact})
        for contact, children in contacts
        for child in children
    ]
    if "phones" in present:
        phones += [_phone(child, parent=parent) for child in record["phones"] or []]
    Phone.objects.bulk_create([phone for phone, _ in phones])
    languages = [
        _language(child, parent={"phone": phone})
        for phone, children in phones
        for child in children
    ]
    if "languages" in present:
        languages += [_language(child, parent=parent) for child in record["languages"] or []]
    if "schedules" in present:
        Schedule.objects.bulk_create(
            _schedule(child, parent=parent) for child in record["schedules"] or []
        )
    Language.objects.bulk_create(languages)


def _contact(record: Mapping[str, Any], *, parent: dict[str, Any]) -> Contact:
    return Contact(
        hsds_id=str(record["id"]),
        **parent,
        **{name: _text(record, name) for name in ("name", "title", "department", "email")},
    )


def _phone(
    record: Mapping[str, Any], *, parent: dict[str, Any]
) -> tuple[Phone, list[Mapping[str, Any]]]:
    """The phone (unsaved) and the language records it brings."""
    extension = record.get("extension")
    phone = Phone(
        hsds_id=str(record["id"]),
        number=_text(record, "number"),
        extension="" if extension is None else _number_text(extension),
        type=_text(record, "type"),
        description=_text(record, "description"),
        is_24_7=accord_values(record, "available_24_7") == ["true"],
        **parent,
    )
    return phone, list(record.get("languages") or [])


def _number_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


SCHEDULE_TEXT = [
    "valid_from",
    "valid_to",
    "dtstart",
    "until",
    "wkst",
    "freq",
    "byday",
    "byweekno",
    "bymonthday",
    "byyearday",
    "opens_at",
    "closes_at",
    "description",
    "schedule_link",
    "attending_type",
    "notes",
]


def _schedule(record: Mapping[str, Any], *, parent: dict[str, Any]) -> Schedule:
    return Schedule(
        hsds_id=str(record["id"]),
        timezone=record.get("timezone"),
        count=record.get("count"),
        interval=record.get("interval"),
        **{name: _text(record, name) for name in SCHEDULE_TEXT},
        **parent,
    )


def _language(record: Mapping[str, Any], *, parent: dict[str, Any]) -> Language:
    code = normalize_language(_text(record, "code")) or ""
    return Language(
        hsds_id=str(record["id"]),
        code=code,
        name=_text(record, "name") or (language_name(code) or ""),
        note=_text(record, "note"),
        **parent,
    )


def write_service(
    record: Mapping[str, Any], *, organization: Organization, ctx: WriteContext
) -> Service:
    ident = str(record["id"])
    service = Service.objects.filter(task_force=ctx.task_force, hsds_id=ident).first()
    created = service is None
    if service is None:
        service = Service(task_force=ctx.task_force, hsds_id=ident)
    before = _snapshot(service)
    service.organization = organization
    _set_present(
        service,
        record,
        (
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees_description",
            "eligibility_description",
            "alert",
        ),
    )
    for name in ("minimum_age", "maximum_age"):
        if name in record:
            value = record[name]
            setattr(service, name, None if value is None else int(value))
    if "assured_date" in record:
        service.last_verified_at = _parse_when(_text(record, "assured_date"))
    if "assurer_email" in record:
        service.verified_by_label = _text(record, "assurer_email")
    slug = accord_values(record, "slug")
    if slug:
        service.slug = slug[0]
    elif created:
        service.slug = _derived_slug(service.name, ident)
    if "attributes" in record:
        service.service_types = pack(accord_values(record, "service_type"))
        service.genders = pack(accord_values(record, "eligible_gender"))
        service.citizenship = pack(accord_values(record, "eligible_citizenship"))
        service.trafficking_types = pack(accord_values(record, "eligible_trafficking_type"))
        service.is_24_7 = accord_values(record, "available_24_7") == ["true"]
        beds = accord_values(record, "beds_available")
        total = accord_values(record, "beds_total")
        updated = accord_values(record, "capacity_updated_at")
        service.beds_available = int(beds[0]) if beds else None
        service.beds_total = int(total[0]) if total else None
        service.capacity_updated_at = _parse_when(updated[0]) if updated else None
    _save_counted(service, kind="service", created=created, before=before, ctx=ctx)
    parent = {"service": service}
    keys = ("contacts", "phones", "schedules", "languages")
    _replace_children(record, parent=parent, ctx=ctx, keys=keys, fresh=created)
    if "service_areas" in record:
        if not created:
            service.service_areas.all().delete()
        for area in record["service_areas"] or []:
            jurisdiction = accord_values(area, "jurisdiction")
            ServiceArea.objects.create(
                service=service,
                hsds_id=str(area["id"]),
                jurisdiction=jurisdiction[0] if jurisdiction else "",
                **{
                    name: _text(area, name)
                    for name in ("name", "description", "extent", "extent_type", "uri")
                },
            )
    if "service_at_locations" in record:
        if not created:
            service.at_locations.all().delete()
        for link in record["service_at_locations"] or []:
            if isinstance(link.get("location"), dict):
                location = _write_location(link["location"], organization=organization, ctx=ctx)
            else:
                location = ctx.done_locations.get(link["location_id"]) or Location.objects.get(
                    organization__task_force=ctx.task_force, hsds_id=link["location_id"]
                )
            at_location = ServiceAtLocation.objects.create(
                service=service,
                location=location,
                hsds_id=str(link["id"]),
                description=_text(link, "description"),
            )
            _replace_children(
                link,
                parent={"service_at_location": at_location},
                ctx=ctx,
                keys=("contacts", "phones", "schedules"),
                fresh=True,
            )
    return service
