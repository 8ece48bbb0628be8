"""Reads of the directory, scoped to the viewer's task force.

``location_address_visible`` is the one door deciding whether a confidential
location's address (and anything that could reveal it) may be shown: pages,
exports and JSON all ask it. ``location_views`` is the one way a location
reaches a page, the API or an export: it asks that door and, before any
confidential address leaves, writes a ``directory_address_disclosed`` audit
event naming the fields disclosed (S15). When that write fails it raises
``AuditUnavailable`` and the response carrying the address is never built
(503, S17). Another task force's objects are simply not found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, Role, TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import NotFound

from .models import (
    DirectoryImport,
    Location,
    LocationDisclosure,
    Organization,
    Phone,
    Service,
    ServiceArea,
    ServiceStatus,
)


@dataclass(frozen=True)
class Operator:
    """The person at the command line: no agency; sees confidential addresses only on request."""

    include_confidential: bool = False
    label: str = "operator"


Viewer = User | Operator


@dataclass(frozen=True)
class Visibility:
    visible: bool
    reason: str


def location_address_visible(*, viewer: Viewer, location: Location) -> Visibility:
    """May this viewer see where this location is (address, coordinates, directions)?

    A confidential location (a shelter) is visible only to users of the agency
    that runs it and to agencies the provider named; an operator sees it only
    when exporting with ``--include-confidential``.
    """
    if not location.is_confidential:
        return Visibility(visible=True, reason="public location")
    if isinstance(viewer, Operator):
        if viewer.include_confidential:
            return Visibility(visible=True, reason="operator export including confidential")
        return Visibility(visible=False, reason="confidential location: operator export")
    agency_id = getattr(viewer, "agency_id", None)
    if agency_id is None:
        return Visibility(visible=False, reason="confidential location: no member agency")
    organization = location.organization
    if organization.agency_id is not None and organization.agency_id == agency_id:
        return Visibility(visible=True, reason="your agency runs this location")
    if any(disclosure.agency_id == agency_id for disclosure in location.disclosures.all()):
        return Visibility(visible=True, reason="the provider disclosed it to your agency")
    return Visibility(
        visible=False,
        reason="confidential location: only the provider and agencies it names see the address",
    )


def viewer_task_force_id(viewer: Viewer) -> int | None:
    return None if isinstance(viewer, Operator) else viewer.task_force_id


def organizations_for(*, task_force_id: int) -> QuerySet[Organization]:
    return Organization.objects.filter(task_force_id=task_force_id)


def services_for(*, task_force_id: int) -> QuerySet[Service]:
    """The task force's active services of active organizations, 24/7 ones first, then by
    name, with what their eligibility checks read (organization, languages, areas)."""
    return (
        Service.objects.filter(
            task_force_id=task_force_id,
            status=ServiceStatus.ACTIVE,
            organization__is_active=True,
        )
        .select_related("organization")
        .prefetch_related("languages", "service_areas")
        .order_by("-is_24_7", "name", "pk")
    )


def organization_get(*, viewer: User, organization_id: int) -> Organization:
    """One organization of the viewer's task force, or NotFound (also for other task forces)."""
    organization = (
        Organization.objects.filter(pk=organization_id, task_force_id=viewer.task_force_id)
        .select_related("agency", "last_verified_by")
        .first()
    )
    if organization is None:
        raise NotFound(_("No such organization in your task force's directory."))
    return organization


def service_get(*, viewer: User, service_id: int) -> Service:
    service = (
        Service.objects.filter(pk=service_id, task_force_id=viewer.task_force_id)
        .select_related("organization", "organization__agency", "last_verified_by")
        .first()
    )
    if service is None:
        raise NotFound(_("No such service in your task force's directory."))
    return service


def location_get(*, viewer: User, location_id: int) -> Location:
    location = (
        Location.objects.filter(pk=location_id, organization__task_force_id=viewer.task_force_id)
        .select_related("organization")
        .first()
    )
    if location is None:
        raise NotFound(_("No such location in your task force's directory."))
    return location


def may_maintain(*, viewer: User, organization: Organization) -> bool:
    """Coordinators maintain the whole directory; an agency's users maintain their own entry."""
    if organization.task_force_id != viewer.task_force_id:
        return False
    if viewer.has_role(Role.COORDINATOR):
        return True
    return organization.agency_id is not None and organization.agency_id == viewer.agency_id


def may_disclose(*, viewer: User, location: Location) -> bool:
    """Only the provider's own users name (and un-name) agencies that see its address."""
    organization = location.organization
    return (
        organization.task_force_id == viewer.task_force_id
        and organization.agency_id is not None
        and organization.agency_id == viewer.agency_id
    )


@dataclass(frozen=True)
class AddressAudience:
    """Who sees a confidential location's address now, and why."""

    agency: Agency
    reason: str
    disclosure: LocationDisclosure | None = None


def location_address_audience(*, viewer: User, location: Location) -> list[AddressAudience]:
    """The agencies whose users see the address now (the provider first); NotFound for others."""
    if not may_disclose(viewer=viewer, location=location):
        raise NotFound(_("No such location in your task force's directory."))
    provider = location.organization.agency
    audience = [AddressAudience(agency=provider, reason="runs this location")]  # type: ignore[arg-type]
    if not location.is_confidential:
        return audience
    for disclosure in location.disclosures.select_related("agency").order_by("agency__name"):
        audience.append(
            AddressAudience(
                agency=disclosure.agency,
                reason=f"named by the provider on {disclosure.created_at:%Y-%m-%d}",
                disclosure=disclosure,
            )
        )
    return audience


def disclosable_agencies(*, location: Location) -> QuerySet[Agency]:
    """Member agencies the provider could still name for this location."""
    organization = location.organization
    agencies = Agency.objects.filter(task_force_id=organization.task_force_id)
    if organization.agency_id is not None:
        agencies = agencies.exclude(pk=organization.agency_id)
    return agencies.exclude(pk__in=location.disclosures.values("agency_id")).order_by("name")


def service_languages(service: Service) -> tuple[str, ...]:
    return tuple(
        sorted({code for code in service.languages.values_list("code", flat=True) if code})
    )


def service_jurisdictions(service: Service) -> tuple[str, ...]:
    return tuple(
        sorted(
            {slug for slug in service.service_areas.values_list("jurisdiction", flat=True) if slug}
        )
    )


def schedule_notes_id(service: Service) -> str:
    """The HSDS id of the rule-less schedule row that holds a service's free-text hours."""
    from .hsds import stable_id  # hsds imports this module

    return stable_id("schedule-notes", service.hsds_id)


def service_schedule_notes(service: Service) -> str:
    row = service.schedules.filter(hsds_id=schedule_notes_id(service)).first()
    return row.description if row else ""


def known_jurisdictions(*, task_force_id: int) -> dict[str, str]:
    """Jurisdiction slugs the task force's directory already uses, with a display name each."""
    names: dict[str, str] = {}
    rows = (
        ServiceArea.objects.filter(service__task_force_id=task_force_id)
        .exclude(jurisdiction="")
        .order_by("jurisdiction", "pk")
        .values_list("jurisdiction", "name")
    )
    for slug, name in rows:
        if slug not in names or (not names[slug] and name):
            names[slug] = name
    return {slug: name or slug for slug, name in names.items()}


@dataclass(frozen=True)
class LocationView:
    """A location as one viewer may see it: the address parts only when visible."""

    location: Location
    visibility: Visibility
    addresses: tuple = ()
    phones: tuple = ()
    schedules: tuple = ()


#: The address parts a disclosure carries, named (never valued) in its audit event.
ADDRESS_PARTS = (
    "attention",
    "address_1",
    "address_2",
    "city",
    "region",
    "state_province",
    "postal_code",
    "country",
)


def location_views(
    *, viewer: Viewer, locations: Iterable[Location], purpose: str
) -> list[LocationView]:
    """The locations as this viewer may see them, every confidential one disclosed audited.

    The audit events are written (all or none) before the views are returned, so
    a caller that fails on ``AuditUnavailable`` never has an address to send.
    Public locations and withheld confidential ones write nothing: a viewer who
    may not see a shelter's address is not affected by the audit trail's state.
    """
    views = [_location_view(viewer=viewer, location=location) for location in locations]
    disclosed = [
        view for view in views if view.visibility.visible and view.location.is_confidential
    ]
    if disclosed:
        _audit_address_disclosures(viewer=viewer, views=disclosed, purpose=purpose)
    return views


def location_view(*, viewer: Viewer, location: Location, purpose: str) -> LocationView:
    """One location through ``location_views`` (audited the same way)."""
    return location_views(viewer=viewer, locations=[location], purpose=purpose)[0]


def disclosed_field_names(view: LocationView) -> list[str]:
    """Names of the fields of a visible location that say where it is (for the audit event)."""
    location = view.location
    names = {
        f"address.{part}"
        for address in view.addresses
        for part in ADDRESS_PARTS
        if getattr(address, part)
    }
    names |= {
        f"location.{name}"
        for name in ("transportation", "latitude", "longitude")
        if getattr(location, name) not in (None, "")
    }
    if view.phones:
        names.add("location.phones")
    if view.schedules:
        names.add("location.schedules")
    return sorted(names)


def _location_view(*, viewer: Viewer, location: Location) -> LocationView:
    visibility = location_address_visible(viewer=viewer, location=location)
    if not visibility.visible:
        return LocationView(location=location, visibility=visibility)
    return LocationView(
        location=location,
        visibility=visibility,
        addresses=tuple(location.addresses.all()),
        phones=tuple(location.phones.all()),
        schedules=tuple(location.schedules.all()),
    )


def _audit_address_disclosures(
    *, viewer: Viewer, views: Sequence[LocationView], purpose: str
) -> None:
    """One event per confidential location disclosed; raises ``AuditUnavailable`` (S17)."""
    actor = viewer if isinstance(viewer, User) else None
    with transaction.atomic():
        for view in views:
            organization = view.location.organization
            audit_record(
                event=AuditEventType.DIRECTORY_ADDRESS_DISCLOSED,
                actor=actor,
                username=viewer.label if isinstance(viewer, Operator) else "",
                object_type="directory_location",
                object_id=view.location.pk,
                fields=disclosed_field_names(view),
                purpose=purpose,
                detail={"reason": view.visibility.reason},
                subject_agency_id=organization.agency_id,
                task_force_id=organization.task_force_id,
            )


def organization_24_7_phones(organization: Organization) -> list[Phone]:
    """The organization's round-the-clock numbers: its own, its contacts' and its services'."""
    return list(
        Phone.objects.filter(is_24_7=True)
        .filter(
            Q(organization=organization)
            | Q(contact__organization=organization)
            | Q(service__organization=organization)
        )
        .order_by("pk")
    )


def organizations_reachable_24_7(
    *, task_force_id: int, slugs: Iterable[str] | None = None
) -> frozenset[str]:
    """The slugs of the task force's organizations (of ``slugs``, when given) that have a
    round-the-clock number, their own, a contact's or a service's (as
    :func:`organization_24_7_phones` finds them), in one query."""
    phones = (
        Phone.objects.filter(is_24_7=True)
        .filter(
            Q(organization__task_force_id=task_force_id)
            | Q(contact__organization__task_force_id=task_force_id)
            | Q(service__organization__task_force_id=task_force_id)
        )
        .order_by()
    )  # a phone has exactly one parent, so each row names at most one organization
    reachable = {
        slug
        for row in phones.values_list(
            "organization__slug", "contact__organization__slug", "service__organization__slug"
        )
        for slug in row
        if slug
    }
    if slugs is not None:
        reachable &= set(slugs)
    return frozenset(reachable)


# --- staleness ------------------------------------------------------------------------------


def stale_after() -> timedelta:
    value = getattr(settings, "ACCORD_DIRECTORY_STALE_AFTER", timedelta(days=180))
    return value if isinstance(value, timedelta) else timedelta(days=int(value))


def is_stale(*, last_verified_at: datetime | None, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return last_verified_at is None or now - last_verified_at > stale_after()


#: The protocol layer registers a callable returning the organization slugs the protocol
#: in force refers to; without one (or when it returns none), every active organization
#: is checked.
ReferencedOrganizations = Callable[[TaskForce], Iterable[str]]
_referenced_provider: list[ReferencedOrganizations] = []


def register_referenced_organizations(provider: ReferencedOrganizations) -> None:
    _referenced_provider[:] = [provider]


@dataclass(frozen=True)
class UpkeepItem:
    kind: str  # "organization" | "service"
    record: Organization | Service
    reason: str


@dataclass(frozen=True)
class UpkeepReport:
    stale: list[UpkeepItem] = field(default_factory=list)
    missing_24_7: list[UpkeepItem] = field(default_factory=list)
    checked_organizations: str = "every active organization"


def directory_upkeep(*, task_force: TaskForce, now: datetime | None = None) -> UpkeepReport:
    """What needs re-verification, and which referenced organizations lack a 24/7 contact."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    days = stale_after().days
    stale: list[UpkeepItem] = []
    for organization in Organization.objects.filter(task_force=task_force).filter(
        Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff)
    ):
        stale.append(UpkeepItem("organization", organization, _stale_reason(organization, days)))
    for service in (
        Service.objects.filter(task_force=task_force)
        .filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff))
        .select_related("organization")
    ):
        stale.append(UpkeepItem("service", service, _stale_reason(service, days)))
    organizations = Organization.objects.filter(task_force=task_force, is_active=True)
    checked = "every active organization"
    slugs = set(_referenced_provider[0](task_force) or ()) if _referenced_provider else set()
    if slugs:
        organizations = organizations.filter(slug__in=slugs)
        checked = "organizations the protocol in force refers to"
    elif _referenced_provider:
        checked = "every active organization (no protocol in force refers to any)"
    with_24_7 = set(
        Phone.objects.filter(is_24_7=True)
        .filter(
            Q(organization__task_force=task_force)
            | Q(contact__organization__task_force=task_force)
            | Q(service__task_force=task_force)
        )
        .values_list("organization_id", "contact__organization_id", "service__organization_id")
    )
    covered = {pk for row in with_24_7 for pk in row if pk is not None}
    missing = [
        UpkeepItem("organization", org, "no 24/7 phone recorded")
        for org in organizations
        if org.pk not in covered
    ]
    return UpkeepReport(stale=stale, missing_24_7=missing, checked_organizations=checked)


def _stale_reason(record: Organization | Service, days: int) -> str:
    if record.last_verified_at is None:
        return "never verified"
    return f"last verified {record.last_verified_at:%Y-%m-%d}, more than {days} days ago"


def organization_detail_queryset() -> QuerySet[Organization]:
    return Organization.objects.prefetch_related(
        "phones__languages",
        "contacts__phones",
        Prefetch(
            "locations", queryset=Location.objects.prefetch_related("addresses", "disclosures")
        ),
        "services__languages",
    )


def directory_imports_recent(*, viewer: User, limit: int = 10) -> list[DirectoryImport]:
    """The task force's latest background imports, newest first (without their bytes)."""
    return list(
        DirectoryImport.objects.filter(task_force_id=viewer.task_force_id)
        .defer("content")
        .order_by("-created_at", "-pk")[:limit]
    )


def directory_import_get(*, viewer: User, import_id: int) -> DirectoryImport:
    """One background import of the viewer's task force; another's is simply not found."""
    run = (
        DirectoryImport.objects.filter(pk=import_id, task_force_id=viewer.task_force_id)
        .defer("content")
        .select_related("requested_by")
        .first()
    )
    if run is None:
        raise NotFound(_("No such import in your task force."))
    return run
