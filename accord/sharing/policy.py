"""The sharing policy: may this viewer read this field of this record, and why (or why not)?

One pure function, ``field_decision``, answers for one viewer, one field of one
record, the sharing rules of the protocol version the case runs under, and the
victim's releases (consents) at ``now``. It returns ``Released`` with the basis
(own agency, a sharing rule, a release plus a sharing rule ...) or ``Withheld``
with a stable reason code. Nothing here touches Django or the database, so the
door (``accord.sharing.door``) builds the inputs once per request and the
property tests can call it millions of times.

The order of the checks is the order of the law (DESIGN.md section 4,
SECURITY.md S9-S14): another task force sees nothing; never-shared material
stays with the producing agency's investigators and prosecutors whatever the
protocol says (S12); a provider's privileged notes stay with its advocates,
whatever a release or the protocol says; immigration-relief records need the user's explicit
authorization (S11); criminal justice information needs the personnel gate
(S14); victim-service records cross agencies only under a valid release naming
the recipient and the data category (S10) *and* a sharing rule of the protocol.
Anything not recognised is withheld (fail closed).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from accord.core.model import Audience, FieldClass, Sector, SharingRule, Stage

__all__ = [
    "CASE_ROLES",
    "INTERPRETING",
    "LE_OR_PROSECUTION",
    "NEVER_SHARED_ROLES",
    "VICTIM_SERVICES_COMMITTEE",
    "Action",
    "ConsentView",
    "Decision",
    "FieldSpec",
    "Participants",
    "Reason",
    "RecordContext",
    "Released",
    "Viewer",
    "Withheld",
    "case_decision",
    "consent_state",
    "field_decision",
]

#: Roles that work cases; auditors and signatories never see case values.
CASE_ROLES: frozenset[str] = frozenset(
    {"coordinator", "investigator", "prosecutor", "advocate", "interpreter_coordinator"}
)
#: The only roles that may see never-shared material of their own agency (S12).
NEVER_SHARED_ROLES: frozenset[str] = frozenset({"investigator", "prosecutor"})
LE_OR_PROSECUTION: frozenset[Sector] = frozenset(
    {
        Sector.LAW_ENFORCEMENT_LOCAL,
        Sector.LAW_ENFORCEMENT_STATE,
        Sector.LAW_ENFORCEMENT_FEDERAL,
        Sector.PROSECUTION,
    }
)
#: The data category of an interpreter request's booking details (language, proceeding, time,
#: payer...): interpreter coordinators book for every agency of the task force, so they see it.
INTERPRETING = "interpreting"
#: The committee slug the ``victim_services_committee`` audience refers to.
VICTIM_SERVICES_COMMITTEE = "victim_services_committee"


class Action(enum.StrEnum):
    READ = "read"


class Reason(enum.StrEnum):
    """Why a field was withheld: stable codes, shown to users with an explanation."""

    OTHER_TASK_FORCE = "other_task_force"
    NO_CASE_ROLE = "no_case_role"
    NOT_ON_CASE = "not_on_case"
    CLASS_NEVER_SHARED = "class_never_shared"
    NO_SHARING_RULE = "no_sharing_rule"
    STAGE = "stage"
    NO_CONSENT = "no_consent"
    CONSENT_NOT_STARTED = "consent_not_started"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_REVOKED = "consent_revoked"
    CONSENT_WRONG_RECIPIENT = "consent_wrong_recipient"
    CONSENT_CATEGORY = "consent_category"
    CONSENT_GUARDIAN_MISSING = "consent_guardian_missing"
    NOT_IMMIGRATION_AUTHORIZED = "not_immigration_authorized"
    CJI_PERSONNEL_GATE = "cji_personnel_gate"
    PRIVILEGED = "privileged"
    UNKNOWN_CLASS = "unknown_class"
    UNKNOWN_ACTION = "unknown_action"


@dataclass(frozen=True)
class Viewer:
    """The person reading, as the policy needs them (built once per request)."""

    user_id: int
    agency_id: int
    sector: Sector | str
    roles: frozenset[str]
    task_force_id: int
    committees: frozenset[str] = frozenset()  # committee slugs the viewer's agency belongs to
    immigration_authorized: bool = False  # S11: explicitly authorized for CP/T/U records
    cji_cleared: bool = False  # S14: CJIS training within 12 months and a passed background check

    @cached_property
    def is_law_enforcement_or_prosecution(self) -> bool:
        return self.sector in LE_OR_PROSECUTION

    @cached_property
    def works_cases(self) -> bool:
        return bool(self.roles & CASE_ROLES)

    @cached_property
    def is_coordinator(self) -> bool:
        return "coordinator" in self.roles


class Participants(Mapping[int, bool]):
    """The agencies on a case (agency id -> is serving provider): read-only and hashable, so a
    ``RecordContext`` can key a cache of decisions with nothing left out."""

    __slots__ = ("_hash", "_items")

    def __init__(self, items: Mapping[int, bool] | Iterable[tuple[int, bool]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: dict[int, bool] = {int(agency): bool(serving) for agency, serving in pairs}
        self._hash = hash(frozenset(self._items.items()))

    def __getitem__(self, agency_id: int) -> bool:
        return self._items[agency_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Participants):
            return self._hash == other._hash and self._items == other._items
        return isinstance(other, Mapping) and self._items == dict(other.items())

    def __repr__(self) -> str:
        return f"Participants({self._items!r})"


@dataclass(frozen=True)
class RecordContext:
    """One record of one case: where it lives, who produced it, whose victim it concerns.

    Frozen and hashable: equal contexts are the same situation for the policy, which is what
    lets the door cache a decision under the context itself (no hand-built key to drift)."""

    task_force_id: int
    stage: Stage | str
    participants: Mapping[int, bool]  # agency id -> is serving provider
    produced_by_agency_id: int
    produced_by_sector: Sector | str
    victim_id: int | None = None
    victim_serving_provider_id: int | None = None  # the victim's own serving provider, if known

    def __post_init__(self) -> None:
        if not isinstance(self.participants, Participants):
            object.__setattr__(self, "participants", Participants(self.participants))

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        """Computed once: the door hashes a record's context for every field it decides."""
        return hash(
            (
                self.task_force_id,
                str(self.stage),
                self.participants,
                self.produced_by_agency_id,
                str(self.produced_by_sector),
                self.victim_id,
                self.victim_serving_provider_id,
            )
        )

    @cached_property
    def serving_provider_ids(self) -> frozenset[int]:
        serving = {agency for agency, is_serving in self.participants.items() if is_serving}
        if self.victim_serving_provider_id is not None:
            serving.add(self.victim_serving_provider_id)
        return frozenset(serving)


@dataclass(frozen=True)
class FieldSpec:
    """The class and data category of one field (mirrors ``accord.cases.fields.FieldSpec``)."""

    field_class: FieldClass | str
    category: str


@dataclass(frozen=True)
class ConsentView:
    """A victim's release (consent) as the policy needs it; see ``accord.sharing.models.Release``."""

    id: int
    victim_id: int
    produced_by_agency_id: int  # the victim service provider releasing its records
    recipient_agency_ids: frozenset[int]
    categories: frozenset[str]
    starts_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    signers_complete: bool = True  # a minor's release also needs a non-abusive parent/guardian

    def describe(self) -> str:
        return f"release #{self.id} (expires {self.expires_at:%Y-%m-%d %H:%M} UTC)"


@dataclass(frozen=True)
class Released:
    """The field may be shown; ``basis`` names what allows it, ``explanation`` says it in words."""

    basis: str
    explanation: str
    rule_id: str | None = None
    consent_id: int | None = None
    released: bool = field(default=True, init=False)


@dataclass(frozen=True)
class Withheld:
    """The field must be absent; ``reason`` is a stable code, ``explanation`` says it in words."""

    reason: Reason
    explanation: str
    released: bool = field(default=False, init=False)


Decision = Released | Withheld


def consent_state(consent: ConsentView, *, now: datetime) -> Reason | None:
    """None when the release is in effect at ``now``; otherwise why it is not.

    In effect from ``starts_at`` (inclusive) until ``expires_at`` (exclusive), and
    revocation counts from the moment it was recorded (S10: immediate effect).
    """
    if consent.revoked_at is not None and consent.revoked_at <= now:
        return Reason.CONSENT_REVOKED
    if now >= consent.expires_at:
        return Reason.CONSENT_EXPIRED
    if now < consent.starts_at:
        return Reason.CONSENT_NOT_STARTED
    if not consent.signers_complete:
        return Reason.CONSENT_GUARDIAN_MISSING
    return None


def case_decision(viewer: Viewer, record: RecordContext) -> Decision:
    """May the viewer open the case at all? (The door answers NotFound when not.)"""
    if viewer.task_force_id != record.task_force_id:
        return Withheld(Reason.OTHER_TASK_FORCE, "The case belongs to another task force.")
    if not viewer.works_cases:
        return Withheld(Reason.NO_CASE_ROLE, "None of your roles works cases.")
    if viewer.agency_id in record.participants:
        return Released("case_participant", "Your agency works this case.")
    if viewer.is_coordinator:
        return Released("coordinator", "Coordinators see every case of their task force.")
    return Withheld(Reason.NOT_ON_CASE, "Your agency is not on this case.")


def field_decision(
    *,
    viewer: Viewer,
    record: RecordContext,
    spec: FieldSpec,
    rules: Sequence[SharingRule],
    consents: Collection[ConsentView] = (),
    now: datetime,
    action: Action | str = Action.READ,
) -> Decision:
    """Released (with basis) or Withheld (with reason) for one field of one record."""
    if action != Action.READ:
        return Withheld(Reason.UNKNOWN_ACTION, f"Unknown action {action!r}: refused.")
    try:
        field_class = (
            spec.field_class
            if isinstance(spec.field_class, FieldClass)
            else FieldClass(spec.field_class)
        )
    except ValueError:
        return Withheld(Reason.UNKNOWN_CLASS, f"Unclassified field class {spec.field_class!r}.")
    if viewer.task_force_id != record.task_force_id:
        return Withheld(Reason.OTHER_TASK_FORCE, "The case belongs to another task force.")
    if not viewer.works_cases:
        return Withheld(Reason.NO_CASE_ROLE, "None of your roles works cases.")
    own_agency = viewer.agency_id == record.produced_by_agency_id

    if field_class is FieldClass.NEVER_SHARED:
        return _never_shared(viewer, own_agency=own_agency)
    if field_class is FieldClass.PRIVILEGED:
        return _privileged(viewer, own_agency=own_agency)
    if field_class is FieldClass.IMMIGRATION_1367 and not viewer.immigration_authorized:
        return Withheld(
            Reason.NOT_IMMIGRATION_AUTHORIZED,
            "Immigration-relief records (8 U.S.C. 1367) are shown only to users explicitly "
            "authorized for them.",
        )
    if (
        field_class is FieldClass.LE_SENSITIVE
        and viewer.is_law_enforcement_or_prosecution
        and not viewer.cji_cleared
    ):
        return _cji_gate()
    if own_agency:
        return Released("own_agency", "Your agency produced this record.")
    if field_class is FieldClass.CASE_BASIC:
        if viewer.agency_id in record.participants:
            return Released("case_participant", "Case-basic facts go to every agency on the case.")
        if viewer.is_coordinator:
            return Released("coordinator", "Coordinators see the basic facts of every case.")
        if spec.category == INTERPRETING and "interpreter_coordinator" in viewer.roles:
            return Released(
                "interpreter_coordinator",
                "Interpreter coordinators book interpreters for every agency of the task force, "
                "so they see a request's booking details (never the victim or the case).",
            )
    if (
        field_class is FieldClass.VSP_CONFIDENTIAL
        and record.produced_by_sector != Sector.VICTIM_SERVICES
        and viewer.agency_id in record.serving_provider_ids
    ):
        return Released(
            "serving_provider",
            "Your agency is the victim's serving provider; the record was not produced by "
            "another victim service provider.",
        )
    return _by_rules(
        viewer=viewer,
        record=record,
        field_class=field_class,
        category=spec.category,
        rules=rules,
        consents=consents,
        now=now,
    )


def _never_shared(viewer: Viewer, *, own_agency: bool) -> Decision:
    if not own_agency:
        return Withheld(
            Reason.CLASS_NEVER_SHARED,
            "Grand jury, tax and wiretap material never leaves the producing agency.",
        )
    if not (viewer.roles & NEVER_SHARED_ROLES and viewer.is_law_enforcement_or_prosecution):
        return Withheld(
            Reason.CLASS_NEVER_SHARED,
            "Only the producing agency's investigators and prosecutors see this material.",
        )
    if not viewer.cji_cleared:
        return _cji_gate()
    return Released(
        "own_agency", "Your agency produced this material; you investigate or prosecute."
    )


#: The only role that reads a provider's privileged notes, and only its own provider's.
PRIVILEGED_ROLES: frozenset[str] = frozenset({"advocate"})


def _privileged(viewer: Viewer, *, own_agency: bool) -> Decision:
    """Counseling and case-management notes stay with the producing provider's advocates:
    no release and no sharing rule moves them (advocate-victim privilege; VAWA/VOCA/FVPSA
    confidentiality), not even to the provider's coordinator or to a serving provider."""
    if own_agency and viewer.roles & PRIVILEGED_ROLES and viewer.sector == Sector.VICTIM_SERVICES:
        return Released(
            "own_provider_advocate",
            "Your provider wrote this privileged note and you are one of its advocates.",
        )
    return Withheld(
        Reason.PRIVILEGED,
        "A provider's counseling and case-management notes are privileged: only its own "
        "advocates read them, whatever a release or the protocol says.",
    )


def _cji_gate() -> Withheld:
    return Withheld(
        Reason.CJI_PERSONNEL_GATE,
        "Criminal justice information needs a CJIS security training within 12 months and a "
        "passed background check on your record.",
    )


def _audience_holds(rule: SharingRule, viewer: Viewer, record: RecordContext) -> bool:
    if rule.audience is Audience.SERVING_PROVIDER:
        return viewer.agency_id in record.serving_provider_ids
    if rule.audience is Audience.VICTIM_SERVICES_COMMITTEE:
        return VICTIM_SERVICES_COMMITTEE in viewer.committees
    if rule.audience is Audience.CASE_MEMBERS:
        return viewer.agency_id in record.participants
    return False  # an audience this code does not know: fail closed


def _by_rules(
    *,
    viewer: Viewer,
    record: RecordContext,
    field_class: FieldClass,
    category: str,
    rules: Sequence[SharingRule],
    consents: Collection[ConsentView],
    now: datetime,
) -> Decision:
    """Another agency's record: a sharing rule must cover it (and, for VSP records, a release)."""
    applicable = [
        rule
        for rule in rules
        if rule.field_class is field_class
        and record.produced_by_sector in rule.from_sectors
        and viewer.sector in rule.to_sectors
        and (not rule.categories or category in rule.categories)
        and _audience_holds(rule, viewer, record)
    ]
    if not applicable:
        if viewer.agency_id not in record.participants:
            return Withheld(Reason.NOT_ON_CASE, "Your agency is not on this case.")
        return Withheld(
            Reason.NO_SHARING_RULE,
            f"No sharing rule of the protocol passes {field_class} data ({category}) from "
            f"{record.produced_by_sector} to {viewer.sector} for your agency's part in the case.",
        )
    in_stage = [rule for rule in applicable if record.stage in rule.stages]
    if not in_stage:
        return Withheld(
            Reason.STAGE,
            f"Sharing rule {applicable[0].id} applies only at "
            f"{', '.join(sorted(str(s) for s in applicable[0].stages))}; the case is at "
            f"{record.stage}.",
        )
    if field_class is FieldClass.LE_SENSITIVE and not viewer.cji_cleared:
        narrowed = [rule for rule in in_stage if rule.categories]
        if not narrowed:
            return _cji_gate()
        in_stage = narrowed
    needs_release = field_class is FieldClass.VSP_CONFIDENTIAL and (
        record.produced_by_sector == Sector.VICTIM_SERVICES
    )
    without_release = [rule for rule in in_stage if not (needs_release or rule.requires_consent)]
    if without_release:
        rule = without_release[0]
        return Released(f"sharing_rule:{rule.id}", _rule_words(rule), rule_id=rule.id)
    consent, reason = _matching_consent(viewer, record, category, consents, now=now)
    if consent is None:
        return Withheld(reason, _CONSENT_WORDS[reason])
    rule = in_stage[0]
    return Released(
        f"consent:{consent.id}+sharing_rule:{rule.id}",
        f"The victim's {consent.describe()} names your agency and this data category; "
        + _rule_words(rule),
        rule_id=rule.id,
        consent_id=consent.id,
    )


def _rule_words(rule: SharingRule) -> str:
    return f"sharing rule {rule.id} of the protocol" + (f": {rule.note}" if rule.note else ".")


_CONSENT_WORDS: Mapping[Reason, str] = {
    Reason.NO_CONSENT: "The victim has signed no release for this provider's records.",
    Reason.CONSENT_WRONG_RECIPIENT: "The victim's release does not name your agency.",
    Reason.CONSENT_CATEGORY: "The victim's release naming your agency does not cover this data category.",
    Reason.CONSENT_EXPIRED: "The victim's release naming your agency has expired.",
    Reason.CONSENT_REVOKED: "The victim revoked the release naming your agency.",
    Reason.CONSENT_NOT_STARTED: "The victim's release naming your agency is not in effect yet.",
    Reason.CONSENT_GUARDIAN_MISSING: "A minor's release also needs a non-abusive parent or guardian.",
}

#: Which failing reason to report when several releases fail (most telling first).
_REASON_ORDER: tuple[Reason, ...] = (
    Reason.CONSENT_REVOKED,
    Reason.CONSENT_EXPIRED,
    Reason.CONSENT_NOT_STARTED,
    Reason.CONSENT_GUARDIAN_MISSING,
)


def _matching_consent(
    viewer: Viewer,
    record: RecordContext,
    category: str,
    consents: Collection[ConsentView],
    *,
    now: datetime,
) -> tuple[ConsentView | None, Reason]:
    """A release in effect for this victim, from the producing provider, to the viewer's agency,
    covering the category; or the most telling reason there is none."""
    if record.victim_id is None:
        return None, Reason.NO_CONSENT
    from_provider = record.produced_by_sector == Sector.VICTIM_SERVICES
    own = [
        c
        for c in consents
        if c.victim_id == record.victim_id
        and (not from_provider or c.produced_by_agency_id == record.produced_by_agency_id)
    ]
    if not own:
        return None, Reason.NO_CONSENT
    to_viewer = [c for c in own if viewer.agency_id in c.recipient_agency_ids]
    if not to_viewer:
        return None, Reason.CONSENT_WRONG_RECIPIENT
    covering = [c for c in to_viewer if category in c.categories]
    if not covering:
        return None, Reason.CONSENT_CATEGORY
    failures: list[Reason] = []
    for consent in sorted(covering, key=lambda c: (c.expires_at, c.id), reverse=True):
        state = consent_state(consent, now=now)
        if state is None:
            return consent, Reason.NO_CONSENT
        failures.append(state)
    return None, min(failures, key=_REASON_ORDER.index)
