"""The directory side of protocol verification: does every reference lead somewhere real?

The protocol layer turns each rule that names an organization or service into
a ``ReferenceUse`` (the id plus the region of situations the rule sends there)
and calls ``check_references``. This module knows nothing of protocol files;
it answers with findings, each carrying an example situation.

A service is eligible for a rule when *every* situation the rule covers is
within the service's eligibility: a rule sending ages 12-17 to an 18+ shelter
is a finding, with 12 as the example age.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from accord.accounts.models import TaskForce

from .models import Organization, Service, ServiceStatus
from .selectors import organization_24_7_phones
from .vocabulary import AGE_DOMAIN, CITIZENSHIP, GENDERS, TRAFFICKING_TYPES, normalize_language


class ReferenceKind(enum.StrEnum):
    ORGANIZATION = "organization"
    SERVICE = "service"


class FindingCode(enum.StrEnum):
    UNKNOWN_ID = "unknown_id"
    INACTIVE = "inactive"
    NO_24_7_CONTACT = "no_24_7_contact"
    LANGUAGE_NOT_SERVED = "language_not_served"
    JURISDICTION_NOT_COVERED = "jurisdiction_not_covered"
    ELIGIBILITY_MISMATCH = "eligibility_mismatch"


@dataclass(frozen=True)
class ReferenceUse:
    """One directory id a protocol rule refers to, and the situations the rule covers.

    ``None`` means "any value" for that factor. ``ages`` is a tuple of inclusive
    (min, max) intervals. ``rule`` names the rule for messages (e.g. "placement/P2").
    """

    directory_id: str
    kind: ReferenceKind
    rule: str = ""
    ages: tuple[tuple[int, int], ...] | None = None
    genders: frozenset[str] | None = None
    citizenship: frozenset[str] | None = None
    trafficking_types: frozenset[str] | None = None
    languages: frozenset[str] | None = None
    jurisdictions: frozenset[str] | None = None


@dataclass(frozen=True)
class ReferenceFinding:
    code: FindingCode
    directory_id: str
    kind: ReferenceKind
    rule: str
    message: str
    example: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = f"{self.rule}: " if self.rule else ""
        return f"{where}{self.message}"


def check_references(
    *, task_force: TaskForce, references: Iterable[ReferenceUse]
) -> list[ReferenceFinding]:
    """Findings for every reference that is unknown, inactive, unreachable or ineligible."""
    references = list(references)
    org_slugs = {r.directory_id for r in references if r.kind == ReferenceKind.ORGANIZATION}
    service_slugs = {r.directory_id for r in references if r.kind == ReferenceKind.SERVICE}
    organizations = {
        o.slug: o for o in Organization.objects.filter(task_force=task_force, slug__in=org_slugs)
    }
    services = {
        s.slug: s
        for s in Service.objects.filter(task_force=task_force, slug__in=service_slugs)
        .select_related("organization")
        .prefetch_related("languages", "service_areas")
    }
    findings: list[ReferenceFinding] = []
    checked_24_7: dict[str, bool] = {}
    for use in references:
        if use.kind == ReferenceKind.ORGANIZATION:
            findings.extend(
                _check_organization(use, organizations.get(use.directory_id), checked_24_7)
            )
        else:
            findings.extend(_check_service(use, services.get(use.directory_id)))
    return findings


def _finding(
    use: ReferenceUse, code: FindingCode, message: str, **example: Any
) -> ReferenceFinding:
    return ReferenceFinding(
        code=code,
        directory_id=use.directory_id,
        kind=use.kind,
        rule=use.rule,
        message=message,
        example=example,
    )


def _check_organization(
    use: ReferenceUse, organization: Organization | None, checked_24_7: dict[str, bool]
) -> list[ReferenceFinding]:
    if organization is None:
        return [
            _finding(
                use,
                FindingCode.UNKNOWN_ID,
                f"organization {use.directory_id!r} is not in the directory",
            )
        ]
    findings = []
    if not organization.is_active:
        findings.append(
            _finding(
                use, FindingCode.INACTIVE, f"organization {organization.name} is marked inactive"
            )
        )
    if organization.slug not in checked_24_7:
        checked_24_7[organization.slug] = bool(organization_24_7_phones(organization))
    if not checked_24_7[organization.slug]:
        findings.append(
            _finding(
                use,
                FindingCode.NO_24_7_CONTACT,
                f"organization {organization.name} has no 24/7 phone in the directory",
            )
        )
    return findings


def _check_service(use: ReferenceUse, service: Service | None) -> list[ReferenceFinding]:
    if service is None:
        return [
            _finding(
                use, FindingCode.UNKNOWN_ID, f"service {use.directory_id!r} is not in the directory"
            )
        ]
    findings = []
    if service.status != ServiceStatus.ACTIVE or not service.organization.is_active:
        state = (
            service.status if service.status != ServiceStatus.ACTIVE else "organization inactive"
        )
        findings.append(_finding(use, FindingCode.INACTIVE, f"service {service.name} is {state}"))
    findings.extend(_age_findings(use, service))
    for values, served, domain, noun in (
        (use.genders, service.gender_set, GENDERS, "gender"),
        (use.citizenship, service.citizenship_set, CITIZENSHIP, "citizenship"),
        (
            use.trafficking_types,
            service.trafficking_type_set,
            TRAFFICKING_TYPES,
            "trafficking_type",
        ),
    ):
        if not served:
            continue  # the service states no restriction
        asked = set(domain) if values is None else set(values)
        if noun == "trafficking_type" and {"sex", "labor"} <= served:
            served = served | {"both"}
        missing = sorted(asked - served)
        if missing:
            findings.append(
                _finding(
                    use,
                    FindingCode.ELIGIBILITY_MISMATCH,
                    f"rule sends {noun.replace('_', ' ')} {_words(missing)} to {service.name}, "
                    f"which serves only {_words(sorted(served))}",
                    **{noun: missing[0]},
                )
            )
    if use.languages:
        served_languages = {language.code for language in service.languages.all()}
        wanted = {normalize_language(code) or code for code in use.languages}
        missing = sorted(wanted - served_languages)
        if served_languages and missing:
            findings.append(
                _finding(
                    use,
                    FindingCode.LANGUAGE_NOT_SERVED,
                    f"{service.name} does not list language(s) {', '.join(missing)}",
                    language=missing[0],
                )
            )
    if use.jurisdictions:
        areas = {a.jurisdiction for a in service.service_areas.all() if a.jurisdiction}
        missing = sorted(set(use.jurisdictions) - areas)
        if areas and missing:
            findings.append(
                _finding(
                    use,
                    FindingCode.JURISDICTION_NOT_COVERED,
                    f"{service.name} does not cover {', '.join(missing)} "
                    f"(covers {', '.join(sorted(areas))})",
                    jurisdiction=missing[0],
                )
            )
    return findings


def _words(values: list[str]) -> str:
    return ", ".join(v.replace("_", " ") for v in values)


def _age_findings(use: ReferenceUse, service: Service) -> list[ReferenceFinding]:
    low = service.minimum_age if service.minimum_age is not None else AGE_DOMAIN[0]
    high = service.maximum_age if service.maximum_age is not None else AGE_DOMAIN[1]
    intervals = use.ages if use.ages is not None else (AGE_DOMAIN,)
    for start, end in intervals:
        if start > end:
            continue
        if start < low:
            outside = start
        elif end > high:
            outside = max(start, high + 1)
        else:
            continue
        ages = f"{start}-{end}" if start != end else str(start)
        served = (
            f"{low}+"
            if service.maximum_age is None
            else f"{low}-{high}"
            if service.minimum_age is not None
            else f"up to {high}"
        )
        return [
            _finding(
                use,
                FindingCode.ELIGIBILITY_MISMATCH,
                f"rule sends ages {ages} to {service.name}, which serves ages {served} "
                f"(e.g. age {outside})",
                age=outside,
            )
        ]
    return []
