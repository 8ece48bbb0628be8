"""Reads of disagreements, always through who may see them.

Visible to: users of the party agencies, whoever raised it, the deciders of the
current and every past level, and the task force's coordinators. Anyone else is
told it does not exist (404), so its existence never leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accord.accounts.models import Role, User
from accord.errors import NotFound

from .deciders import deciders_for
from .models import Disagreement, DisagreementStatus


def _base(*, viewer: User) -> QuerySet[Disagreement]:
    if viewer.agency is None:
        return Disagreement.objects.none()
    return (
        Disagreement.objects.filter(task_force_id=viewer.agency.task_force_id)
        .select_related("raised_by", "decided_by", "task_force", "amendment", "protocol_version")
        .prefetch_related("parties__agency")
    )


def may_view(*, viewer: User, disagreement: Disagreement) -> bool:
    if viewer.agency is None or viewer.agency.task_force_id != disagreement.task_force_id:
        return False
    if viewer.has_role(Role.COORDINATOR) or viewer.pk == disagreement.raised_by_id:
        return True
    if any(party.agency_id == viewer.agency_id for party in disagreement.parties.all()):
        return True
    return any(
        viewer.pk in deciders_for(disagreement=disagreement, level=level).user_ids
        for level in range(1, disagreement.current_level + 1)
    )


def disagreements_visible_to(*, viewer: User) -> list[Disagreement]:
    return [d for d in _base(viewer=viewer) if may_view(viewer=viewer, disagreement=d)]


def disagreement_for_viewer(*, viewer: User, pk: int) -> Disagreement:
    disagreement = _base(viewer=viewer).filter(pk=pk).first()
    if disagreement is None or not may_view(viewer=viewer, disagreement=disagreement):
        raise NotFound(_("No such disagreement."))
    return disagreement


@dataclass(frozen=True)
class LevelGroup:
    """Open disagreements at one level of the ladder, oldest first."""

    level: int
    name: str
    disagreements: tuple[Disagreement, ...]


def open_by_level(*, disagreements: Sequence[Disagreement]) -> list[LevelGroup]:
    groups: dict[int, list[Disagreement]] = {}
    names: dict[int, str] = {}
    for disagreement in disagreements:
        if disagreement.status != DisagreementStatus.OPEN:
            continue
        groups.setdefault(disagreement.current_level, []).append(disagreement)
        names.setdefault(disagreement.current_level, disagreement.level_spec()["name"])
    return [
        LevelGroup(
            level=level,
            name=names[level],
            disagreements=tuple(sorted(groups[level], key=lambda d: d.raised_at)),
        )
        for level in sorted(groups)
    ]


def closed_history(*, disagreements: Sequence[Disagreement]) -> list[Disagreement]:
    return sorted(
        (d for d in disagreements if d.status != DisagreementStatus.OPEN),
        key=lambda d: d.decided_at or d.raised_at,
        reverse=True,
    )


def is_overdue(*, disagreement: Disagreement, now: datetime) -> bool:
    return disagreement.status == DisagreementStatus.OPEN and disagreement.due_at <= now
