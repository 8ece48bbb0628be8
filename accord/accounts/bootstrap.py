"""Operator-level writes: a new task force, its member agencies, committees, first coordinator.

Coordinators manage users of their own task force (``services``); somebody has to
create the task force and its first coordinator. These services are what the
``task_force_setup`` command and the demo loader call; each is audited with the
operator's name as the actor.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import ValidationError

from .models import SECTOR_CHOICES, Agency, Committee, TaskForce, User, default_time_zone
from .services import _user_insert

SECTORS = frozenset(value for value, _label in SECTOR_CHOICES)


def task_force_create(
    *, operator: str, slug: str, name: str, jurisdiction: str = "", time_zone: str = ""
) -> TaskForce:
    """A new task force; ``time_zone`` (an IANA name) defaults to the deployment's."""
    from accord.zones import valid_zone_names

    if TaskForce.objects.filter(slug=slug).exists():
        raise ValidationError(
            _("A task force '%(slug)s' already exists.") % {"slug": slug}, data={"field": "slug"}
        )
    if time_zone and time_zone not in valid_zone_names():
        raise ValidationError(
            _("Time zone: '%(time_zone)s' is not a time zone name (for example America/Chicago).")
            % {"time_zone": time_zone},
            data={"field": "time_zone"},
        )
    with transaction.atomic():
        task_force = TaskForce.objects.create(
            slug=slug,
            name=name,
            jurisdiction=jurisdiction,
            time_zone=time_zone or default_time_zone(),
        )
        audit_record(
            event=AuditEventType.AGENCY_CHANGED,
            username=operator,
            object_type="task_force",
            object_id=task_force.pk,
            task_force_id=task_force.pk,
            detail={"action": "created", "slug": slug},
        )
    return task_force


def agency_create(
    *, operator: str, task_force: TaskForce, slug: str, name: str, sector: str
) -> Agency:
    if sector not in SECTORS:
        raise ValidationError(
            _("Unknown sector '%(sector)s'.") % {"sector": sector}, data={"field": "sector"}
        )
    if Agency.objects.filter(task_force=task_force, slug=slug).exists():
        raise ValidationError(
            _("The agency '%(slug)s' already exists.") % {"slug": slug}, data={"field": "slug"}
        )
    with transaction.atomic():
        agency = Agency.objects.create(task_force=task_force, slug=slug, name=name, sector=sector)
        audit_record(
            event=AuditEventType.AGENCY_CHANGED,
            username=operator,
            object_type="agency",
            object_id=agency.pk,
            subject_agency_id=agency.pk,
            task_force_id=task_force.pk,
            detail={"action": "created", "slug": slug, "sector": sector},
        )
    return agency


def committee_create(
    *, operator: str, task_force: TaskForce, slug: str, name: str, agencies: Iterable[Agency]
) -> Committee:
    members = list(agencies)
    if any(agency.task_force_id != task_force.pk for agency in members):
        raise ValidationError(
            _("Committee members must be agencies of the task force."), data={"field": "agencies"}
        )
    with transaction.atomic():
        committee = Committee.objects.create(task_force=task_force, slug=slug, name=name)
        committee.agencies.set(members)
        audit_record(
            event=AuditEventType.COMMITTEE_CHANGED,
            username=operator,
            object_type="committee",
            object_id=committee.pk,
            task_force_id=task_force.pk,
            detail={"action": "created", "slug": slug, "agencies": sorted(a.slug for a in members)},
        )
    return committee


def user_create_by_operator(
    *,
    operator: str,
    agency: Agency,
    username: str,
    email: str,
    roles: Iterable[str],
    display_name: str = "",
    password: str | None = None,
) -> User:
    """The first coordinator of a task force (and the demo's users): no coordinator exists yet."""
    return _user_insert(
        actor=None,
        agency=agency,
        username=username,
        email=email,
        roles=roles,
        display_name=display_name,
        password=password,
    )


def agency_set_lead(*, operator: str, agency: Agency, lead: User) -> Agency:
    if lead.agency_id != agency.pk:
        raise ValidationError(
            _("The agency lead must be a user of that agency."), data={"field": "lead"}
        )
    with transaction.atomic():
        Agency.objects.filter(pk=agency.pk).update(lead=lead)
        agency.lead = lead
        audit_record(
            event=AuditEventType.AGENCY_CHANGED,
            username=operator,
            object_type="agency",
            object_id=agency.pk,
            subject_agency_id=agency.pk,
            task_force_id=agency.task_force_id,
            detail={"action": "lead_set", "lead": lead.get_username()},
        )
    return agency


def user_personnel_set(
    *,
    operator: str,
    user: User,
    cjis_training_on: object = None,
    background_check_passed_on: object = None,
    immigration_relief_authorized: bool | None = None,
) -> User:
    """Personnel gates (S14) and the immigration-relief authorization (S11), as recorded by HR."""
    changes: dict[str, object] = {}
    if cjis_training_on is not None:
        changes["cjis_training_on"] = cjis_training_on
    if background_check_passed_on is not None:
        changes["background_check_passed_on"] = background_check_passed_on
    if immigration_relief_authorized is not None:
        changes["immigration_relief_authorized"] = immigration_relief_authorized
    if not changes:
        return user
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(**changes)
        for name, value in changes.items():
            setattr(user, name, value)
        audit_record(
            event=AuditEventType.USER_UPDATED,
            username=operator,
            object_type="user",
            object_id=user.pk,
            subject_agency_id=user.agency_id,
            task_force_id=user.task_force_id,
            fields=sorted(changes),
            detail={"username": user.get_username()},
        )
    return user
