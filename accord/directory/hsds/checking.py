"""Checking a parsed HSDS document completely before anything is written: the official
schema, then Accord's own rules (languages, ages, duplicate ids, vocabularies)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from accord.accounts.models import TaskForce

from ..models import (
    Location,
    Organization,
    Service,
)
from ..vocabulary import (
    normalize_language,
)
from .reading import Item, ParsedDocument
from .schema import (
    ACCORD_ATTRIBUTES,
    ACCORD_TAXONOMY,
    CHILDREN,
    MODELLED,
    VOCABULARY_OF,
    ImportProblem,
    schema_errors,
)


@dataclass
class CheckContext:
    task_force: TaskForce
    problems: list[ImportProblem] = field(default_factory=list)
    seen: dict[tuple[str, str], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    unmodelled: Counter = field(default_factory=Counter)
    slugs: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, slug) -> hsds id
    location_ids: set[str] = field(default_factory=set)
    records: int = 0
    stored: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> slug -> hsds id

    def stored_slugs(self, kind: str) -> dict[str, str]:
        """The task force's stored slugs of a kind, read once per import (not once a record)."""
        if kind not in self.stored:
            model = Organization if kind == "organization" else Service
            self.stored[kind] = dict(
                model.objects.filter(task_force=self.task_force).values_list("slug", "hsds_id")
            )
        return self.stored[kind]

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
    clash = ctx.stored_slugs(kind).get(slug)
    if clash and clash != ident:
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
