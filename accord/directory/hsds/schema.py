"""HSDS 3.0 as Accord reads it: the official schema, the ``accord`` attribute taxonomy, the
fields Accord models, the child records, import limits and stable ids; an import's problems
and its report."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from accord.core.limits import InputLimits
from accord.errors import ValidationError

from ..vocabulary import (
    CITIZENSHIP,
    GENDERS,
    SERVICE_TYPES,
    TRAFFICKING_TYPES,
)

#: Namespace for the ids Accord derives (demo records, attributes, taxonomy terms).
ACCORD_NAMESPACE = uuid.UUID("6f1c2a52-3b8e-5d0f-9a47-2c1d3e4f5a6b")
ACCORD_TAXONOMY = "accord"

#: Accord attribute codes: code -> (entities it may sit on, label).
ACCORD_ATTRIBUTES: dict[str, tuple[frozenset[str], str]] = {
    "slug": (frozenset({"organization", "service"}), "Accord id used by the protocol"),
    "active": (frozenset({"organization"}), "Organization is active"),
    "last_verified_at": (frozenset({"organization"}), "Entry last verified at"),
    "verified_by": (frozenset({"organization"}), "Entry verified by"),
    "service_type": (frozenset({"service"}), "Service type"),
    "eligible_gender": (frozenset({"service"}), "Eligible gender"),
    "eligible_citizenship": (frozenset({"service"}), "Eligible citizenship or immigration status"),
    "eligible_trafficking_type": (frozenset({"service"}), "Eligible trafficking type"),
    "available_24_7": (frozenset({"service", "phone"}), "Available 24 hours, 7 days"),
    "beds_available": (frozenset({"service"}), "Beds available"),
    "beds_total": (frozenset({"service"}), "Beds in total"),
    "capacity_updated_at": (frozenset({"service"}), "Capacity last updated at"),
    "confidential_location": (frozenset({"location"}), "Confidential location"),
    "jurisdiction": (frozenset({"service_area"}), "Jurisdiction covered"),
}
VOCABULARY_OF: dict[str, Sequence[str]] = {
    "service_type": tuple(SERVICE_TYPES),
    "eligible_gender": GENDERS,
    "eligible_citizenship": CITIZENSHIP,
    "eligible_trafficking_type": TRAFFICKING_TYPES,
    "active": ("true", "false"),
    "available_24_7": ("true", "false"),
    "confidential_location": ("true", "false"),
}

#: HSDS fields Accord stores, per entity (nested arrays listed where they are walked).
MODELLED: dict[str, frozenset[str]] = {
    "organization": frozenset(
        [
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "contacts",
            "phones",
            "locations",
            "services",
            "attributes",
        ]
    ),
    "service": frozenset(
        [
            "id",
            "organization_id",
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
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "alert",
            "phones",
            "schedules",
            "service_areas",
            "service_at_locations",
            "languages",
            "contacts",
            "attributes",
            "organization",
        ]
    ),
    "location": frozenset(
        [
            "id",
            "organization_id",
            "location_type",
            "url",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
            "languages",
            "addresses",
            "contacts",
            "phones",
            "schedules",
            "attributes",
        ]
    ),
    "address": frozenset(
        [
            "id",
            "location_id",
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ]
    ),
    "contact": frozenset(
        [
            "id",
            "organization_id",
            "service_id",
            "service_at_location_id",
            "location_id",
            "name",
            "title",
            "department",
            "email",
            "phones",
        ]
    ),
    "phone": frozenset(
        [
            "id",
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
            "languages",
            "attributes",
        ]
    ),
    "schedule": frozenset(
        [
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
        ]
    ),
    "language": frozenset(["id", "service_id", "location_id", "phone_id", "name", "code", "note"]),
    "service_area": frozenset(
        ["id", "service_id", "name", "description", "extent", "extent_type", "uri", "attributes"]
    ),
    "service_at_location": frozenset(
        [
            "id",
            "service_id",
            "location_id",
            "description",
            "contacts",
            "phones",
            "schedules",
            "location",
        ]
    ),
}

#: Child arrays per entity: key -> entity kind of its items.
CHILDREN: dict[str, dict[str, str]] = {
    "organization": {"contacts": "contact", "phones": "phone", "locations": "location"},
    "service": {
        "phones": "phone",
        "schedules": "schedule",
        "service_areas": "service_area",
        "service_at_locations": "service_at_location",
        "languages": "language",
        "contacts": "contact",
    },
    "location": {
        "languages": "language",
        "addresses": "address",
        "contacts": "contact",
        "phones": "phone",
        "schedules": "schedule",
    },
    "contact": {"phones": "phone"},
    "phone": {"languages": "language"},
    "service_at_location": {"contacts": "contact", "phones": "phone", "schedules": "schedule"},
}

SCHEMA_DIR_SETTING = "ACCORD_HSDS_SCHEMA_DIR"
PROGRESS_EVERY = 500
#: Defaults of the settings ``ACCORD_HSDS_MAX_BYTES`` and ``ACCORD_INPUT_MAX_DEPTH``.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64


def import_limits() -> InputLimits:
    """The largest HSDS document and the deepest nesting an import reads (settings)."""
    return InputLimits(
        max_bytes=int(getattr(settings, "ACCORD_HSDS_MAX_BYTES", DEFAULT_MAX_BYTES)),
        max_depth=int(getattr(settings, "ACCORD_INPUT_MAX_DEPTH", DEFAULT_MAX_DEPTH)),
    )


def stable_id(*parts: str) -> str:
    """A UUID derived from Accord ids, the same on every machine and every run."""
    return str(uuid.uuid5(ACCORD_NAMESPACE, ":".join(parts)))


# --- problems and reports ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One reason a document was refused: which record, which field, what is wrong."""

    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.record}: {self.field}: {self.message}"
            if self.field
            else (f"{self.record}: {self.message}")
        )


class DirectoryImportError(ValidationError):
    """The document was refused as a whole; nothing stored was changed."""

    default_code = "directory_import_invalid"

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.problems = list(problems)
        lines = [str(problem) for problem in self.problems[:50]]
        more = len(self.problems) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more")
        super().__init__(
            f"Import refused, nothing was changed ({len(self.problems)} problem(s)):\n"
            + "\n".join(lines),
            data={"problems": [str(p) for p in self.problems]},
        )


@dataclass(frozen=True)
class ImportReport:
    organizations_created: int
    organizations_updated: int
    services_created: int
    services_updated: int
    locations: int
    records: int
    unmodelled: Mapping[str, int]
    skipped: tuple[str, ...] = ()
    dry_run: bool = False

    def lines(self) -> list[str]:
        verb = "would import" if self.dry_run else "imported"
        out = [
            f"{verb}: {self.organizations_created} organization(s) created, "
            f"{self.organizations_updated} updated; {self.services_created} service(s) created, "
            f"{self.services_updated} updated; {self.locations} location(s); "
            f"{self.records} record(s) in all",
        ]
        if self.unmodelled:
            out.append("HSDS fields Accord does not model (kept out, counted):")
            out.extend(f"  {name}: {count}" for name, count in sorted(self.unmodelled.items()))
        out.extend(f"skipped {name}" for name in self.skipped)
        if not schema_available():
            out.append(
                f"note: the official HSDS 3.0 schema was not found at {schema_dir()} "
                f"(set {SCHEMA_DIR_SETTING}); only Accord's own field checks ran"
            )
        return out


# --- checking ------------------------------------------------------------------------------


def schema_dir() -> Path:
    configured = getattr(settings, SCHEMA_DIR_SETTING, None)
    if configured:
        return Path(configured)
    return Path(settings.REPO_DIR).parent / "shared" / "data" / "hsds-3.0" / "schema"


@cache
def _validator(name: str) -> Any:
    import jsonschema

    schema = json.loads((schema_dir() / "compiled" / f"{name}.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_available() -> bool:
    return (schema_dir() / "compiled" / "organization.json").is_file()


def schema_errors(record: Mapping[str, Any], *, kind: str) -> list[tuple[str, str]]:
    """(field path, message) for every violation of the official compiled schema.

    The official schema is not shipped with Accord (it is CC BY-SA data kept in
    shared/data); without it only Accord's own field checks run, and the import
    report says so.
    """
    if not schema_available():
        return []
    validator = _validator(kind)
    found = []
    for error in sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path)):
        path = _path_text(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = f"{path}.{missing}" if path and missing else (missing or path)
            found.append((path, "required field missing"))
        else:
            found.append((path or "(record)", error.message[:200]))
    return found


def _path_text(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
