"""Who decides at a level of the escalation ladder, read from the protocol's ``decided_by``.

``decided_by`` may name, separated by commas or "and":

- a committee id (``executive_committee``): the leads of the committee's agencies;
- a role (``coordinator``): the task force's users holding it;
- ``party_leads``: the leads of the agencies in the disagreement.

Free text ("chairs of the victim services and law enforcement committees") is
read for committee names it mentions; when it names none, the parties' leads
decide. The answer always says how the text was read, because a person will ask
why they (or not they) were asked to decide. When nobody can be found (no lead
recorded), the task force's coordinators decide, so a disagreement never waits
on nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from accord.accounts.models import Agency, Committee, Role, User

from .models import Disagreement

PARTY_LEADS = "party_leads"
_SEPARATORS = re.compile(r"\s*(?:,|;|\+|\band\b)\s*")


@dataclass(frozen=True)
class Deciders:
    level: int
    decided_by: str
    users: tuple[User, ...]
    explanation: str

    @property
    def user_ids(self) -> frozenset[int]:
        return frozenset(user.pk for user in self.users)


def _active(users) -> list[User]:
    return [user for user in users if user is not None and user.is_active]


def _leads(agencies) -> list[User]:
    return _active(agency.lead for agency in agencies)


def _committee_phrases(committee: Committee) -> tuple[str, ...]:
    slug_phrase = committee.slug.removesuffix("_committee").replace("_", " ").replace("-", " ")
    name_phrase = re.sub(r"\s*\(.*\)$", "", committee.name.lower()).removesuffix(" committee")
    return tuple(phrase for phrase in {slug_phrase, name_phrase} if phrase)


def deciders_for(*, disagreement: Disagreement, level: int | None = None) -> Deciders:
    """The users who decide ``disagreement`` at ``level`` (default: its current level)."""
    spec = disagreement.level_spec(level)
    wanted = int(spec["level"])
    text = str(spec.get("decided_by", "")).strip()
    task_force = disagreement.task_force
    committees = {c.slug: c for c in Committee.objects.filter(task_force=task_force)}
    party_agencies = [party.agency for party in disagreement.parties.select_related("agency__lead")]
    users: list[User] = []
    readings: list[str] = []
    unread: list[str] = []
    for token in (t.strip() for t in _SEPARATORS.split(text) if t.strip()):
        if token == PARTY_LEADS:
            users += _leads(party_agencies)
            readings.append("the parties' agency leads")
        elif token in committees:
            committee = committees[token]
            users += _leads(committee.agencies.select_related("lead"))
            readings.append(f"the agency leads of the {committee.name}")
        elif token in Role.values:
            users += _active(
                User.objects.filter(agency__task_force=task_force, role_grants__role=token)
            )
            readings.append(f"every {Role(token).label.lower()} of the task force")
        else:
            unread.append(token)
    if unread and not readings:
        lowered = text.lower()
        mentioned = [
            committee
            for committee in committees.values()
            if any(phrase in lowered for phrase in _committee_phrases(committee))
        ]
        for committee in mentioned:
            users += _leads(committee.agencies.select_related("lead"))
            readings.append(f"the agency leads of the {committee.name}")
        if not mentioned:
            users += _leads(party_agencies)
            readings.append("the parties' agency leads (no committee or role named)")
    if not _active(users):
        users = _active(
            User.objects.filter(agency__task_force=task_force, role_grants__role=Role.COORDINATOR)
        )
        readings.append("the coordinators, because no lead is recorded for the deciders")
    unique = {user.pk: user for user in users}
    explanation = "; ".join(readings)
    return Deciders(
        level=wanted,
        decided_by=text,
        users=tuple(sorted(unique.values(), key=lambda u: u.username)),
        explanation=explanation,
    )


def party_leads(*, disagreement: Disagreement) -> list[User]:
    return _leads(
        Agency.objects.filter(
            pk__in=disagreement.parties.values_list("agency_id", flat=True)
        ).select_related("lead")
    )
