"""Writes to the directory: validate, change in one transaction, audit.

Edits carry the ``version`` the editor read; a stale version is refused with a
conflict (S23). A failed import changes nothing (S24).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accord.accounts.models import Agency, Role, TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError

from . import hsds
from .models import (
    Contact,
    Language,
    Location,
    LocationDisclosure,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceStatus,
)
from .selectors import (
    Operator,
    Viewer,
    known_jurisdictions,
    location_views,
    may_disclose,
    may_maintain,
    schedule_notes_id,
    service_jurisdictions,
    service_languages,
)
from .vocabulary import (
    CITIZENSHIP,
    GENDERS,
    SERVICE_TYPES,
    TRAFFICKING_TYPES,
    language_name,
    normalize_language,
    pack,
)


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


@dataclass(frozen=True)
class PhoneEntry:
    """One phone as the editor wants it; ``id`` names a stored phone of the same owner."""

    number: str
    extension: str = ""
    type: str = ""
    description: str = ""
    is_24_7: bool = False
    id: int | None = None


@dataclass(frozen=True)
class ContactEntry:
    """One named contact as the editor wants it; ``id`` names a stored contact."""

    name: str = ""
    title: str = ""
    department: str = ""
    email: str = ""
    id: int | None = None


PHONE_TYPES = ("voice", "text", "fax", "cell", "video", "pager", "textphone")
_PHONE_CHARACTERS = re.compile(r"[0-9+().\-\s/]+")


def _clean_slug(slug: str) -> str:
    if not slug or slugify(slug) != slug:
        raise ValidationError(
            "Use lowercase letters, digits and dashes (e.g. harbor-light).", data={"field": "slug"}
        )
    return slug


def _clean_email(value: str, *, field: str) -> str:
    value = (value or "").strip()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValidationError(
                f"{value!r} is not an e-mail address.", data={"field": field}
            ) from None
    return value


def _clean_phones(phones: Sequence[PhoneEntry]) -> list[PhoneEntry]:
    clean: list[PhoneEntry] = []
    for position, phone in enumerate(phones, start=1):
        number = " ".join((phone.number or "").split())
        digits = sum(character.isdigit() for character in number)
        if not number or not _PHONE_CHARACTERS.fullmatch(number) or digits < 3:
            raise ValidationError(
                f"Phone {position}: {number or 'an empty number'!r} is not a phone number "
                "(digits, spaces and + ( ) - . only, at least 3 digits).",
                data={"field": "phones", "row": position, "row_field": "number"},
            )
        if phone.type and phone.type not in PHONE_TYPES:
            raise ValidationError(
                f"Phone {position}: unknown type {phone.type!r}.",
                data={"field": "phones", "row": position, "row_field": "type"},
            )
        clean.append(
            replace(
                phone,
                number=number[:60],
                extension=(phone.extension or "").strip()[:20],
                description=(phone.description or "").strip(),
                is_24_7=bool(phone.is_24_7),
            )
        )
    return clean


def _clean_contacts(contacts: Sequence[ContactEntry]) -> list[ContactEntry]:
    clean: list[ContactEntry] = []
    for position, contact in enumerate(contacts, start=1):
        entry = ContactEntry(
            id=contact.id,
            name=(contact.name or "").strip()[:200],
            title=(contact.title or "").strip()[:200],
            department=(contact.department or "").strip()[:200],
            email=_clean_email(contact.email, field="contacts"),
        )
        if not (entry.name or entry.title or entry.department):
            raise ValidationError(
                f"Contact {position}: give a name, a title or a department.",
                data={"field": "contacts", "row": position, "row_field": "name"},
            )
        clean.append(entry)
    return clean


def _write_phones(organization: Organization, phones: Sequence[PhoneEntry]) -> bool:
    """Make the organization's own phones exactly ``phones``; True when anything changed."""
    stored = {phone.pk: phone for phone in organization.phones.all()}
    unknown = [phone.id for phone in phones if phone.id is not None and phone.id not in stored]
    if unknown:
        raise ValidationError(
            "A phone in the form is not one of this organization's phones; reload the page.",
            data={"field": "phones"},
        )
    kept = {phone.id for phone in phones if phone.id is not None}
    removed = [pk for pk in stored if pk not in kept]
    changed = bool(removed)
    Phone.objects.filter(pk__in=removed).delete()
    for entry in phones:
        values = {
            "number": entry.number,
            "extension": entry.extension,
            "type": entry.type,
            "description": entry.description,
            "is_24_7": entry.is_24_7,
        }
        if entry.id is None:
            Phone.objects.create(organization=organization, hsds_id=str(uuid.uuid4()), **values)
            changed = True
            continue
        phone = stored[entry.id]
        if any(getattr(phone, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(phone, name, value)
            phone.save(update_fields=list(values))
            changed = True
    return changed


def _write_contacts(organization: Organization, contacts: Sequence[ContactEntry]) -> bool:
    """Make the organization's own contacts exactly ``contacts`` (a removed contact's phones go too)."""
    stored = {contact.pk: contact for contact in organization.contacts.all()}
    if any(entry.id is not None and entry.id not in stored for entry in contacts):
        raise ValidationError(
            "A contact in the form is not one of this organization's contacts; reload the page.",
            data={"field": "contacts"},
        )
    kept = {entry.id for entry in contacts if entry.id is not None}
    removed = [pk for pk in stored if pk not in kept]
    changed = bool(removed)
    Contact.objects.filter(pk__in=removed).delete()
    for entry in contacts:
        values = {
            "name": entry.name,
            "title": entry.title,
            "department": entry.department,
            "email": entry.email,
        }
        if entry.id is None:
            Contact.objects.create(organization=organization, hsds_id=str(uuid.uuid4()), **values)
            changed = True
            continue
        contact = stored[entry.id]
        if any(getattr(contact, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(contact, name, value)
            contact.save(update_fields=list(values))
            changed = True
    return changed


def organization_create(
    *,
    actor: User,
    task_force: TaskForce,
    slug: str,
    name: str,
    description: str = "",
    agency: Agency | None = None,
    email: str = "",
    website: str = "",
    phones: Sequence[PhoneEntry] = (),
    contacts: Sequence[ContactEntry] = (),
) -> Organization:
    """Add an organization (coordinators), with its phones and contacts, in one audited step."""
    if not actor.has_role(Role.COORDINATOR) or actor.task_force_id != task_force.pk:
        raise PermissionDenied("Only coordinators of this task force add organizations.")
    _clean_slug(slug)
    name = (name or "").strip()
    if not name:
        raise ValidationError("An organization needs a name.", data={"field": "name"})
    if agency is not None and agency.task_force_id != task_force.pk:
        raise ValidationError("That agency is not in your task force.", data={"field": "agency"})
    email = _clean_email(email, field="email")
    clean_phones = _clean_phones(phones)
    clean_contacts = _clean_contacts(contacts)
    if Organization.objects.filter(task_force=task_force, slug=slug).exists():
        raise ValidationError(f"An organization with id {slug!r} exists.", data={"field": "slug"})
    try:
        with transaction.atomic():
            organization = Organization.objects.create(
                task_force=task_force,
                hsds_id=hsds.stable_id("organization", slug),
                slug=slug,
                name=name,
                description=(description or "").strip(),
                agency=agency,
                email=email,
                website=(website or "").strip(),
            )
            _write_phones(organization, clean_phones)
            _write_contacts(organization, clean_contacts)
            audit_record(
                event=AuditEventType.DIRECTORY_CHANGED,
                actor=actor,
                object_type="directory.organization",
                object_id=organization.pk,
                fields=["slug", "name", "description", "agency", "email", "website"]
                + (["phones"] if clean_phones else [])
                + (["contacts"] if clean_contacts else []),
                detail={
                    "action": "create",
                    "slug": slug,
                    "phones": len(clean_phones),
                    "contacts": len(clean_contacts),
                },
                task_force_id=task_force.pk,
            )
    except IntegrityError:
        raise ValidationError(
            f"An organization with id {slug!r} exists.", data={"field": "slug"}
        ) from None
    return organization


def organization_reach_update(
    *,
    actor: User,
    organization: Organization,
    expected_version: int,
    phones: Sequence[PhoneEntry],
    contacts: Sequence[ContactEntry],
) -> Organization:
    """Replace an organization's own phones and contacts with the edited lists.

    Entries with an ``id`` update that stored row, entries without one are added,
    stored rows not listed are removed. Contacts' own phones (imported) are kept
    while the contact is.
    """
    _require_maintainer(actor, organization)
    clean_phones = _clean_phones(phones)
    clean_contacts = _clean_contacts(contacts)
    with transaction.atomic():
        current = Organization.objects.select_for_update().get(pk=organization.pk)
        _check_version(current, expected_version)
        changed = []
        if _write_phones(current, clean_phones):
            changed.append("phones")
        if _write_contacts(current, clean_contacts):
            changed.append("contacts")
        if not changed:
            return current
        current.version += 1
        current.save(update_fields=["version", "updated_at"])
        audit_record(
            event=AuditEventType.DIRECTORY_CHANGED,
            actor=actor,
            object_type="directory.organization",
            object_id=current.pk,
            fields=changed,
            detail={
                "action": "update",
                "slug": current.slug,
                "phones": len(clean_phones),
                "contacts": len(clean_contacts),
            },
        )
    return current


SERVICE_TEXT_FIELDS = (
    "name",
    "description",
    "eligibility_description",
    "application_process",
    "interpretation_services",
    "alert",
)

#: Changes kept in child rows rather than on the service itself.
SERVICE_CHILD_CHANGES = ("languages", "jurisdictions", "schedule_notes")


def service_create(
    *, actor: User, organization: Organization, slug: str, changes: Mapping[str, Any]
) -> Service:
    """Add a service to an organization (coordinators); ``changes`` as for ``service_update``."""
    if not actor.has_role(Role.COORDINATOR) or actor.task_force_id != organization.task_force_id:
        raise PermissionDenied("Only coordinators of this task force add services.")
    _clean_slug(slug)
    fields, children = _clean_service_changes(changes, minimum_age=None, maximum_age=None)
    if not fields.get("name"):
        raise ValidationError("A service needs a name.", data={"field": "name"})
    task_force_id = organization.task_force_id
    if Service.objects.filter(task_force_id=task_force_id, slug=slug).exists():
        raise ValidationError(f"A service with id {slug!r} exists.", data={"field": "slug"})
    try:
        with transaction.atomic():
            service = Service.objects.create(
                organization=organization,
                task_force_id=task_force_id,
                hsds_id=hsds.stable_id("service", slug),
                slug=slug,
                **fields,
            )
            written = _write_service_children(service, children)
            audit_record(
                event=AuditEventType.DIRECTORY_CHANGED,
                actor=actor,
                object_type="directory.service",
                object_id=service.pk,
                fields=["slug", *fields, *written],
                detail={"action": "create", "slug": slug, "organization": organization.slug},
            )
    except IntegrityError:
        raise ValidationError(
            f"A service with id {slug!r} exists.", data={"field": "slug"}
        ) from None
    return service


def service_update(
    *, actor: User, service: Service, expected_version: int, changes: Mapping[str, Any]
) -> Service:
    """Change a service's description, eligibility, languages, area, hours and status.

    ``changes`` may hold the text fields, ``status``, ``minimum_age``,
    ``maximum_age``, ``service_types``, ``genders``, ``citizenship``,
    ``trafficking_types`` (iterables of codes), ``is_24_7``, ``languages``
    (ISO 639 codes), ``jurisdictions`` (slugs) and ``schedule_notes`` (text).
    Only what differs from the stored entry is written and audited.
    """
    _require_maintainer(actor, service.organization)
    with transaction.atomic():
        current = Service.objects.select_for_update().get(pk=service.pk)
        _check_version(current, expected_version)
        clean, children = _clean_service_changes(
            changes, minimum_age=current.minimum_age, maximum_age=current.maximum_age
        )
        changed = [name for name, value in clean.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, clean[name])
        changed += _write_service_children(current, children)
        if not changed:
            return current
        current.version += 1
        model_fields = [name for name in changed if name in clean]
        current.save(update_fields=[*model_fields, "version", "updated_at"])
        audit_record(
            event=AuditEventType.DIRECTORY_CHANGED,
            actor=actor,
            object_type="directory.service",
            object_id=current.pk,
            fields=changed,
            detail={"action": "update", "slug": current.slug},
        )
    return current


def _clean_service_changes(
    changes: Mapping[str, Any], *, minimum_age: int | None, maximum_age: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate ``changes``: (fields of the service row, changes kept in child rows)."""
    clean: dict[str, Any] = {}
    children: dict[str, Any] = {}
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
        elif name == "languages":
            codes = {(code or "").strip() for code in value if (code or "").strip()}
            unknown = sorted(code for code in codes if normalize_language(code) is None)
            if unknown:
                raise ValidationError(
                    f"Not ISO 639 language codes: {', '.join(unknown)}.",
                    data={"field": "languages"},
                )
            children[name] = tuple(sorted({normalize_language(code) or "" for code in codes}))
        elif name == "jurisdictions":
            slugs = {(slug or "").strip() for slug in value if (slug or "").strip()}
            bad = sorted(slug for slug in slugs if slugify(slug) != slug or len(slug) > 60)
            if bad:
                raise ValidationError(
                    f"Jurisdiction ids use lowercase letters, digits and dashes: {', '.join(bad)}.",
                    data={"field": "jurisdictions"},
                )
            children[name] = tuple(sorted(slugs))
        elif name == "schedule_notes":
            children[name] = (value or "").strip()
        else:
            raise ValidationError(f"{name} cannot be changed here.", data={"field": name})
    low = clean.get("minimum_age", minimum_age)
    high = clean.get("maximum_age", maximum_age)
    if low is not None and high is not None and low > high:
        raise ValidationError(
            f"Inverted age range: minimum {low} is above maximum {high}.",
            data={"field": "minimum_age"},
        )
    return clean, children


def _write_service_children(service: Service, children: Mapping[str, Any]) -> list[str]:
    """Bring languages, service areas and the schedule note in line; the names that changed."""
    changed: list[str] = []
    if "languages" in children:
        wanted = set(children["languages"])
        if wanted != set(service_languages(service)):
            service.languages.exclude(code__in=wanted).delete()
            have = set(service.languages.values_list("code", flat=True))
            for code in sorted(wanted - have):
                Language.objects.create(
                    service=service,
                    hsds_id=hsds.stable_id("language", service.hsds_id, code),
                    code=code,
                    name=language_name(code) or "",
                )
            changed.append("languages")
    if "jurisdictions" in children:
        wanted = set(children["jurisdictions"])
        if wanted != set(service_jurisdictions(service)):
            service.service_areas.exclude(jurisdiction="").exclude(jurisdiction__in=wanted).delete()
            have = set(service.service_areas.values_list("jurisdiction", flat=True))
            names = known_jurisdictions(task_force_id=service.task_force_id)
            for slug in sorted(wanted - have):
                name = names.get(slug) or slug.replace("-", " ").title()
                ServiceArea.objects.create(
                    service=service,
                    hsds_id=hsds.stable_id("service_area", service.hsds_id, slug),
                    jurisdiction=slug,
                    name=name,
                    extent_type="text",
                    extent=name,
                )
            changed.append("jurisdictions")
    if "schedule_notes" in children:
        notes = children["schedule_notes"]
        row = service.schedules.filter(hsds_id=schedule_notes_id(service)).first()
        if row is not None and not notes:
            row.delete()
            changed.append("schedule_notes")
        elif row is None and notes:
            Schedule.objects.create(
                service=service, hsds_id=schedule_notes_id(service), description=notes
            )
            changed.append("schedule_notes")
        elif row is not None and row.description != notes:
            row.description = notes
            row.save(update_fields=["description"])
            changed.append("schedule_notes")
    return changed


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


def bed_release(
    *, actor: User, service: Service, purpose: str, now: datetime | None = None
) -> Service:
    """Give back one bed when a placement ends (any member of the service's task force may).

    A conditional increment that never goes above ``beds_total``, so a bed released twice or
    after a capacity recount cannot invent a bed.
    """
    if actor.task_force_id != service.task_force_id:
        raise NotFound("No such service.")
    if service.beds_available is None:
        raise ValidationError(f"{service.name} does not track beds.", data={"field": "service"})
    stamp = now or timezone.now()
    with transaction.atomic():
        query = Service.objects.filter(pk=service.pk)
        if service.beds_total is not None:
            query = query.filter(beds_available__lt=F("beds_total"))
        updated = query.update(
            beds_available=F("beds_available") + 1,
            version=F("version") + 1,
            capacity_updated_at=stamp,
            capacity_updated_by=actor,
        )
        if updated:
            audit_record(
                event=AuditEventType.DIRECTORY_CAPACITY_UPDATED,
                actor=actor,
                object_type="directory.service",
                object_id=service.pk,
                fields=["beds_available"],
                purpose=purpose,
                detail={"slug": service.slug, "change": 1},
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
    if not may_disclose(viewer=actor, location=location):
        raise PermissionDenied("Only the provider's own users may disclose its address.")
    if agency.task_force_id != organization.task_force_id:
        raise ValidationError("That agency is not in your task force.", data={"field": "agency"})
    if agency.pk == organization.agency_id:
        raise ValidationError(
            "Your own agency already sees this address.", data={"field": "agency"}
        )
    if not location.is_confidential:
        raise ValidationError(
            "This location is not confidential: everyone already sees its address.",
            data={"field": "agency"},
        )
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


def location_disclosure_withdraw(*, actor: User, location: Location, agency: Agency) -> None:
    """The provider takes back an agency's sight of its address, effective on the next request."""
    if not may_disclose(viewer=actor, location=location):
        raise PermissionDenied("Only the provider's own users may withdraw a disclosure.")
    with transaction.atomic():
        removed, _ = LocationDisclosure.objects.filter(location=location, agency=agency).delete()
        if not removed:
            raise ValidationError(
                f"{agency.name} was not named for this location.", data={"field": "agency"}
            )
        audit_record(
            event=AuditEventType.DIRECTORY_LOCATION_DISCLOSURE_WITHDRAWN,
            actor=actor,
            object_type="directory.location",
            object_id=location.pk,
            fields=["address"],
            subject_agency_id=agency.pk,
            detail={"action": "disclosure_withdrawn", "agency": agency.slug},
        )


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
    on_checked: Callable[[int], None] | None = None,
) -> hsds.ImportReport:
    """Import an HSDS document all-or-nothing; raise ``DirectoryImportError`` naming every problem.

    The document's size and nesting depth are limited (``ACCORD_HSDS_MAX_BYTES``,
    ``ACCORD_INPUT_MAX_DEPTH``) before it is parsed; ``on_checked`` hears the
    record count once the whole document passed its checks, before any write.
    """
    if isinstance(actor, User) and not actor.has_role("coordinator"):
        raise PermissionDenied("Only coordinators import directory data.")
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
