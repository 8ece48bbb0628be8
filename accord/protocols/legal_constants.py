"""Findings the law fixes: no accepted-risk note waives them, and a draft with one cannot circulate.

A task force may knowingly accept a gap or an overlap ("we handle that case by phone"), but
not a protocol that breaks a rule it has no power to change:

- **A minor sent to a service for adults.** The directory says the service serves adults
  only; placing a child there breaks its licence and the child protection duties of the
  protocol (a directory eligibility mismatch whose example age is under 18).
- **Continued Presence requested by anyone but federal law enforcement.** Only federal law
  enforcement may request it (22 U.S.C. 7105(c)(3); 28 C.F.R. 1100.35): a deadline that gives
  the request to another sector, or a rule that answers "Continued Presence" with a role or
  organization that is not federal law enforcement.
- **Never-shared material released** (grand jury, tax, wiretap): the protocol loader already
  refuses a sharing rule for it, so such a text never becomes a draft.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from accord.core.model import OutputKind, Protocol, Sector

from .directory_checks import DirectoryFinding

#: Under this age a person is a minor (and child protection duties apply).
ADULT_AGE = 18

#: Roles that are never law enforcement, whatever the protocol calls its agencies.
NON_LAW_ENFORCEMENT_ROLES = frozenset(
    {
        "advocate",
        "case_manager",
        "prosecutor",
        "coordinator",
        "interpreter_coordinator",
        "legal_advocate",
        "attorney",
        "caseworker",
    }
)

_CONTINUED_PRESENCE = re.compile(r"continued[\s_-]*presence", re.IGNORECASE)

MINOR_TO_ADULT_SERVICE = "law-minor-to-adult-service"
CONTINUED_PRESENCE_NOT_FEDERAL = "law-continued-presence-not-federal"

#: Why each kind cannot be waived, for the report and the refusal.
WHY: Mapping[str, str] = {
    MINOR_TO_ADULT_SERVICE: (
        "A minor cannot be sent to a service for adults: the directory and child protection "
        "law fix this, so it cannot be accepted as a risk. Change the rule."
    ),
    CONTINUED_PRESENCE_NOT_FEDERAL: (
        "Only federal law enforcement may request Continued Presence (22 U.S.C. 7105(c)(3)), "
        "so this cannot be accepted as a risk. Give the request to the federal partner."
    ),
}


def is_minor_to_adult_service(finding: DirectoryFinding) -> bool:
    """A directory eligibility finding whose example is a person under 18."""
    if finding.check != "eligibility_mismatch":
        return False
    age = finding.example.get("age")
    return isinstance(age, int) and not isinstance(age, bool) and age < ADULT_AGE


def continued_presence_findings(
    *, protocol: Protocol, agency_sectors: Mapping[str, str]
) -> list[DirectoryFinding]:
    """Deadlines and rules that give a Continued Presence request to someone not federal LE.

    ``agency_sectors`` maps the task force's agency slugs (the protocol's organization ids)
    to their sectors, so a rule or deadline naming an organization is judged by its sector.
    """
    federal = Sector.LAW_ENFORCEMENT_FEDERAL.value
    findings = []
    for deadline in protocol.deadlines:
        if not (
            _CONTINUED_PRESENCE.search(deadline.task) or _CONTINUED_PRESENCE.search(deadline.id)
        ):
            continue
        sector = deadline.owner_sector.value if deadline.owner_sector else ""
        organization_sector = agency_sectors.get(deadline.owner_organization or "", "")
        if sector == federal or (not sector and organization_sector == federal):
            continue
        if not sector and not organization_sector:
            continue  # no owner named: nothing the protocol text gets wrong
        owner = sector or organization_sector
        findings.append(
            DirectoryFinding(
                decision="",
                rule=deadline.id,
                target=owner,
                check=CONTINUED_PRESENCE_NOT_FEDERAL,
                message=(
                    f"Deadline {deadline.id} ({deadline.task}) gives the Continued Presence "
                    f"request to {owner.replace('_', ' ')}, not federal law enforcement."
                ),
            )
        )
    for decision in protocol.decisions.values():
        kinds = {output.name: output.kind for output in decision.outputs}
        for rule in decision.rules:
            if not any(_names_continued_presence(value) for value in rule.outputs.values()):
                continue
            for name, value in rule.outputs.items():
                who = _not_federal(kinds.get(name), value, agency_sectors)
                if who:
                    findings.append(
                        DirectoryFinding(
                            decision=decision.id,
                            rule=rule.id,
                            target=who,
                            check=CONTINUED_PRESENCE_NOT_FEDERAL,
                            message=(
                                f"Rule {rule.id} answers Continued Presence with {who}, "
                                "which is not federal law enforcement."
                            ),
                        )
                    )
    return findings


def _names_continued_presence(value: Any) -> bool:
    values: Iterable[Any] = value if isinstance(value, tuple | list) else (value,)
    return any(isinstance(item, str) and _CONTINUED_PRESENCE.fullmatch(item) for item in values)


def _not_federal(kind: OutputKind | None, value: Any, agency_sectors: Mapping[str, str]) -> str:
    """The role or organization named by an output, when it is known not to be federal LE."""
    values: Iterable[Any] = value if isinstance(value, tuple | list) else (value,)
    for item in values:
        if not isinstance(item, str):
            continue
        if kind is OutputKind.ROLE and item in NON_LAW_ENFORCEMENT_ROLES:
            return item.replace("_", " ")
        if kind is OutputKind.ORGANIZATION:
            sector = agency_sectors.get(item)
            if sector and sector != Sector.LAW_ENFORCEMENT_FEDERAL.value:
                return item
    return ""
