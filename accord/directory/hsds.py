"""Open Referral HSDS 3.0 interchange: read, check, write and export directory documents.

Import accepts the shapes of the HSDS examples: a single organization, a single
service (with its ``organization`` nested or an ``organization_id``), a list of
either, or a paged list (``{"contents": [...]}``). A document is first checked
completely (JSON syntax, the official compiled schema, then Accord's own rules:
ISO 639 language codes, age ranges, duplicate ids, Accord vocabularies) and only
a clean document is written, inside one transaction (S24).

Accord keeps what HSDS has no field for (slug, service types, eligibility by
gender, citizenship and trafficking type, 24/7 lines, shelter capacity,
confidential locations, verification of organizations, jurisdictions) as HSDS
``attributes`` whose taxonomy term is in the ``accord`` taxonomy, so an export
re-imports without loss. HSDS fields Accord does not model are counted and
reported, never silently dropped.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from accord.accounts.models import Agency, TaskForce
from accord.core.limits import InputLimits, json_too_deep, too_deep_message, too_large_message
from accord.errors import ValidationError

from .models import (
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
    ServiceStatus,
)
from .selectors import Viewer, location_address_visible
from .vocabulary import (
    CITIZENSHIP,
    GENDERS,
    SERVICE_TYPES,
    TRAFFICKING_TYPES,
    language_name,
    normalize_language,
    pack,
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


# --- reading -------------------------------------------------------------------------------


@dataclass
class Item:
    """One top-level record of a document: an organization or a service."""

    kind: str
    data: dict[str, Any]
    label: str


@dataclass
class ParsedDocument:
    items: list[Item] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_path(path: Path | str) -> ParsedDocument:
    """Read a JSON file, or every ``*.json`` file of a directory (unrecognised shapes skipped)."""
    path = Path(path)
    parsed = ParsedDocument()
    limit = import_limits().max_bytes
    if path.is_dir():
        for child in sorted(path.glob("*.json")):
            if _within_size(child, limit=limit, parsed=parsed):
                _read_one(child.read_bytes(), source=child.name, parsed=parsed, strict=False)
    elif path.is_file():
        if _within_size(path, limit=limit, parsed=parsed):
            _read_one(path.read_bytes(), source=path.name, parsed=parsed, strict=True)
    else:
        parsed.problems.append(ImportProblem(str(path), "", "no such file or directory"))
    return parsed


def read_bytes(content: bytes, *, source: str) -> ParsedDocument:
    parsed = ParsedDocument()
    _read_one(content, source=source, parsed=parsed, strict=True)
    return parsed


def _within_size(path: Path, *, limit: int, parsed: ParsedDocument) -> bool:
    size = path.stat().st_size
    if size > limit:
        parsed.problems.append(ImportProblem(path.name, "", too_large_message(size, limit)))
        return False
    return True


def _read_one(content: bytes, *, source: str, parsed: ParsedDocument, strict: bool) -> None:
    """Parse one JSON document, refusing an oversized or over-deep one before ``json.loads``.

    ``json.loads`` recurses once per level and a 50,000-deep document of
    brackets ends in RecursionError (a 500), so the depth is scanned first.
    """
    limits = import_limits()
    if len(content) > limits.max_bytes:
        parsed.problems.append(
            ImportProblem(source, "", too_large_message(len(content), limits.max_bytes))
        )
        return
    deep_line = json_too_deep(content, limits.max_depth)
    if deep_line is not None:
        parsed.problems.append(
            ImportProblem(source, f"line {deep_line}", too_deep_message(limits.max_depth))
        )
        return
    try:
        document = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        parsed.problems.append(ImportProblem(source, "", "not UTF-8 text"))
        return
    except json.JSONDecodeError as exc:
        parsed.problems.append(
            ImportProblem(
                source, f"line {exc.lineno} column {exc.colno}", f"malformed JSON: {exc.msg}"
            )
        )
        return
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        records = document["contents"]
    elif isinstance(document, list):
        records = document
    else:
        records = [document]
    items: list[Item] = []
    for index, record in enumerate(records):
        kind = classify(record)
        label = _label(source, index if record is not document else None, record)
        if kind is None:
            if not strict:
                parsed.skipped.append(f"{source} (not an HSDS organization or service)")
                return
            parsed.problems.append(
                ImportProblem(label, "", "not an HSDS organization or service record")
            )
            continue
        items.append(Item(kind=kind, data=record, label=label))
    parsed.items.extend(items)


ORGANIZATION_MARKERS = frozenset(
    [
        "services",
        "locations",
        "contacts",
        "phones",
        "website",
        "email",
        "tax_status",
        "tax_id",
        "legal_status",
        "year_incorporated",
        "programs",
        "funding",
        "organization_identifiers",
        "alternate_name",
        "logo",
        "parent_organization_id",
    ]
)


def classify(record: object) -> str | None:
    """``service``, ``organization`` or None, from the keys the record has."""
    if not isinstance(record, dict):
        return None
    keys = set(record)
    if "service" in keys or "location" in keys:
        return None  # service-at-location: not an import shape Accord takes
    if "status" in keys:
        return "service"
    if "location_type" in keys or "taxonomy" in keys or "code" in keys:
        return None
    if keys & ORGANIZATION_MARKERS or (keys <= {"id", "name", "description"} and "id" in keys):
        return "organization"
    return None


def _label(source: str, index: int | None, record: object) -> str:
    where = source if index is None else f"{source}[{index}]"
    if isinstance(record, dict):
        name = record.get("name")
        ident = record.get("id")
        bits = [f"id {ident}" if ident else "", f"“{name}”" if isinstance(name, str) else ""]
        return f"{where} " + " ".join(bit for bit in bits if bit) if any(bits) else where
    return where


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


@dataclass
class CheckContext:
    task_force: TaskForce
    problems: list[ImportProblem] = field(default_factory=list)
    seen: dict[tuple[str, str], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    unmodelled: Counter = field(default_factory=Counter)
    slugs: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, slug) -> hsds id
    location_ids: set[str] = field(default_factory=set)
    records: int = 0

    def problem(self, record: str, field_name: str, message: str) -> None:
        self.problems.append(ImportProblem(record, field_name, message))


def check_document(parsed: ParsedDocument, *, task_force: TaskForce) -> CheckContext:
    """Every problem of the document, and what it holds that Accord does not model."""
    ctx = CheckContext(task_force=task_force)
    ctx.problems.extend(parsed.problems)
    for item in parsed.items:
        errors = schema_errors(item.data, kind=item.kind)
        for path, message in errors:
            ctx.problem(item.label, path, f"schema: {message}")
        if errors:
            continue
        _check_entity(item.data, kind=item.kind, path="", ctx=ctx, label=item.label)
        if item.kind == "service":
            _check_service_owner(item, ctx)
    for item in parsed.items:
        if item.kind == "service" and not any(p.record == item.label for p in ctx.problems):
            _check_service_locations(item.data, label=item.label, ctx=ctx)
        elif item.kind == "organization":
            for index, service in enumerate(item.data.get("services") or []):
                _check_service_locations(
                    service, label=item.label, ctx=ctx, prefix=f"services[{index}]."
                )
    return ctx


def _check_service_owner(item: Item, ctx: CheckContext) -> None:
    data = item.data
    if isinstance(data.get("organization"), dict):
        return
    org_id = data.get("organization_id")
    if not org_id:
        ctx.problem(item.label, "organization_id", "a service needs its organization")
        return
    known = ("organization", org_id) in ctx.seen or Organization.objects.filter(
        task_force=ctx.task_force, hsds_id=org_id
    ).exists()
    if not known:
        ctx.problem(item.label, "organization_id", f"unknown organization {org_id}")


def _check_service_locations(
    service: Mapping[str, Any], *, label: str, ctx: CheckContext, prefix: str = ""
) -> None:
    for index, link in enumerate(service.get("service_at_locations") or []):
        if isinstance(link.get("location"), dict):
            continue
        location_id = link.get("location_id")
        where = f"{prefix}service_at_locations[{index}].location_id"
        if not location_id:
            ctx.problem(label, where, "a service-at-location needs its location")
        elif (
            location_id not in ctx.location_ids
            and not Location.objects.filter(
                organization__task_force=ctx.task_force, hsds_id=location_id
            ).exists()
        ):
            ctx.problem(label, where, f"unknown location {location_id}")


def _check_entity(
    record: Mapping[str, Any], *, kind: str, path: str, ctx: CheckContext, label: str
) -> None:
    ctx.records += 1
    here = path.rstrip(".")
    ident = str(record.get("id", ""))
    key = (kind, ident)
    previous = ctx.seen.get(key)
    scalars = {k: v for k, v in record.items() if not isinstance(v, list | dict)}
    if previous is not None:
        # HSDS nests shared records in several places; one id must always describe the
        # same record, so scalar fields given in both places must agree.
        first_where, first_scalars = previous
        clash = sorted(
            name
            for name in scalars.keys() & first_scalars.keys()
            if scalars[name] != first_scalars[name]
        )
        if clash:
            ctx.problem(
                label,
                f"{here + '.' if here else ''}id",
                f"duplicate {kind} id {ident}: a different record ({first_where}) already has "
                f"it (differs in {', '.join(clash)})",
            )
            return
    else:
        ctx.seen[key] = (f"{label} {here}".strip(), scalars)
    if kind == "location":
        ctx.location_ids.add(ident)
    for name in record:
        if name not in MODELLED.get(kind, frozenset()):
            ctx.unmodelled[f"{kind}.{name}"] += 1
    prefix = f"{here}." if here else ""
    if kind in ("service",):
        _check_ages(record, prefix=prefix, ctx=ctx, label=label)
    if kind == "language":
        code = record.get("code")
        if not code:
            ctx.problem(label, f"{prefix}code", "an ISO 639 language code is required")
        elif normalize_language(str(code)) is None:
            ctx.problem(label, f"{prefix}code", f"unknown language code {code!r} (use ISO 639)")
    if kind == "address":
        country = str(record.get("country", ""))
        if len(country) != 2 or not country.isalpha():
            ctx.problem(
                label, f"{prefix}country", f"{country!r} is not an ISO 3166-1 alpha-2 country code"
            )
    if kind in ("organization", "service") and record.get("id"):
        slug = accord_values(record, "slug")
        if slug:
            _check_slug(slug[0], kind=kind, ident=ident, ctx=ctx, label=label, prefix=prefix)
    for index, attribute in enumerate(record.get("attributes") or []):
        _check_attribute(
            attribute, kind=kind, where=f"{prefix}attributes[{index}]", ctx=ctx, label=label
        )
    for child_key, child_kind in CHILDREN.get(kind, {}).items():
        for index, child in enumerate(record.get(child_key) or []):
            _check_entity(
                child, kind=child_kind, path=f"{prefix}{child_key}[{index}]", ctx=ctx, label=label
            )
    if kind == "organization":
        for index, service in enumerate(record.get("services") or []):
            _check_entity(
                service, kind="service", path=f"{prefix}services[{index}]", ctx=ctx, label=label
            )
    if kind == "service" and isinstance(record.get("organization"), dict):
        _check_entity(
            record["organization"],
            kind="organization",
            path=f"{prefix}organization",
            ctx=ctx,
            label=label,
        )
    if kind == "service_at_location" and isinstance(record.get("location"), dict):
        _check_entity(
            record["location"], kind="location", path=f"{prefix}location", ctx=ctx, label=label
        )


def _check_slug(
    slug: str, *, kind: str, ident: str, ctx: CheckContext, label: str, prefix: str
) -> None:
    where = f"{prefix}attributes (accord slug)"
    if slugify(slug) != slug:
        ctx.problem(label, where, f"{slug!r} is not a valid id (lowercase letters, digits, -)")
        return
    other = ctx.slugs.get((kind, slug))
    if other is not None and other != ident:
        ctx.problem(label, where, f"duplicate {kind} slug {slug!r} (also record {other})")
        return
    ctx.slugs[(kind, slug)] = ident
    model = Organization if kind == "organization" else Service
    clash = (
        model.objects.filter(task_force=ctx.task_force, slug=slug)
        .exclude(hsds_id=ident)
        .values_list("hsds_id", flat=True)
        .first()
    )
    if clash:
        ctx.problem(label, where, f"{kind} slug {slug!r} already belongs to record {clash}")


def _check_ages(record: Mapping[str, Any], *, prefix: str, ctx: CheckContext, label: str) -> None:
    ages = {}
    for name in ("minimum_age", "maximum_age"):
        value = record.get(name)
        if value is None:
            continue
        if not float(value).is_integer() or value < 0 or value > 150:
            ctx.problem(label, f"{prefix}{name}", f"{value!r} is not a whole number of years 0-150")
            continue
        ages[name] = int(value)
    if len(ages) == 2 and ages["minimum_age"] > ages["maximum_age"]:
        ctx.problem(
            label,
            f"{prefix}minimum_age",
            f"inverted age range: minimum {ages['minimum_age']} is above maximum "
            f"{ages['maximum_age']}",
        )


def _check_attribute(
    attribute: Mapping[str, Any], *, kind: str, where: str, ctx: CheckContext, label: str
) -> None:
    term = attribute.get("taxonomy_term") or {}
    if term.get("taxonomy") != ACCORD_TAXONOMY:
        ctx.unmodelled[f"{kind}.attributes (taxonomy {term.get('taxonomy') or 'none'})"] += 1
        return
    code = term.get("code")
    value = attribute.get("value")
    spec = ACCORD_ATTRIBUTES.get(str(code))
    if spec is None:
        ctx.problem(label, f"{where}.taxonomy_term.code", f"unknown Accord attribute {code!r}")
        return
    if kind not in spec[0]:
        ctx.problem(label, f"{where}.taxonomy_term.code", f"{code!r} does not apply to a {kind}")
        return
    if value is None or value == "":
        ctx.problem(label, f"{where}.value", f"{code} needs a value")
        return
    vocabulary = VOCABULARY_OF.get(str(code))
    if vocabulary is not None and value not in vocabulary:
        ctx.problem(
            label, f"{where}.value", f"{value!r} is not one of {', '.join(vocabulary)} ({code})"
        )
    if code in ("beds_available", "beds_total") and not str(value).isdigit():
        ctx.problem(label, f"{where}.value", f"{code} must be a whole number, not {value!r}")
    if code in ("last_verified_at", "capacity_updated_at") and _parse_when(str(value)) is None:
        ctx.problem(label, f"{where}.value", f"{code} must be an ISO date-time, not {value!r}")


def accord_values(record: Mapping[str, Any], code: str) -> list[str]:
    """The values of the Accord attributes with this code on a record."""
    return [
        str(attribute.get("value"))
        for attribute in record.get("attributes") or []
        if (attribute.get("taxonomy_term") or {}).get("taxonomy") == ACCORD_TAXONOMY
        and (attribute.get("taxonomy_term") or {}).get("code") == code
    ]


def _parse_when(value: str) -> datetime | None:
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            return None
        parsed = datetime(day.year, day.month, day.day)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


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
    if "contacts" in record:
        organization.contacts.all().delete()
        for contact in record["contacts"] or []:
            _write_contact(contact, parent={"organization": organization}, ctx=ctx)
    if "phones" in record:
        organization.phones.all().delete()
        for phone in record["phones"] or []:
            _write_phone(phone, parent={"organization": organization}, ctx=ctx)
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
        location.addresses.all().delete()
        for address in record["addresses"] or []:
            Address.objects.create(
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
    _replace_children(
        record, parent=parent, ctx=ctx, keys=("contacts", "phones", "schedules", "languages")
    )
    return location


def _replace_children(
    record: Mapping[str, Any], *, parent: dict[str, Any], ctx: WriteContext, keys: Sequence[str]
) -> None:
    (owner,) = parent.values()
    writers = {
        "contacts": (owner.contacts, _write_contact),
        "phones": (owner.phones, _write_phone),
        "schedules": (getattr(owner, "schedules", None), _write_schedule),
        "languages": (getattr(owner, "languages", None), _write_language),
    }
    for key in keys:
        if key not in record:
            continue
        manager, writer = writers[key]
        manager.all().delete()
        for child in record[key] or []:
            writer(child, parent=parent, ctx=ctx)


def _write_contact(record: Mapping[str, Any], *, parent: dict[str, Any], ctx: WriteContext) -> None:
    contact = Contact.objects.create(
        hsds_id=str(record["id"]),
        **parent,
        **{name: _text(record, name) for name in ("name", "title", "department", "email")},
    )
    for phone in record.get("phones") or []:
        _write_phone(phone, parent={"contact": contact}, ctx=ctx)


def _write_phone(record: Mapping[str, Any], *, parent: dict[str, Any], ctx: WriteContext) -> None:
    extension = record.get("extension")
    phone = Phone.objects.create(
        hsds_id=str(record["id"]),
        number=_text(record, "number"),
        extension="" if extension is None else _number_text(extension),
        type=_text(record, "type"),
        description=_text(record, "description"),
        is_24_7=accord_values(record, "available_24_7") == ["true"],
        **parent,
    )
    for language in record.get("languages") or []:
        _write_language(language, parent={"phone": phone}, ctx=ctx)


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


def _write_schedule(
    record: Mapping[str, Any], *, parent: dict[str, Any], ctx: WriteContext
) -> None:
    Schedule.objects.create(
        hsds_id=str(record["id"]),
        timezone=record.get("timezone"),
        count=record.get("count"),
        interval=record.get("interval"),
        **{name: _text(record, name) for name in SCHEDULE_TEXT},
        **parent,
    )


def _write_language(
    record: Mapping[str, Any], *, parent: dict[str, Any], ctx: WriteContext
) -> None:
    code = normalize_language(_text(record, "code")) or ""
    Language.objects.create(
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
    _replace_children(
        record, parent=parent, ctx=ctx, keys=("contacts", "phones", "schedules", "languages")
    )
    if "service_areas" in record:
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
            )
    return service


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
