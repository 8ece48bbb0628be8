"""Keeping entries trustworthy: verification, and disclosing a confidential address to an agency."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accord.accounts.models import Agency, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import PermissionDenied, ValidationError

from ..models import (
    Location,
    LocationDisclosure,
    Organization,
    Service,
)
from ..selectors import (
    may_disclose,
)
from ._common import _check_version, _require_maintainer


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
        raise PermissionDenied(gettext("Only the provider's own users may disclose its address."))
    if agency.task_force_id != organization.task_force_id:
        raise ValidationError(
            gettext("That agency is not in your task force."), data={"field": "agency"}
        )
    if agency.pk == organization.agency_id:
        raise ValidationError(
            gettext("Your own agency already sees this address."), data={"field": "agency"}
        )
    if not location.is_confidential:
        raise ValidationError(
            gettext("This location is not confidential: everyone already sees its address."),
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
        raise PermissionDenied(gettext("Only the provider's own users may withdraw a disclosure."))
    with transaction.atomic():
        removed, _ = LocationDisclosure.objects.filter(location=location, agency=agency).delete()
        if not removed:
            raise ValidationError(
                gettext("%(name)s was not named for this location.") % {"name": agency.name},
                data={"field": "agency"},
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
