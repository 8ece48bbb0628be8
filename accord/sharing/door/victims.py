"""Releases (consents) as the policy reads them, and victims as the release pages show them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accord.accounts.models import Role
from accord.core.model import Sector
from accord.errors import NotFound
from accord.sharing.models import Release
from accord.sharing.policy import ConsentView
from accord.sharing.services import VictimFacts, victim_facts

if TYPE_CHECKING:
    from accord.accounts.models import User

__all__ = [
    "ServedVictim",
    "consent_views_for",
    "is_provider_advocate",
    "served_victim",
    "victim_labels",
]


def consent_views_for(
    *, task_force_id: int, victim_ids: Iterable[int]
) -> Mapping[int, tuple[ConsentView, ...]]:
    """Every release (in effect or not: the policy says which) of the given victims.

    One query, reading only the columns the policy needs: encrypted columns (purpose,
    names) are never decrypted on the read path.
    """
    ids = sorted(set(victim_ids))
    if not ids:
        return {}
    rows = Release.objects.filter(task_force_id=task_force_id, victim_id__in=ids).values_list(
        "pk",
        "victim_id",
        "produced_by_id",
        "categories",
        "starts_at",
        "expires_at",
        "revoked_at",
        "victim_is_minor",
        "guardian_attested_non_abusive",
        "guardian_signed_at",
        "recipients",
    )
    releases: dict[int, dict] = {}
    for (
        pk,
        victim,
        producer,
        categories,
        starts,
        expires,
        revoked,
        minor,
        attested,
        g_signed,
        recipient,
    ) in rows:
        entry = releases.setdefault(
            pk,
            {
                "id": pk,
                "victim_id": victim,
                "produced_by_agency_id": producer,
                "categories": frozenset(categories or ()),
                "starts_at": starts,
                "expires_at": expires,
                "revoked_at": revoked,
                "signers_complete": not minor or bool(attested and g_signed),
                "recipient_agency_ids": set(),
            },
        )
        if recipient is not None:
            entry["recipient_agency_ids"].add(recipient)
    by_victim: dict[int, list[ConsentView]] = defaultdict(list)
    for entry in releases.values():
        entry["recipient_agency_ids"] = frozenset(entry["recipient_agency_ids"])
        by_victim[entry["victim_id"]].append(ConsentView(**entry))
    return {victim: tuple(views) for victim, views in by_victim.items()}


@dataclass(frozen=True)
class ServedVictim:
    """A victim as the release pages show them (case-basic labels) with the facts the consent
    services need; only ever built for an advocate of the victim's serving provider."""

    id: int
    case_id: int
    case_number: str
    pseudonym: str
    age: int | None
    facts: VictimFacts
    languages: str = ""  # as recorded on the case ("Spanish, English")


def is_provider_advocate(viewer: User) -> bool:
    return bool(
        viewer.agency_id
        and viewer.has_role(Role.ADVOCATE)
        and viewer.agency is not None
        and viewer.agency.sector == Sector.VICTIM_SERVICES
    )


def served_victim(*, viewer: User, victim_id: int) -> ServedVictim:
    """The victim, for an advocate of its serving provider; ``NotFound`` for everyone else.

    Another agency's, another task force's and a missing victim look exactly alike (S8).
    """
    from .access import CASE_POLICY, case_access
    from .release import release

    if not is_provider_advocate(viewer):
        raise NotFound(_("No such victim."))
    case = CASE_POLICY.queryset(viewer).filter(potentialvictims__pk=victim_id).first()
    if case is None:
        raise NotFound(_("No such victim."))
    case, access = case_access(viewer=viewer, case_id=case.pk)
    victim = case.potentialvictims.filter(pk=victim_id).first()
    if victim is None:
        raise NotFound(_("No such victim."))
    facts = victim_facts(victim)
    if viewer.agency_id not in facts.serving_provider_ids:
        raise NotFound(_("No such victim."))
    shown = release(access, victim).values
    case_shown = release(access, case).values
    return ServedVictim(
        id=victim.pk,
        case_id=case.pk,
        case_number=str(case_shown.get("number", "")),
        pseudonym=str(shown.get("pseudonym", "")),
        age=shown.get("age"),
        facts=facts,
        languages=str(shown.get("language") or ""),
    )


def victim_labels(*, viewer: User, victim_ids: Iterable[int]) -> dict[int, str]:
    """ "V-1, case 2025-0001" for the victims on cases the viewer may open, each part released
    through the policy like the case page (a withheld part is left out)."""
    from django.utils import timezone

    from .access import CASE_POLICY, DecisionCache, access_for, policy_viewer
    from .pages import participant_rows
    from .registry import m
    from .release import release

    ids = sorted(set(victim_ids))
    if not ids:
        return {}
    cases = {
        case.pk: case
        for case in CASE_POLICY.queryset(viewer)
        .filter(potentialvictims__pk__in=ids)
        .select_related("protocol_version")
        .distinct()
    }
    participants = participant_rows(cases)
    cache = DecisionCache(
        viewer=policy_viewer(viewer),
        consents=consent_views_for(task_force_id=viewer.task_force_id or 0, victim_ids=ids),
        now=timezone.now(),
    )
    labels: dict[int, str] = {}
    for victim in m.PotentialVictim.objects.filter(pk__in=ids, case_id__in=list(cases)):
        access = access_for(
            viewer, cases[victim.case_id], participants[victim.case_id], cache=cache
        )
        pseudonym = release(access, victim).values.get("pseudonym")
        number = release(access, cases[victim.case_id]).values.get("number")
        labels[victim.pk] = ", ".join(
            part for part in (pseudonym, f"case {number}" if number else "") if part
        )
    return labels
