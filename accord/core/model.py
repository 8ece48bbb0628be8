"""The protocol as frozen value objects.

Everything the loader produces and everything evaluation, verification, DMN
interchange and the web application consume is defined here. Pure Python: the
core never imports Django.

Conditions are stored twice: as the text the author wrote (for display and for
dumping back to YAML) and as a canonical region (a value set for enumerations
and booleans, a union of disjoint intervals for numbers) so that evaluation and
verification never re-parse text.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

Number = int | Decimal
Scalar = str | bool | int | Decimal

#: The fact value that means "not known yet". Facts may be missing at intake;
#: rules never test for it (conditions range over the declared domain only).
UNKNOWN = "unknown"


class FactorKind(enum.StrEnum):
    ENUM = "enum"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    #: Free text, a date or a duration (a DMN input data element that only literal
    #: expressions read): no domain, never tested by a table column.
    TEXT = "text"


@dataclass(frozen=True)
class Domain:
    """The values a factor may take.

    ``values`` for enumerations (declaration order kept) and booleans
    (``(False, True)``); ``minimum``/``maximum`` for integers and decimals,
    inclusive unless ``minimum_open``/``maximum_open`` (a DMN ``(0..1]`` or
    ``> 0``; only decimals keep an open bound, integer bounds are closed by the
    loaders). Protocol files should bound numeric domains; a bound that is not
    given (e.g. a DMN ``number`` input) is ``Decimal("-Infinity")`` /
    ``Decimal("Infinity")``, never ``None``, for numeric kinds.
    """

    kind: FactorKind
    values: tuple[Scalar, ...] = ()
    minimum: Number | None = None
    maximum: Number | None = None
    minimum_open: bool = False
    maximum_open: bool = False

    @property
    def is_numeric(self) -> bool:
        return self.kind in (FactorKind.INTEGER, FactorKind.DECIMAL)

    def admits(self, number: Number) -> bool:
        """Whether a number lies within the bounds (open bounds exclude their end)."""
        low, high = self.minimum, self.maximum
        if low is not None and (number < low or (self.minimum_open and number == low)):
            return False
        return not (high is not None and (number > high or (self.maximum_open and number == high)))

    def describe_bounds(self) -> str:
        """``[0..10)`` style, ``-inf``/``inf`` for missing bounds."""
        low = self.minimum
        high = self.maximum
        low_text = "-inf" if low is None or _infinite(low) else str(low)
        high_text = "inf" if high is None or _infinite(high) else str(high)
        start = "(" if self.minimum_open else "["
        end = ")" if self.maximum_open else "]"
        return f"{start}{low_text}..{high_text}{end}"


def _infinite(value: Number) -> bool:
    return isinstance(value, Decimal) and value.is_infinite()


@dataclass(frozen=True)
class SourceSpan:
    """Where something was written: file, 1-based line and column."""

    file: str = "<string>"
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


#: What a potential victim's own record says about her, and the factor kinds each may bind to
#: (``victim: age`` on a factor). Per-victim questions read these from each victim's record.
VICTIM_ATTRIBUTES: Mapping[str, frozenset[FactorKind]] = {
    "age": frozenset({FactorKind.INTEGER, FactorKind.DECIMAL}),
    "gender": frozenset({FactorKind.ENUM}),
    "citizenship": frozenset({FactorKind.ENUM}),
    "charged": frozenset({FactorKind.BOOLEAN}),
    "arrested": frozenset({FactorKind.BOOLEAN}),
    "interpreter_needed": frozenset({FactorKind.BOOLEAN}),
}


#: Facts about the case the app counts from its potential victims (``victims: count``).
CASE_VICTIM_AGGREGATES: Mapping[str, frozenset[FactorKind]] = {
    "count": frozenset({FactorKind.INTEGER}),
}


@dataclass(frozen=True)
class Factor:
    """A fact a decision depends on. ``victim_attribute`` binds it to what each potential
    victim's record says (her age, gender ...): per-victim questions read it from her."""

    id: str
    domain: Domain
    label: str = ""
    description: str = ""
    victim_attribute: str | None = None
    victims_aggregate: str | None = None  # ``victims: count``: at least the victims recorded
    #: The DMN type of a TEXT factor ("string", "date", "dateTime", "time", "duration"...):
    #: FEEL reads a fact of a date or duration type as that type.
    feel_type: str = ""
    span: SourceSpan = field(default_factory=SourceSpan, compare=False)


@dataclass(frozen=True, order=True)
class Interval:
    """A numeric interval, clamped to the factor's domain.

    Bounds are finite except where the domain itself is unbounded: then
    ``Decimal("-Infinity")``/``Decimal("Infinity")`` with the open flag set.
    Over INTEGER domains the loader canonicalises to closed integer bounds
    (``(16..18)`` becomes ``[17..17]``) so equal regions compare equal.
    """

    low: Number
    high: Number
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: Number) -> bool:
        if value < self.low or (self.low_open and value == self.low):
            return False
        return not (value > self.high or (self.high_open and value == self.high))


@dataclass(frozen=True)
class Condition:
    """One cell of a decision table: a DMN simple unary test on one factor.

    ``text`` is what the author wrote ("-", "sex", "not(sex, labor)", "[16..18)",
    ">= 18", "true"). Exactly one of ``values`` (enumerations, booleans) or
    ``intervals`` (numbers, disjoint and sorted) holds the canonical region;
    both are ``None`` for the any-value test "-".
    """

    text: str = "-"
    values: frozenset[Scalar] | None = None
    intervals: tuple[Interval, ...] | None = None

    @property
    def is_any(self) -> bool:
        return self.values is None and self.intervals is None

    def matches(self, value: Scalar) -> bool:
        if self.values is not None:
            return value in self.values
        if self.intervals is not None:
            return any(interval.contains(value) for interval in self.intervals)  # type: ignore[arg-type]
        return True


ANY = Condition()


class HitPolicy(enum.StrEnum):
    UNIQUE = "UNIQUE"
    ANY = "ANY"
    PRIORITY = "PRIORITY"
    FIRST = "FIRST"
    RULE_ORDER = "RULE ORDER"
    OUTPUT_ORDER = "OUTPUT ORDER"
    COLLECT = "COLLECT"


class Aggregation(enum.StrEnum):
    SUM = "SUM"
    MIN = "MIN"
    MAX = "MAX"
    COUNT = "COUNT"


class OutputKind(enum.StrEnum):
    TEXT = "text"
    ENUM = "enum"
    NUMBER = "number"
    BOOLEAN = "boolean"
    ORGANIZATION = "organization"  # a directory organization id
    SERVICE = "service"  # a directory service id
    ROLE = "role"  # who acts: an agency role / sector reference


@dataclass(frozen=True)
class OutputDef:
    """An output column. ``values`` lists allowed values for enumerations in
    priority order (first = highest), as DMN output values do for PRIORITY and
    OUTPUT ORDER."""

    name: str
    kind: OutputKind = OutputKind.TEXT
    values: tuple[Scalar, ...] = ()
    label: str = ""
    default: Scalar | None = None  # DMN defaultOutputEntry: the answer when no rule matches


@dataclass(frozen=True)
class Rule:
    id: str
    conditions: Mapping[str, Condition]  # factor id -> condition; absent = "-"
    outputs: Mapping[str, Scalar | tuple[Scalar, ...] | None]
    how: str = ""  # guidance text: how to carry the answer out
    annotation: str = ""
    span: SourceSpan = field(default_factory=SourceSpan, compare=False)

    def condition(self, factor_id: str) -> Condition:
        return self.conditions.get(factor_id, ANY)


@dataclass(frozen=True)
class Decision:
    """A decision table answering one question, or a DMN literal-expression decision.

    A literal-expression decision has an ``expression`` (FEEL text, see
    :mod:`accord.core.feel`) and no rules: its one output is the expression's value,
    so it always answers (no gaps, no overlaps). ``inputs`` are then the factors the
    expression reads. ``requires`` names the decisions whose answers a decision reads
    (DMN information requirements): a table column or an expression name fed by
    another decision; evaluation answers those first.
    """

    id: str
    question: str
    inputs: tuple[str, ...]  # factor ids, column order
    outputs: tuple[OutputDef, ...]
    rules: tuple[Rule, ...]
    hit_policy: HitPolicy = HitPolicy.UNIQUE
    aggregation: Aggregation | None = None
    common_question: str | None = None  # one of COMMON_QUESTIONS, or None for own
    #: Answered for each potential victim from her own facts (``for: victim``); otherwise once
    #: over the whole case (``for: case``, the default).
    per_victim: bool = False
    span: SourceSpan = field(default_factory=SourceSpan, compare=False)
    expression: str | None = None
    requires: tuple[str, ...] = ()


#: The eight common questions of the seed; every protocol answers each with a decision.
COMMON_QUESTIONS: Mapping[str, str] = {
    "law_enforcement_contact": "Which law enforcement agency to call when a victim is ready to talk",
    "service_referral": "Which victim service provider to refer to, when and how",
    "operation_coordination": "Whether a planned operation is coordinated with the victim services committee before and after, and how",
    "placement": "Where a potential victim stays after recovery",
    "charging": "Whether a potential victim may be charged with prostitution, and what is done when identified after charges",
    "information_sharing": "What law enforcement shares with the provider at referral and as the investigation evolves, and with whom",
    "interpreter": "How an interpreter is secured for a proceeding, and who pays",
    "immigration_relief": "Who requests Continued Presence or signs a T or U visa certification",
}


class Sector(enum.StrEnum):
    LAW_ENFORCEMENT_LOCAL = "law_enforcement_local"
    LAW_ENFORCEMENT_STATE = "law_enforcement_state"
    LAW_ENFORCEMENT_FEDERAL = "law_enforcement_federal"
    PROSECUTION = "prosecution"
    VICTIM_SERVICES = "victim_services"
    LEGAL_SERVICES = "legal_services"
    CHILD_PROTECTION = "child_protection"
    HEALTH = "health"
    INTERPRETER = "interpreter"
    OTHER = "other"


class FieldClass(enum.StrEnum):
    """Data protection classes of DESIGN.md section 4."""

    CASE_BASIC = "case-basic"
    LE_SENSITIVE = "le-sensitive"
    VSP_CONFIDENTIAL = "vsp-confidential"
    IMMIGRATION_1367 = "immigration-1367"
    NEVER_SHARED = "never-shared"
    #: A victim service provider's counseling and case-management notes: privileged, never
    #: released outside the producing provider (no release, no sharing rule), shown only to
    #: its advocates.
    PRIVILEGED = "vsp-privileged"


class Stage(enum.StrEnum):
    REFERRAL = "referral"
    INVESTIGATION = "investigation"
    PROSECUTION = "prosecution"
    CLOSED = "closed"


class Audience(enum.StrEnum):
    SERVING_PROVIDER = "serving_provider"
    VICTIM_SERVICES_COMMITTEE = "victim_services_committee"
    CASE_MEMBERS = "case_members"  # every member agency working the case


@dataclass(frozen=True)
class SharingRule:
    """Field class ``field_class`` produced by ``from_sectors`` passes to
    ``to_sectors`` (restricted to ``audience``) at ``stages``; ``categories``
    narrows it to named data categories; ``requires_consent`` demands a valid
    release naming the recipient."""

    id: str
    field_class: FieldClass
    from_sectors: frozenset[Sector]
    to_sectors: frozenset[Sector]
    stages: frozenset[Stage]
    audience: Audience = Audience.CASE_MEMBERS
    categories: frozenset[str] = frozenset()  # empty = every category of the class
    requires_consent: bool = False
    authorized_only: bool = False  # immigration-1367: only specially authorized users
    note: str = ""
    span: SourceSpan = field(default_factory=SourceSpan, compare=False)


#: Events a deadline can be anchored to (the case timeline records them).
ANCHOR_EVENTS: tuple[str, ...] = (
    "intake",
    "victim_identified",
    "recovery",
    "referral_sent",
    "referral_accepted",
    "interview_scheduled",
    "proceeding_scheduled",
    "operation_planned",
    "operation_start",
    "operation_end",
    "charges_filed",
    "prosecution",
    "case_closed",
)

#: Anchors that happen to one potential victim: their deadlines make a task for each victim.
VICTIM_ANCHORS: frozenset[str] = frozenset({"victim_identified", "recovery"})


@dataclass(frozen=True)
class Deadline:
    """An SLA: when ``when`` holds (a decision output or facts), a task for
    ``owner`` is due ``within`` after (or ``before``) the ``anchor`` event."""

    id: str
    task: str
    owner_sector: Sector | None
    owner_role: str
    anchor: str  # e.g. "intake", "referral", "operation_start", "operation_end"
    offset_minutes: int  # positive: after the anchor; negative: before it
    when: Mapping[str, Condition] = field(default_factory=dict)  # factor conditions
    when_output: Mapping[str, Scalar] = field(default_factory=dict)  # "decision.output" -> value
    owner_organization: str | None = None
    requires_training: tuple[str, ...] = ()
    #: A decision whose every answer row makes a task of its own (one call per agency named).
    for_each: str | None = None
    span: SourceSpan = field(default_factory=SourceSpan, compare=False)
    #: The class of what the task's title says: a Continued Presence request is
    #: immigration-1367, so only users who may see that class learn of it.
    field_class: FieldClass = FieldClass.CASE_BASIC

    def references(self) -> frozenset[str]:
        """Decision ids this deadline reads (conditions, ``for_each``, ``{decision.output}``)."""
        found = {key.partition(".")[0] for key in self.when_output}
        if self.for_each:
            found.add(self.for_each)
        found.update(ref.partition(".")[0] for ref in title_placeholders(self.task) if "." in ref)
        return frozenset(found)


def title_placeholders(text: str) -> tuple[str, ...]:
    """The ``{victim}`` and ``{decision.output}`` placeholders of a task title, in order."""
    names: list[str] = []
    for piece in text.split("{")[1:]:
        name, closed, _ = piece.partition("}")
        if closed and name and name not in names:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class Responsibility:
    sector: Sector
    summary: str  # the basics other sectors must know
    duties: tuple[str, ...]
    contacts: tuple[str, ...] = ()  # organization ids


@dataclass(frozen=True)
class EscalationLevel:
    level: int
    name: str
    decided_by: str  # committee id or role
    time_limit_hours: int


@dataclass(frozen=True)
class TrainingRequirement:
    id: str
    course: str
    roles: frozenset[str]
    renew_months: int | None = None
    gates: tuple[str, ...] = ()  # what lapses without it, e.g. "cji_access"


@dataclass(frozen=True)
class Guideline:
    id: str
    title: str
    sector: Sector | None
    text: str


@dataclass(frozen=True)
class DirectoryReference:
    """An organization or service the protocol names, with what it must be able to do."""

    id: str
    kind: str  # "organization" | "service"
    name: str
    organization: str | None = None  # for services: owning organization id


@dataclass(frozen=True)
class Protocol:
    id: str
    title: str
    version: str
    task_force: str
    factors: Mapping[str, Factor]
    decisions: Mapping[str, Decision]
    directory: Mapping[str, DirectoryReference] = field(default_factory=dict)
    responsibilities: tuple[Responsibility, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    sharing: tuple[SharingRule, ...] = ()
    escalation: tuple[EscalationLevel, ...] = ()
    training: tuple[TrainingRequirement, ...] = ()
    guidelines: tuple[Guideline, ...] = ()
    committees: Mapping[str, str] = field(default_factory=dict)  # id -> name
    source: str = field(default="<string>", compare=False)  # file it was loaded from
    description: str = ""

    def victim_factors(self) -> Mapping[str, str]:
        """factor id -> the victim attribute it is bound to."""
        return {
            factor_id: factor.victim_attribute
            for factor_id, factor in self.factors.items()
            if factor.victim_attribute
        }

    def deadline_per_victim(self, deadline: Deadline) -> bool:
        """A deadline makes a task for each potential victim when it is anchored on something
        that happens to a victim, or reads a victim's facts or a per-victim answer."""
        if deadline.anchor in VICTIM_ANCHORS:
            return True
        if any(self.factors[f].victim_attribute for f in deadline.when if f in self.factors):
            return True
        return any(
            self.decisions[d].per_victim for d in deadline.references() if d in self.decisions
        )
