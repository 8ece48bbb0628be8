"""A viewer's standing on a case, and the decisions of one request.

``CaseAccess`` is built once per case per request: the policy's viewer, the case's stage and
participants, the sharing rules of the protocol version the CASE runs under, the releases of
its victims and the clock. ``DecisionCache`` holds the decisions of one request, keyed on the
whole ``RecordContext`` (hashable), the field class and category and the rules' version: every
input that can change a decision is in the key or fixed for the cache's lifetime (viewer,
clock, releases). ``CasePolicy`` answers both "may this viewer open this case" and "which cases
may it open", from the same rule of ``accord.sharing.policy``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from accord.accounts.models import Agency, Role
from accord.core.model import FieldClass, Protocol, SharingRule
from accord.errors import NotFound
from accord.sharing import policy, viewers

from .registry import m
from .victims import consent_views_for

if TYPE_CHECKING:
    from accord.accounts.models import User

__all__ = [
    "CASE_POLICY",
    "CaseAccess",
    "CasePolicy",
    "DecisionCache",
    "Visibility",
    "access_for",
    "case_access",
    "case_protocol",
    "case_standings",
    "cji_cleared",
    "field_visible",
    "fields_released_to_agency",
    "visible_cases_query",
]

#: Roles that work cases (auditors and signatories never see case data): the policy's.
CASE_ROLES: frozenset[str] = policy.CASE_ROLES
LE_OR_PROSECUTION: frozenset[str] = frozenset(str(s) for s in policy.LE_OR_PROSECUTION)


class DecisionCache:
    """The decisions of one request for one viewer, at one instant, under fixed releases.

    The key is ``(rules_version, record, field_class, category)`` where ``record`` is the
    frozen ``RecordContext`` itself: producer, its sector, stage, participants, victim and the
    victim's serving provider are all in it, so no part of the context can be left out.
    """

    __slots__ = ("_decisions", "consents", "now", "viewer")

    def __init__(
        self,
        *,
        viewer: policy.Viewer,
        consents: Mapping[int, tuple[policy.ConsentView, ...]],
        now: datetime,
    ) -> None:
        self.viewer = viewer
        self.consents = consents
        self.now = now
        self._decisions: dict[tuple[Any, ...], policy.Decision] = {}

    def decide(
        self,
        *,
        record: policy.RecordContext,
        spec: policy.FieldSpec,
        rules: Sequence[SharingRule],
        rules_version: int,
    ) -> policy.Decision:
        key = (rules_version, record, str(spec.field_class), spec.category)
        decision = self._decisions.get(key)
        if decision is None:
            consents = self.consents.get(record.victim_id, ()) if record.victim_id else ()
            decision = policy.field_decision(
                viewer=self.viewer,
                record=record,
                spec=policy.FieldSpec(spec.field_class, spec.category),
                rules=rules,
                consents=consents,
                now=self.now,
            )
            self._decisions[key] = decision
        return decision


@dataclass(frozen=True)
class Visibility:
    visible: bool
    reason: str


@dataclass(frozen=True)
class CaseAccess:
    """Who the viewer is with respect to one case, and what the policy needs for it."""

    case_id: int
    task_force_id: int
    stage: str
    viewer: policy.Viewer
    participants: policy.Participants
    rules: tuple[SharingRule, ...]
    rules_version: int
    agency_sectors: Mapping[int, str]
    cache: DecisionCache = field(compare=False, repr=False)

    @property
    def viewer_id(self) -> int:
        return self.viewer.user_id

    @property
    def agency_id(self) -> int:
        return self.viewer.agency_id

    @property
    def sector(self) -> str:
        return str(self.viewer.sector)

    @property
    def roles(self) -> frozenset[str]:
        return self.viewer.roles

    @property
    def is_coordinator(self) -> bool:
        return self.viewer.is_coordinator

    @property
    def participant(self) -> bool:
        """The viewer's agency works this case and the viewer holds a case role."""
        return self.viewer.agency_id in self.participants and self.viewer.works_cases

    @property
    def serving_provider(self) -> bool:
        return bool(self.participants.get(self.viewer.agency_id))

    @property
    def cji_cleared(self) -> bool:
        return self.viewer.cji_cleared

    @property
    def immigration_authorized(self) -> bool:
        return self.viewer.immigration_authorized

    @property
    def law_enforcement_or_prosecution(self) -> bool:
        return self.viewer.is_law_enforcement_or_prosecution

    @property
    def now(self) -> datetime:
        return self.cache.now

    def record_context(
        self,
        *,
        produced_by_id: int | None,
        victim_id: int | None = None,
        serving_provider_id: int | None = None,
    ) -> policy.RecordContext:
        producer = produced_by_id if produced_by_id is not None else 0
        return policy.RecordContext(
            task_force_id=self.task_force_id,
            stage=self.stage,
            participants=self.participants,
            produced_by_agency_id=producer,
            produced_by_sector=self.agency_sectors.get(producer, ""),
            victim_id=victim_id,
            victim_serving_provider_id=serving_provider_id,
        )

    def decide(self, record: policy.RecordContext, spec: policy.FieldSpec) -> policy.Decision:
        """One field, through ``accord.sharing.policy`` (the only place the rules live)."""
        return self.cache.decide(
            record=record, spec=spec, rules=self.rules, rules_version=self.rules_version
        )

    def opens_case(self) -> policy.Decision:
        return policy.case_decision(self.viewer, self.record_context(produced_by_id=None))


def cji_cleared(user: User, *, today: date | None = None) -> bool:
    """S14: CJI needs a current CJIS security training and a passed background check."""
    return viewers.cji_cleared(user, on=today or timezone.localdate())


def field_visible(
    access: CaseAccess,
    field_class: FieldClass | str,
    *,
    produced_by_id: int | None,
    serving_provider_id: int | None = None,
    victim_id: int | None = None,
    category: str = "",
) -> Visibility:
    """May this viewer see a field of this class produced by that agency? (For services that
    check before writing, and for rows shown whole, such as tasks and timeline lines.)"""
    decision = access.decide(
        access.record_context(
            produced_by_id=produced_by_id,
            victim_id=victim_id,
            serving_provider_id=serving_provider_id,
        ),
        policy.FieldSpec(field_class, category),
    )
    if isinstance(decision, policy.Released):
        return Visibility(True, decision.explanation)
    return Visibility(False, f"{decision.reason}: {decision.explanation}")


# --- who may open which case ------------------------------------------------------------------


class CasePolicy:
    """One answer to "may this viewer open this case" and "which cases may it open".

    ``decision`` is ``accord.sharing.policy.case_decision``; ``queryset`` is the same rule in
    SQL (same task force; a case role; the viewer's agency on the case, or a coordinator). A
    property test holds the two to the same answer over generated users and cases.
    """

    def decision(self, access: CaseAccess) -> policy.Decision:
        return access.opens_case()

    def queryset(self, user: User) -> models.QuerySet[Any]:
        query = m.Case.objects.filter(task_force_id=user.task_force_id)
        roles = frozenset(user.role_set) if user.agency_id else frozenset()
        if not roles & CASE_ROLES:
            return query.none()
        if Role.COORDINATOR in roles:
            return query
        return query.filter(participants__agency_id=user.agency_id)

    def participations_of(self, user: User) -> int | None:
        """The agency whose participations hold every case ``queryset`` gives the viewer (a
        set far smaller than the task force's cases, for a list to start from); None for a
        coordinator, who may open every case of the task force, and for a viewer who may open
        none (``queryset`` is empty)."""
        roles = frozenset(user.role_set) if user.agency_id else frozenset()
        if Role.COORDINATOR in roles or not roles & CASE_ROLES:
            return None
        return user.agency_id


CASE_POLICY = CasePolicy()


def visible_cases_query(viewer: User) -> models.QuerySet[Any]:
    return CASE_POLICY.queryset(viewer)


def _agency_sectors(viewer: User, task_force_id: int) -> Mapping[int, str]:
    """Sector of every agency of the task force, read once per request (kept on the request's
    user object, keyed by task force)."""
    cache: dict[int, Mapping[int, str]] = viewer.__dict__.setdefault("_accord_agency_sectors", {})
    if task_force_id not in cache:
        cache[task_force_id] = dict(
            Agency.objects.filter(task_force_id=task_force_id).values_list("pk", "sector")
        )
    return cache[task_force_id]


def _sharing_rules(viewer: User, case: Any) -> tuple[SharingRule, ...]:
    """The sharing rules of the protocol version a case runs under, read once per version per
    request (kept on the request's user object, like the agencies' sectors): a board of 500
    tasks loads and hashes the protocol's text once, not once per row. A case only ever runs
    under a version in force, whose text never changes."""
    cache: dict[int, tuple[SharingRule, ...]] = viewer.__dict__.setdefault(
        "_accord_sharing_rules", {}
    )
    version_id = case.protocol_version_id
    if version_id not in cache:
        cache[version_id] = tuple(case.protocol_version.protocol.sharing)
    return cache[version_id]


def policy_viewer(user: User) -> policy.Viewer:
    """The policy's viewer; NotFound for a user of no agency (they see no case)."""
    found = viewers.viewer_for(user)
    if found is None:
        raise NotFound(gettext("No such case."))
    return found


def standing_on(
    case: Any,
    viewer: policy.Viewer,
    participant_rows: Iterable[tuple[int, bool]],
    *,
    rules: tuple[SharingRule, ...],
    agency_sectors: Mapping[int, str],
    cache: DecisionCache,
    stage: str | None = None,
) -> CaseAccess:
    """The one way a standing on a case is built (``access_for``, ``case_standings``, a
    prospective advocate's view), so what a standing holds cannot differ between them: the
    case's stage (or the one asked about), its participants, the rules of its protocol version
    and the task force's agencies."""
    return CaseAccess(
        case_id=case.pk,
        task_force_id=case.task_force_id,
        stage=case.stage if stage is None else stage,
        viewer=viewer,
        participants=policy.Participants(participant_rows),
        rules=rules,
        rules_version=case.protocol_version_id,
        agency_sectors=agency_sectors,
        cache=cache,
    )


def access_for(
    viewer: User,
    case: Any,
    participant_rows: Iterable[tuple[int, bool]],
    *,
    cache: DecisionCache | None = None,
    victim_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> CaseAccess:
    """The viewer's standing on ``case``; ``cache`` lets the cases of one page share decisions
    (it fixes viewer, clock and releases, so it must have been built for this viewer)."""
    found = policy_viewer(viewer)
    if cache is None:
        cache = DecisionCache(
            viewer=found,
            consents=consent_views_for(task_force_id=case.task_force_id, victim_ids=victim_ids),
            now=now or timezone.now(),
        )
    elif cache.viewer != found:
        raise ValueError("A decision cache serves one viewer only.")
    return standing_on(
        case,
        found,
        participant_rows,
        rules=_sharing_rules(viewer, case),
        agency_sectors=_agency_sectors(viewer, case.task_force_id),
        cache=cache,
    )


def case_access(*, viewer: User, case_id: int) -> tuple[Any, CaseAccess]:
    """The case and the viewer's standing on it; NotFound when the viewer may not see it at all
    (another task force's case looks exactly like a missing one)."""
    case = (
        m.Case.objects.select_related("lead_agency", "protocol_version", "opened_by")
        .filter(pk=case_id, task_force_id=viewer.task_force_id)
        .first()
    )
    if case is None:
        raise NotFound(gettext("No such case."))
    rows = list(case.participants.values_list("agency_id", "is_serving_provider"))
    access = access_for(
        viewer, case, rows, victim_ids=case.potentialvictims.values_list("pk", flat=True)
    )
    if not isinstance(CASE_POLICY.decision(access), policy.Released):
        raise NotFound(gettext("No such case."))
    return case, access


def case_standings(
    *, users: Iterable[User], case_id: int, now: datetime | None = None
) -> dict[tuple[int, int], CaseAccess | None]:
    """Each user's standing on one case, keyed ``(user id, case id)`` as ``task_title_for``
    keeps them; None for a viewer who may not open the case (as ``case_access``'s NotFound).

    For a write that tells several people of one case (an intake's task owners): the case, its
    participants, its victims' releases, the task force's agencies and the protocol's rules are
    read once for all of them; each viewer's own standing (agency, roles, authorizations) is
    still decided by the same policy as ``case_access``, with a decision cache of its own."""
    people = {user.pk: user for user in users if user is not None}
    standings: dict[tuple[int, int], CaseAccess | None] = {(pk, case_id): None for pk in people}
    if not people:
        return standings
    case = m.Case.objects.select_related("protocol_version").filter(pk=case_id).first()
    if case is None:
        return standings
    rows = list(case.participants.values_list("agency_id", "is_serving_provider"))
    consents = consent_views_for(
        task_force_id=case.task_force_id,
        victim_ids=case.potentialvictims.values_list("pk", flat=True),
    )
    sectors = dict(
        Agency.objects.filter(task_force_id=case.task_force_id).values_list("pk", "sector")
    )
    rules = tuple(case.protocol_version.protocol.sharing)
    now = now or timezone.now()
    for pk, user in people.items():
        if user.task_force_id != case.task_force_id:
            continue  # another task force's case looks exactly like a missing one
        found = viewers.viewer_for(user, on=timezone.localdate(now))
        if found is None:
            continue
        access = standing_on(
            case,
            found,
            rows,
            rules=rules,
            agency_sectors=sectors,
            cache=DecisionCache(viewer=found, consents=consents, now=now),
        )
        if isinstance(CASE_POLICY.decision(access), policy.Released):
            standings[(pk, case_id)] = access
    return standings


def case_protocol(*, viewer: User, case_id: int) -> Protocol:
    """The protocol version the case runs under (case-basic), for forms built from its factors."""
    case, _ = case_access(viewer=viewer, case_id=case_id)
    return case.protocol_version.protocol


def fields_released_to_agency(
    *, case: Any, victim: Any, agency_id: int, sector: str, stage: str
) -> list[str]:
    """Victim fields an advocate of ``agency_id`` would receive with a referral at ``stage``
    (the agency counted as on the case), under the case's rules and the victim's releases."""
    from .release import release

    participants = dict(case.participants.values_list("agency_id", "is_serving_provider"))
    participants.setdefault(agency_id, False)
    prospective = policy.Viewer(
        user_id=0,
        agency_id=agency_id,
        sector=sector,
        roles=frozenset({Role.ADVOCATE}),
        task_force_id=case.task_force_id,
    )
    access = standing_on(
        case,
        prospective,
        participants.items(),
        stage=stage,
        rules=tuple(case.protocol_version.protocol.sharing),
        agency_sectors=dict(
            Agency.objects.filter(task_force_id=case.task_force_id).values_list("pk", "sector")
        ),
        cache=DecisionCache(
            viewer=prospective,
            consents=consent_views_for(task_force_id=case.task_force_id, victim_ids=[victim.pk]),
            now=timezone.now(),
        ),
    )
    return sorted(release(access, victim).values)
