"""Organizations: create one, change how to reach it (phones, contacts, e-mail, web site)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, Role, TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import PermissionDenied, ValidationError

from .. import hsds
from ..models import (
    Contact,
    Organization,
    Phone,
)
from ._common import _check_version, _require_maintainer


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
            _("Use lowercase letters, digits and dashes (e.g. harbor-light)."),
            data={"field": "slug"},
        )
    return slug


def _clean_email(value: str, *, field: str) -> str:
    value = (value or "").strip()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValidationError(
                _("%(value)s is not an e-mail address.") % {"value": repr(value)},
                data={"field": field},
            ) from None
    return value


def _clean_phones(phones: Sequence[PhoneEntry]) -> list[PhoneEntry]:
    clean: list[PhoneEntry] = []
    for position, phone in enumerate(phones, start=1):
        number = " ".join((phone.number or "").split())
        digits = sum(character.isdigit() for character in number)
        if not number or not _PHONE_CHARACTERS.fullmatch(number) or digits < 3:
            raise ValidationError(
                _(
                    "Phone %(position)s: %(value)s is not a phone number (digits, spaces "
                    "and + ( ) - . only, at least 3 digits)."
                )
                % {"position": position, "value": repr(number or "an empty number")},
                data={"field": "phones", "row": position, "row_field": "number"},
            )
        if phone.type and phone.type not in PHONE_TYPES:
            raise ValidationError(
                _("Phone %(position)s: unknown type %(type)s.")
                % {"position": position, "type": repr(phone.type)},
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
                _("Contact %(position)s: give a name, a title or a department.")
                % {"position": position},
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
            _("A phone in the form is not one of this organization's phones; reload the page."),
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
            _("A contact in the form is not one of this organization's contacts; reload the page."),
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
        raise PermissionDenied(_("Only coordinators of this task force add organizations."))
    _clean_slug(slug)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("An organization needs a name."), data={"field": "name"})
    if agency is not None and agency.task_force_id != task_force.pk:
        raise ValidationError(_("That agency is not in your task force."), data={"field": "agency"})
    email = _clean_email(email, field="email")
    clean_phones = _clean_phones(phones)
    clean_contacts = _clean_contacts(contacts)
    if Organization.objects.filter(task_force=task_force, slug=slug).exists():
        raise ValidationError(
            _("An organization with id %(slug)s exists.") % {"slug": repr(slug)},
            data={"field": "slug"},
        )
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
            _("An organization with id %(slug)s exists.") % {"slug": repr(slug)},
            data={"field": "slug"},
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
