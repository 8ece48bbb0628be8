"""The case team's rules: which part an agency plays, which parts outrank others, and the one
exception the law makes to who may join (VAWA/VOCA/FVPSA).

Pure rules over models; the writes that use them live in ``services/participants.py`` and
``services/_common.participant_ensure``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from accord.accounts.models import LAW_ENFORCEMENT_SECTORS, Agency
from accord.core.model import Sector

from .models import Case, ParticipantPart

#: The part an agency of a sector plays when nothing more specific is known.
SECTOR_PARTS: Mapping[str, str] = {
    Sector.LAW_ENFORCEMENT_LOCAL: ParticipantPart.INVESTIGATING,
    Sector.LAW_ENFORCEMENT_STATE: ParticipantPart.INVESTIGATING,
    Sector.LAW_ENFORCEMENT_FEDERAL: ParticipantPart.INVESTIGATING,
    Sector.PROSECUTION: ParticipantPart.PROSECUTING,
    Sector.CHILD_PROTECTION: ParticipantPart.CHILD_PROTECTION,
    Sector.LEGAL_SERVICES: ParticipantPart.LEGAL_SERVICES,
    Sector.INTERPRETER: ParticipantPart.INTERPRETER,
}

#: Parts only agencies of certain sectors can play (a victim service provider never prosecutes).
PART_SECTORS: Mapping[str, frozenset[str]] = {
    ParticipantPart.INVESTIGATING: frozenset(LAW_ENFORCEMENT_SECTORS),
    ParticipantPart.PROSECUTING: frozenset({Sector.PROSECUTION}),
    ParticipantPart.SERVING_PROVIDER: frozenset({Sector.VICTIM_SERVICES, Sector.CHILD_PROTECTION}),
    ParticipantPart.CHILD_PROTECTION: frozenset({Sector.CHILD_PROTECTION, Sector.HEALTH}),
    ParticipantPart.LEGAL_SERVICES: frozenset({Sector.LEGAL_SERVICES}),
}

#: A higher rank is never replaced by a lower one when an agency joins again (never downgrade).
PART_RANK: Mapping[str, int] = {
    ParticipantPart.OTHER: 0,
    ParticipantPart.INTERPRETER: 1,
    ParticipantPart.LEGAL_SERVICES: 1,
    ParticipantPart.CHILD_PROTECTION: 1,
    ParticipantPart.INVESTIGATING: 1,
    ParticipantPart.SERVING_PROVIDER: 2,
    ParticipantPart.PROSECUTING: 2,
    ParticipantPart.LEAD: 3,
}

#: Who a victim service provider's case is kept from until the victim's release names them.
HELD_BACK_SECTORS: frozenset[str] = frozenset(
    {str(s) for s in LAW_ENFORCEMENT_SECTORS} | {str(Sector.PROSECUTION)}
)


def part_for_sector(sector: str) -> str:
    return str(SECTOR_PARTS.get(sector, ParticipantPart.OTHER))


def part_label(part: str) -> str:
    return str(dict(ParticipantPart.choices).get(part, part))


def stronger_part(current: str, wanted: str) -> str:
    """The part kept when an agency already on the case joins again as ``wanted``."""
    return wanted if PART_RANK.get(wanted, 0) > PART_RANK.get(current, 0) else current


def part_refusal(part: str, agency: Agency) -> str | None:
    """Why ``agency`` cannot play ``part`` (None when it can)."""
    sectors = PART_SECTORS.get(part)
    if sectors is None or agency.sector in sectors:
        return None
    return (
        f"{agency.name} ({agency.get_sector_display().lower()}) cannot be on the case as "
        f"{part_label(part).lower()}."
    )


def opened_by_provider(case: Case) -> bool:
    """The case was opened by a victim service provider (its provenance is the provider)."""
    return bool(case.produced_by.sector == Sector.VICTIM_SERVICES)


def held_back(*, case: Case, agency: Agency, now: datetime) -> str | None:
    """Why ``agency`` may not join ``case`` yet, in words; None when it may.

    A case a victim service provider opened never brings law enforcement (or a prosecutor) in,
    not even the knowledge that the case exists, until a release of one of its victims, given
    to that provider, in effect now and not revoked, names the agency (VAWA/VOCA/FVPSA; a
    task-force agreement never replaces the victim's release).
    """
    if agency.sector not in HELD_BACK_SECTORS or not opened_by_provider(case):
        return None
    if case.participants.filter(agency=agency).exists():
        return None
    if release_names(case=case, agency=agency, now=now):
        return None
    return (
        f"{case.produced_by.name}, a victim service provider, opened this case: "
        f"{agency.name} ({agency.get_sector_display().lower()}) joins it only when a victim's "
        "written release names it (VAWA/VOCA/FVPSA confidentiality). Nothing about the case "
        "goes to law enforcement or prosecutors before that."
    )


def release_names(*, case: Case, agency: Agency, now: datetime) -> bool:
    """A release of one of the case's victims, given to a victim service provider (the one that
    opened the case or one serving the victim), in effect at ``now``, names ``agency``."""
    from accord.sharing.models import Release

    candidates: Any = Release.objects.filter(
        case=case, produced_by__sector=Sector.VICTIM_SERVICES, recipients=agency
    ).prefetch_related("recipients")
    return any(release.in_effect(now=now) for release in candidates)
