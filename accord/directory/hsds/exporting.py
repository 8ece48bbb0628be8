"""Exporting the directory as HSDS 3.0: what the viewer may see, with Accord's own fields as
``accord`` attributes, so an export re-imports without loss."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ..models import (
    Contact,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
)
from ..selectors import Viewer, location_address_visible
from .schema import ACCORD_ATTRIBUTES, ACCORD_TAXONOMY, stable_id
from .writing import SCHEDULE_TEXT

# --- exporting -----------------------------------------------------------------------------


@dataclass
class ExportSummary:
    organizations: int = 0
    services: int = 0
    locations: int = 0
    withheld_locations: int = 0


def _put(target: dict[str, Any], name: str, value: Any) -> None:
    """Optional HSDS fields are written only when they hold something."""
    if value not in (None, ""):
        target[name] = value


def _attribute(owner_id: str, *, entity: str, code: str, value: str) -> dict[str, Any]:
    label = ACCORD_ATTRIBUTES[code][1]
    return {
        "id": stable_id("attribute", owner_id, code, value),
        "link_id": owner_id,
        "link_type": code,
        "link_entity": entity,
        "value": value,
        "taxonomy_term": {
            "id": stable_id("taxonomy_term", code),
            "code": code,
            "name": label,
            "description": f"Accord: {label}",
            "taxonomy": ACCORD_TAXONOMY,
        },
    }


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else ""


def _number(value: str) -> int | float | None:
    if value in ("", None):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def export_organizations(
    *, viewer: Viewer, organizations: Iterable[Organization]
) -> tuple[list[dict[str, Any]], ExportSummary]:
    """HSDS 3.0 organizations with services, locations, contacts and phones nested.

    Confidential locations the viewer may not see are left out entirely (with
    the service-at-location links that point at them); the summary counts them.
    """
    summary = ExportSummary()
    out = [_export_organization(org, viewer=viewer, summary=summary) for org in organizations]
    return out, summary


def _export_organization(
    organization: Organization, *, viewer: Viewer, summary: ExportSummary
) -> dict[str, Any]:
    summary.organizations += 1
    ident = organization.hsds_id
    data: dict[str, Any] = {
        "id": ident,
        "name": organization.name,
        "description": organization.description,
    }
    _put(data, "alternate_name", organization.alternate_name)
    _put(data, "email", organization.email)
    _put(data, "website", organization.website)
    data["contacts"] = [_export_contact(c) for c in organization.contacts.all()]
    data["phones"] = [_export_phone(p) for p in organization.phones.all()]
    visible_locations: set[int] = set()
    locations = []
    for location in organization.locations.all():
        if location_address_visible(viewer=viewer, location=location).visible:
            visible_locations.add(location.pk)
            locations.append(_export_location(location))
            summary.locations += 1
        else:
            summary.withheld_locations += 1
    data["locations"] = locations
    data["services"] = [
        _export_service(s, visible_locations=visible_locations, summary=summary)
        for s in organization.services.all()
    ]
    attributes = [_attribute(ident, entity="organization", code="slug", value=organization.slug)]
    attributes.append(
        _attribute(
            ident,
            entity="organization",
            code="active",
            value="true" if organization.is_active else "false",
        )
    )
    if organization.last_verified_at:
        attributes.append(
            _attribute(
                ident,
                entity="organization",
                code="last_verified_at",
                value=_when(organization.last_verified_at),
            )
        )
    if organization.verified_by_display:
        attributes.append(
            _attribute(
                ident,
                entity="organization",
                code="verified_by",
                value=organization.verified_by_display,
            )
        )
    data["attributes"] = attributes
    return data


def _export_contact(contact: Contact) -> dict[str, Any]:
    data: dict[str, Any] = {"id": contact.hsds_id}
    for name in ("name", "title", "department", "email"):
        _put(data, name, getattr(contact, name))
    data["phones"] = [_export_phone(p) for p in contact.phones.all()]
    return data


def _export_phone(phone: Phone) -> dict[str, Any]:
    data: dict[str, Any] = {"id": phone.hsds_id, "number": phone.number}
    _put(data, "extension", _number(phone.extension))
    _put(data, "type", phone.type)
    _put(data, "description", phone.description)
    data["languages"] = [_export_language(lang) for lang in phone.languages.all()]
    if phone.is_24_7:
        data["attributes"] = [
            _attribute(phone.hsds_id, entity="phone", code="available_24_7", value="true")
        ]
    return data


def _export_language(language: Language) -> dict[str, Any]:
    data: dict[str, Any] = {"id": language.hsds_id, "code": language.code}
    _put(data, "name", language.name)
    _put(data, "note", language.note)
    return data


def _export_schedule(schedule: Schedule) -> dict[str, Any]:
    data: dict[str, Any] = {"id": schedule.hsds_id}
    for name in SCHEDULE_TEXT:
        _put(data, name, getattr(schedule, name))
    for name in ("timezone", "count", "interval"):
        value = getattr(schedule, name)
        if value is not None:
            data[name] = int(value) if float(value).is_integer() else value
    return data


def _export_location(location: Location) -> dict[str, Any]:
    data: dict[str, Any] = {"id": location.hsds_id, "location_type": location.location_type}
    for name in ("url", "name", "alternate_name", "description", "transportation"):
        _put(data, name, getattr(location, name))
    _put(data, "latitude", location.latitude)
    _put(data, "longitude", location.longitude)
    data["languages"] = [_export_language(lang) for lang in location.languages.all()]
    data["addresses"] = [
        {
            "id": address.hsds_id,
            **{
                name: getattr(address, name)
                for name in (
                    "address_1",
                    "city",
                    "state_province",
                    "postal_code",
                    "country",
                    "address_type",
                )
            },
            **{
                name: getattr(address, name)
                for name in ("attention", "address_2", "region")
                if getattr(address, name)
            },
        }
        for address in location.addresses.all()
    ]
    data["contacts"] = [_export_contact(c) for c in location.contacts.all()]
    data["phones"] = [_export_phone(p) for p in location.phones.all()]
    data["schedules"] = [_export_schedule(s) for s in location.schedules.all()]
    if location.is_confidential:
        data["attributes"] = [
            _attribute(
                location.hsds_id, entity="location", code="confidential_location", value="true"
            )
        ]
    return data


def _export_service(
    service: Service, *, visible_locations: set[int], summary: ExportSummary
) -> dict[str, Any]:
    summary.services += 1
    ident = service.hsds_id
    data: dict[str, Any] = {
        "id": ident,
        "organization_id": service.organization.hsds_id,
        "name": service.name,
        "status": service.status or ServiceStatus.ACTIVE,
    }
    for name in (
        "alternate_name",
        "description",
        "url",
        "email",
        "interpretation_services",
        "application_process",
        "fees_description",
        "eligibility_description",
        "alert",
    ):
        _put(data, name, getattr(service, name))
    _put(data, "minimum_age", service.minimum_age)
    _put(data, "maximum_age", service.maximum_age)
    if service.last_verified_at:
        data["assured_date"] = service.last_verified_at.astimezone(UTC).date().isoformat()
    if "@" in service.verified_by_label:
        data["assurer_email"] = service.verified_by_label
    elif (verifier := service.last_verified_by) is not None and "@" in (verifier.email or ""):
        data["assurer_email"] = verifier.email
    data["phones"] = [_export_phone(p) for p in service.phones.all()]
    data["schedules"] = [_export_schedule(s) for s in service.schedules.all()]
    data["service_areas"] = [_export_area(a) for a in service.service_areas.all()]
    data["service_at_locations"] = [
        _export_at_location(link)
        for link in service.at_locations.all()
        if link.location_id in visible_locations
    ]
    data["languages"] = [_export_language(lang) for lang in service.languages.all()]
    data["contacts"] = [_export_contact(c) for c in service.contacts.all()]
    attributes = [_attribute(ident, entity="service", code="slug", value=service.slug)]
    for code, values in (
        ("service_type", service.service_type_set),
        ("eligible_gender", service.gender_set),
        ("eligible_citizenship", service.citizenship_set),
        ("eligible_trafficking_type", service.trafficking_type_set),
    ):
        attributes.extend(
            _attribute(ident, entity="service", code=code, value=v) for v in sorted(values)
        )
    if service.is_24_7:
        attributes.append(_attribute(ident, entity="service", code="available_24_7", value="true"))
    for code, value in (
        ("beds_available", service.beds_available),
        ("beds_total", service.beds_total),
    ):
        if value is not None:
            attributes.append(_attribute(ident, entity="service", code=code, value=str(value)))
    if service.capacity_updated_at:
        attributes.append(
            _attribute(
                ident,
                entity="service",
                code="capacity_updated_at",
                value=_when(service.capacity_updated_at),
            )
        )
    data["attributes"] = attributes
    return data


def _export_area(area: ServiceArea) -> dict[str, Any]:
    data: dict[str, Any] = {"id": area.hsds_id}
    for name in ("name", "description", "extent", "extent_type", "uri"):
        _put(data, name, getattr(area, name))
    if area.jurisdiction:
        data["attributes"] = [
            _attribute(
                area.hsds_id, entity="service_area", code="jurisdiction", value=area.jurisdiction
            )
        ]
    return data


def _export_at_location(link: ServiceAtLocation) -> dict[str, Any]:
    data: dict[str, Any] = {"id": link.hsds_id, "location_id": link.location.hsds_id}
    _put(data, "description", link.description)
    data["contacts"] = [_export_contact(c) for c in link.contacts.all()]
    data["phones"] = [_export_phone(p) for p in link.phones.all()]
    data["schedules"] = [_export_schedule(s) for s in link.schedules.all()]
    return data


def iter_export_json(records: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    yield json.dumps(list(records), indent=2, ensure_ascii=False)


def today() -> date:
    return datetime.now(tz=UTC).date()
