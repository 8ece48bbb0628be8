"""Directory cross-checks: is every organization or service a rule sends people to fit for them?

Each rule whose output names a directory organization or service becomes a
*reference use*: the target id plus the region of situations the rule covers,
translated from the protocol's factors into the directory's eligibility
dimensions. The directory app (``accord.directory.eligibility.check_references``)
then says whether the target exists, is active, has a 24/7 contact, and serves
every age, gender, citizenship, trafficking type, language and jurisdiction in
that region (a rule routing 16-year-olds to an adults-only shelter is a finding).

The factor → dimension mapping lives in :data:`FACTOR_DIMENSIONS`, the one place
to extend when a task force names its factors differently. A factor a rule
does not test covers its whole domain; a dimension the protocol has no factor
for is not constrained (``None``).

Approximation (documented in docs/protocol-lifecycle.md): the region is the
rule's own conditions. Under FIRST/PRIORITY an earlier rule may take part of it;
the check is then stricter than necessary, never laxer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.core.model import Condition, Factor, FactorKind, OutputKind, Protocol
from accord.core.space import integer_bounds

#: Protocol factor id → directory eligibility dimension. Edit here (and only here).
FACTOR_DIMENSIONS: Mapping[str, str] = {
    "victim_age": "ages",
    "victim_gender": "genders",
    "victim_citizenship": "citizenship",
    "trafficking_type": "trafficking_types",
    "victim_language": "languages",
    "language": "languages",
    "jurisdiction": "jurisdictions",
}

#: Dimensions passed only when a rule restricts them: the protocol's jurisdiction values
#: ("multi_state", "unincorporated") are not the directory's service-area codes, and the
#: directory's check has no containment (a county covers its towns), so an untested
#: jurisdiction is left unconstrained rather than reported against every service.
UNCHECKED_WHEN_ANY = frozenset({"jurisdictions", "languages"})

DIMENSIONS: tuple[str, ...] = (
    "ages",
    "genders",
    "citizenship",
    "trafficking_types",
    "languages",
    "jurisdictions",
)


@dataclass(frozen=True)
class RuleReference:
    """One rule sending situations to one directory target.

    ``ages`` is a tuple of closed (low, high) integer ranges; the other
    dimensions are value sets; ``None`` means the protocol does not constrain it.
    """

    decision: str
    rule: str
    output: str
    kind: str  # "organization" | "service"
    target: str
    ages: tuple[tuple[int, int], ...] | None = None
    genders: frozenset[str] | None = None
    citizenship: frozenset[str] | None = None
    trafficking_types: frozenset[str] | None = None
    languages: frozenset[str] | None = None
    jurisdictions: frozenset[str] | None = None

    def region(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in DIMENSIONS}


@dataclass(frozen=True)
class DirectoryFinding:
    """A cross-check problem, shaped like a verification finding for the report."""

    decision: str
    rule: str
    target: str
    check: str  # the directory's finding code: unknown_id, inactive, no_24_7_contact, ...
    message: str
    severity: str = "error"
    example: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        # The example tells two findings of one check on one rule apart (ages, genders).
        parts: list[Any] = [self.decision, self.rule, self.target, self.check]
        if self.example:
            parts.append(sorted((str(k), str(v)) for k, v in self.example.items()))
        raw = json.dumps(parts)
        return (
            f"directory:{self.decision}:{self.rule}:{hashlib.sha256(raw.encode()).hexdigest()[:12]}"
        )


def _age_ranges(factor: Factor, condition: Condition) -> tuple[tuple[int, int], ...]:
    domain = factor.domain
    if condition.intervals is None:
        return ((int(domain.minimum or 0), int(domain.maximum or 120)),)
    ranges = []
    for interval in condition.intervals:
        bounds = integer_bounds(interval)
        if bounds is not None:
            ranges.append((int(bounds[0]), int(bounds[1])))
    return tuple(ranges)


def _value_set(factor: Factor, condition: Condition) -> frozenset[str]:
    values = condition.values if condition.values is not None else frozenset(factor.domain.values)
    return frozenset(str(value) for value in values)


def rule_references(protocol: Protocol) -> list[RuleReference]:
    """Every (rule, directory target) pair of the protocol, with its covered region."""
    references: list[RuleReference] = []
    for decision in protocol.decisions.values():
        targets = [
            output
            for output in decision.outputs
            if output.kind in (OutputKind.ORGANIZATION, OutputKind.SERVICE)
        ]
        if not targets:
            continue
        for rule in decision.rules:
            region: dict[str, Any] = {}
            for factor_id, dimension in FACTOR_DIMENSIONS.items():
                factor = protocol.factors.get(factor_id)
                if factor is None:
                    continue
                condition = rule.condition(factor_id)
                if dimension == "ages" and factor.domain.kind == FactorKind.INTEGER:
                    region["ages"] = _age_ranges(factor, condition)
                elif dimension in UNCHECKED_WHEN_ANY and condition.is_any:
                    continue
                elif factor.domain.kind == FactorKind.ENUM:
                    region[dimension] = _value_set(factor, condition)
            for output in targets:
                value = rule.outputs.get(output.name)
                values = value if isinstance(value, tuple | list) else (value,)
                for target in values:
                    if target is None:
                        continue
                    references.append(
                        RuleReference(
                            decision=decision.id,
                            rule=rule.id,
                            output=output.name,
                            kind=str(output.kind),
                            target=str(target),
                            **region,
                        )
                    )
    return references


def _checker() -> Any | None:
    try:
        from accord.directory import eligibility
    except ImportError:
        return None
    return getattr(eligibility, "check_references", None)


def directory_checks_available() -> bool:
    return _checker() is not None


def check_protocol_references(
    *,
    task_force: Any,
    protocol: Protocol,
    entries: Any = None,
    references: Sequence[RuleReference] | None = None,
) -> list[DirectoryFinding] | None:
    """Directory findings for every rule reference, or None when the directory
    checker is not installed (the report then says so instead of claiming success).
    ``entries``: the directory already read (``eligibility.DirectoryEntries``), if any;
    ``references``: ``rule_references(protocol)`` when the caller has them already."""
    checker = _checker()
    if checker is None:
        return None
    from accord.directory.eligibility import ReferenceKind, ReferenceUse

    if references is None:
        references = rule_references(protocol)
    by_label = {f"{r.decision}/{r.rule}": r for r in references}
    uses = [
        ReferenceUse(
            directory_id=r.target,
            kind=ReferenceKind(r.kind),
            rule=f"{r.decision}/{r.rule}",
            ages=r.ages,
            genders=r.genders,
            citizenship=r.citizenship,
            trafficking_types=r.trafficking_types,
            languages=r.languages,
            jurisdictions=r.jurisdictions,
        )
        for r in references
    ]
    findings = []
    read = {"entries": entries} if entries is not None else {}
    for result in checker(task_force=task_force, references=uses, **read):
        reference = by_label.get(result.rule)
        findings.append(
            DirectoryFinding(
                decision=reference.decision if reference else "",
                rule=reference.rule if reference else result.rule,
                target=result.directory_id,
                check=str(result.code),
                message=f"Rule {reference.rule if reference else result.rule}: {result.message}",
                example=dict(result.example),
            )
        )
    return findings


def deadline_owner_findings(*, task_force: Any, protocol: Protocol) -> list[DirectoryFinding]:
    """Each deadline's owner must resolve to a member agency of the task force: the
    organization it names is a member agency, or some member agency has the owner's sector.

    Otherwise a case would meet a duty nobody can own; at run time such a deadline creates no
    task (the case timeline says so), and this finding tells the task force before any case.
    A warning, not an error: a task force may sign off while a sector's member is still to
    join (the example's duties for HSI in a task force without HSI), knowing the duty waits.
    """
    from accord.accounts.models import Agency

    members = Agency.objects.filter(task_force=task_force, is_active=True)
    slugs = set(members.values_list("slug", flat=True))
    sectors = set(members.values_list("sector", flat=True))
    findings = []
    for deadline in protocol.deadlines:
        organization = deadline.owner_organization or ""
        sector = deadline.owner_sector.value if deadline.owner_sector else ""
        if organization and organization in slugs:
            continue
        if sector and sector in sectors:
            continue
        if not organization and not sector:
            continue  # no owner named: the lead agency owns it
        sector_words = sector.replace("_", " ") if sector else "(none named)"
        named = (
            f"names {organization}, which is not a member agency,"
            if organization
            else "names no owner agency"
        )
        findings.append(
            DirectoryFinding(
                decision="",
                rule=deadline.id,
                target=organization or sector,
                check="deadline_owner",
                severity="warning",
                message=(
                    f"Deadline {deadline.id} ({deadline.task}) {named} and no member agency "
                    f"of sector {sector_words} exists: no case could give this task an owner."
                ),
            )
        )
    return findings
