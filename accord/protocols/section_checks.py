"""What the guided section pages report about a draft's sections, in a coordinator's words.

The loader already refuses what cannot be read (an unknown training, a sharing rule that
would release never-shared data); these checks look at the whole protocol against the task
force as it is today: a duty whose role nobody holds, a sharing rule naming an unknown kind
of record, an escalation level decided by nobody the task force knows. Each finding names
the entry it concerns (its position in the section).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accord.core.model import Protocol
from accord.protocols.words import ProtocolWords
from accord.ui.labels import SECTORS

from .roles import account_role
from .section_forms import data_categories


@dataclass(frozen=True)
class SectionFinding:
    """One problem of one entry (``index`` in the section), said for a person."""

    index: int
    severity: str  # "error" | "warning"
    message: str


@dataclass(frozen=True)
class TaskForceFacts:
    """What the checks need to know about the task force, read once."""

    held_roles: frozenset[str]  # account roles some active member holds
    member_agencies: frozenset[str]  # slugs of active member agencies
    member_sectors: frozenset[str]
    committees: frozenset[str]

    @classmethod
    def read(cls, task_force_id: int) -> TaskForceFacts:
        from accord.accounts.models import Agency, Committee, RoleGrant

        members = Agency.objects.filter(task_force_id=task_force_id, is_active=True)
        return cls(
            held_roles=frozenset(
                RoleGrant.objects.filter(
                    user__agency__task_force_id=task_force_id, user__is_active=True
                ).values_list("role", flat=True)
            ),
            member_agencies=frozenset(members.values_list("slug", flat=True)),
            member_sectors=frozenset(members.values_list("sector", flat=True)),
            committees=frozenset(
                Committee.objects.filter(task_force_id=task_force_id).values_list("slug", flat=True)
            ),
        )


def _sector_words(sector: str) -> str:
    return str(SECTORS.get(sector, sector)).lower()


def deadline_findings(
    protocol: Protocol, words: ProtocolWords, facts: TaskForceFacts
) -> list[SectionFinding]:
    found = []
    for index, deadline in enumerate(protocol.deadlines):
        role = account_role(deadline.owner_role) if deadline.owner_role else ""
        if role and role not in facts.held_roles:
            found.append(
                SectionFinding(
                    index,
                    "warning",
                    _(
                        "Nobody in the task force holds the role “%(role)s”: no one could do this task."
                    )
                    % {"role": words.value(deadline.owner_role)},
                )
            )
        organization = deadline.owner_organization or ""
        sector = deadline.owner_sector.value if deadline.owner_sector else ""
        if organization and organization not in facts.member_agencies:
            if not sector or sector not in facts.member_sectors:
                found.append(
                    SectionFinding(
                        index,
                        "warning",
                        _("%(agency)s is not a member agency of the task force.")
                        % {"agency": words.value(organization)},
                    )
                )
        elif not organization and sector and sector not in facts.member_sectors:
            found.append(
                SectionFinding(
                    index,
                    "warning",
                    _("No member agency is of the kind %(sector)s: this task would have no owner.")
                    % {"sector": _sector_words(sector)},
                )
            )
    return found


def sharing_findings(
    protocol: Protocol, words: ProtocolWords, facts: TaskForceFacts
) -> list[SectionFinding]:
    known = data_categories()
    found = []
    for index, rule in enumerate(protocol.sharing):
        for category in sorted(rule.categories - known):
            found.append(
                SectionFinding(
                    index,
                    "error",
                    _(
                        "No record of a case is of the kind “%(category)s”: this rule "
                        "shares nothing under that name."
                    )
                    % {"category": category},
                )
            )
        missing = sorted(s.value for s in rule.to_sectors if s.value not in facts.member_sectors)
        if missing and len(missing) == len(rule.to_sectors):
            found.append(
                SectionFinding(
                    index,
                    "warning",
                    _("No member agency is of the kind %(sectors)s yet: nobody receives this.")
                    % {"sectors": _(" or ").join(_sector_words(s) for s in missing)},
                )
            )
    return found


def escalation_findings(
    protocol: Protocol, words: ProtocolWords, facts: TaskForceFacts
) -> list[SectionFinding]:
    found = []
    known = set(protocol.committees) | facts.committees | {"party_leads"}
    previous = 0
    for index, level in enumerate(protocol.escalation):
        if level.decided_by not in known and account_role(level.decided_by) not in facts.held_roles:
            found.append(
                SectionFinding(
                    index,
                    "error",
                    _("%(who)s is no committee of the protocol and no role anyone holds.")
                    % {"who": words.value(level.decided_by)},
                )
            )
        if level.time_limit_hours < previous:
            found.append(
                SectionFinding(
                    index,
                    "warning",
                    _("This level has less time to decide than the level below it."),
                )
            )
        previous = level.time_limit_hours
    return found


def training_findings(
    protocol: Protocol, words: ProtocolWords, facts: TaskForceFacts
) -> list[SectionFinding]:
    found = []
    for index, requirement in enumerate(protocol.training):
        if not requirement.roles:
            found.append(SectionFinding(index, "error", _("No role must complete this course.")))
        for role in sorted(requirement.roles):
            if account_role(role) not in facts.held_roles:
                found.append(
                    SectionFinding(
                        index,
                        "warning",
                        _("Nobody in the task force holds the role “%(role)s” yet.")
                        % {"role": words.value(role)},
                    )
                )
    return found


def responsibility_findings(
    protocol: Protocol, words: ProtocolWords, facts: TaskForceFacts
) -> list[SectionFinding]:
    found = []
    for index, responsibility in enumerate(protocol.responsibilities):
        if responsibility.sector.value not in facts.member_sectors:
            found.append(
                SectionFinding(
                    index,
                    "warning",
                    _("No member agency is of this kind yet."),
                )
            )
        for contact in responsibility.contacts:
            if contact not in facts.member_agencies:
                found.append(
                    SectionFinding(
                        index,
                        "warning",
                        _("%(agency)s is not a member agency of the task force.")
                        % {"agency": words.value(contact)},
                    )
                )
    return found


FINDERS: Mapping[str, Callable[[Protocol, ProtocolWords, TaskForceFacts], list[SectionFinding]]] = {
    "deadlines": deadline_findings,
    "sharing": sharing_findings,
    "escalation": escalation_findings,
    "training": training_findings,
    "responsibilities": responsibility_findings,
}
