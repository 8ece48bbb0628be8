"""Beds and capacity: update the count, reserve a bed, release one."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import NotFound, ValidationError

from ..models import (
    Service,
)
from ._common import _check_version, _require_maintainer


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
            _("Beds available cannot be negative."), data={"field": "beds_available"}
        )
    with transaction.atomic():
        current = Service.objects.select_for_update().get(pk=service.pk)
        _check_version(current, expected_version)
        total = current.beds_total if beds_total is None else beds_total
        if total is not None and beds_available > total:
            raise ValidationError(
                _("%(beds_available)s beds available but only %(total)s in total.")
                % {"beds_available": beds_available, "total": total},
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
        raise NotFound(_("No such service."))
    if service.beds_available is None:
        raise ValidationError(
            _("%(name)s does not track beds.") % {"name": service.name}, data={"field": "service"}
        )
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
                _(
                    "No bed is free at %(name)s (0 of %(beds_total)s); choose another "
                    "placement or record it without a bed."
                )
                % {"name": service.name, "beds_total": service.beds_total},
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
        raise NotFound(_("No such service."))
    if service.beds_available is None:
        raise ValidationError(
            _("%(name)s does not track beds.") % {"name": service.name}, data={"field": "service"}
        )
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
