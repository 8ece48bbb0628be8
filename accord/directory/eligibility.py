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

from .models import Language, Organization, Service, ServiceArea, ServiceStatus
from .selectors import organizations_reachable_24_7
from .vocabulary import (
    AGE_DOMAIN,
    CITIZENSHIP,
    GENDERS,
    TRAFFICKING_TYPES,
    normalize_language,
    unpack,
)


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


@dataclass(frozen=True)
class OrganizationEntry:
    """What the checks read of an organization."""

    slug: str
    name: str
    is_active: bool = True


@dataclass(frozen=True)
class ServiceEntry:
    """What the checks read of a service: its eligibility, hours, languages and areas."""

    slug: str
    name: str
    status: str = ServiceStatus.ACTIVE
    organization_active: bool = True
    minimum_age: int | None = None
    maximum_age: int | None = None
    gender_set: frozenset[str] = frozenset()
    citizenship_set: frozenset[str] = frozenset()
    trafficking_type_set: frozenset[str] = frozenset()
    service_type_set: frozenset[str] = frozenset()
    is_24_7: bool = False
    languages: frozenset[str] = frozenset()
    jurisdictions: frozenset[str] = frozenset()


_SERVICE_FIELDS = (
    "pk",
    "slug",
    "name",
    "status",
    "organization__is_active",
    "minimum_age",
    "maximum_age",
    "genders",
    "citizenship",
    "trafficking_types",
    "service_types",
    "is_24_7",
)


@dataclass(frozen=True)
class DirectoryEntries:
    """The organizations and services the checks read, read once as plain values: a page
    that checks many references (a 200-rule decision, then what could replace each
    ineligible target) reads the directory once instead of once per question.
    Organizations come by name, services 24/7 first, then by name (the order in which
    they are offered)."""

    organizations: Mapping[str, OrganizationEntry]
    services: Mapping[str, ServiceEntry]
    #: Slugs of the organizations with a phone answered 24/7.
    reachable_24_7: frozenset[str]

    @classmethod
    def read(
        cls,
        *,
        task_force: TaskForce,
        organization_slugs: Iterable[str] | None = None,
        service_slugs: Iterable[str] | None = None,
    ) -> DirectoryEntries:
        """The task force's entries, only those of the slugs given (all when ``None``)."""
        organizations = Organization.objects.filter(task_force=task_force).order_by("name", "pk")
        services = Service.objects.filter(task_force=task_force).order_by("-is_24_7", "name", "pk")
        languages = Language.objects.filter(service__task_force=task_force)
        areas = ServiceArea.objects.filter(service__task_force=task_force).exclude(jurisdiction="")
        if organization_slugs is not None:
            organization_slugs = set(organization_slugs)
            organizations = organizations.filter(slug__in=organization_slugs)
        if service_slugs is not None:
            service_slugs = set(service_slugs)
            services = services.filter(slug__in=service_slugs)
            languages = languages.filter(service__slug__in=service_slugs)
            areas = areas.filter(service__slug__in=service_slugs)
        spoken: dict[int, set[str]] = {}
        for service_id, code in languages.order_by().values_list("service_id", "code"):
            spoken.setdefault(service_id, set()).add(code)
        covered: dict[int, set[str]] = {}
        for service_id, jurisdiction in areas.order_by().values_list("service_id", "jurisdiction"):
            covered.setdefault(service_id, set()).add(jurisdiction)
        return cls(
            organizations={
                slug: OrganizationEntry(slug=slug, name=name, is_active=is_active)
                for slug, name, is_active in organizations.values_list("slug", "name", "is_active")
            },
            services={
                row[1]: ServiceEntry(
                    slug=row[1],
                    name=row[2],
                    status=row[3],
                    organization_active=row[4],
                    minimum_age=row[5],
                    maximum_age=row[6],
                    gender_set=unpack(row[7]),
                    citizenship_set=unpack(row[8]),
                    trafficking_type_set=unpack(row[9]),
                    service_type_set=unpack(row[10]),
                    is_24_7=row[11],
                    languages=frozenset(spoken.get(row[0], ())),
                    jurisdictions=frozenset(covered.get(row[0], ())),
                )
                for row in services.values_list(*_SERVICE_FIELDS)
            },
            reachable_24_7=organizations_reachable_24_7(
                task_force_id=task_force.pk, slugs=organization_slugs
            )
            if organization_slugs is None or organization_slugs
            else frozenset(),
        )


def check_references(
    *,
    task_force: TaskForce,
    references: Iterable[ReferenceUse],
    entries: DirectoryEntries | None = None,
) -> list[ReferenceFinding]:
    """Findings for every reference that is unknown, inactive, unreachable or ineligible.

    ``entries`` is the directory already read (by :meth:`DirectoryEntries.read`, for every
    slug the references name); without it, the entries the references name are read."""
    references = list(references)
    if entries is None:
        entries = DirectoryEntries.read(
            task_force=task_force,
            organization_slugs={
                r.directory_id for r in references if r.kind == ReferenceKind.ORGANIZATION
            },
            service_slugs={r.directory_id for r in references if r.kind == ReferenceKind.SERVICE},
        )
    findings: list[ReferenceFinding] = []
    for use in references:
        if use.kind == ReferenceKind.ORGANIZATION:
            organization = entries.organizations.get(use.directory_id)
            findings.extend(_check_organization(use, organization, entries.reachable_24_7))
        else:
            findings.extend(_check_service(use, entries.services.get(use.directory_id)))
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
    use: ReferenceUse, organization: OrganizationEntry | None, reachable_24_7: frozenset[str]
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
    if organization.slug not in reachable_24_7:
        findings.append(
            _finding(
                use,
                FindingCode.NO_24_7_CONTACT,
                f"organization {organization.name} has no 24/7 phone in the directory",
            )
        )
    return findings


def _check_service(use: ReferenceUse, service: ServiceEntry | None) -> list[ReferenceFinding]:
    if service is None:
        return [
            _finding(
                use, FindingCode.UNKNOWN_ID, f"service {use.directory_id!r} is not in the directory"
            )
        ]
    findings = []
    if service.status != ServiceStatus.ACTIVE or not service.organization_active:
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
        served_languages = service.languages
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
        areas = service.jurisdictions
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


def _age_findings(use: ReferenceUse, service: ServiceEntry | Service) -> list[ReferenceFinding]:
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
