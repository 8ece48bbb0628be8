"""Read a protocol YAML file into the frozen model, reporting every mistake.

The YAML is composed (not constructed) with ruamel.yaml so every key, value
and list item keeps its line and column; nothing in the file is executed and
no Python object is ever built from a tag. The loader never stops at the first
problem: it collects :class:`LoadIssue` objects and raises one
:class:`LoadError` listing all of them, sorted by position.

``parse_condition`` (DMN simple unary tests against a factor's domain) lives
here too because the DMN importer shares it.
"""

from __future__ import annotations

import functools
import io
import math
import pathlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from accord.core.errors import LoadError, LoadIssue
from accord.core.limits import InputLimits, too_deep_message, too_large_message
from accord.core.model import (
    ANCHOR_EVENTS,
    ANY,
    CASE_VICTIM_AGGREGATES,
    COMMON_QUESTIONS,
    UNKNOWN,
    VICTIM_ATTRIBUTES,
    Aggregation,
    Audience,
    Condition,
    Deadline,
    Decision,
    DirectoryReference,
    Domain,
    EscalationLevel,
    Factor,
    FactorKind,
    FieldClass,
    Guideline,
    HitPolicy,
    Interval,
    Number,
    OutputDef,
    OutputKind,
    Protocol,
    Responsibility,
    Rule,
    Scalar,
    Sector,
    SharingRule,
    SourceSpan,
    Stage,
    TrainingRequirement,
    title_placeholders,
)

NEG_INF = Decimal("-Infinity")
POS_INF = Decimal("Infinity")

# --------------------------------------------------------------------------
# Simple unary tests (DMN) against a domain
# --------------------------------------------------------------------------


class ConditionProblem(ValueError):
    """A condition cell cannot be read against its factor's domain."""

    def __init__(self, message: str, *, expected: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


_NUMBER = r"-?\d+(?:\.\d+)?"
_COMPARISON = re.compile(rf"^(<=|>=|<|>|=|!=)?\s*({_NUMBER})$")
_RANGE = re.compile(rf"^([\[\(\]])\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*([\]\)\[])$")
CONDITION_SYNTAX = (
    '"-" (any), a value, "a, b" (one of), "not(a, b)", "< n", "<= n", "> n", ">= n", '
    '"[a..b]" / "(a..b)" / "[a..b)" ranges'
)


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside quotes or brackets."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "[(":
            depth += 1
        elif not quoted and char in "])" and depth > 0:
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def domain_bounds(domain: Domain) -> tuple[Decimal, Decimal]:
    low = NEG_INF if domain.minimum is None else Decimal(domain.minimum)
    high = POS_INF if domain.maximum is None else Decimal(domain.maximum)
    return low, high


def _normalise_integer(interval: Interval) -> Interval | None:
    """Closed integer bounds (infinite bounds stay open); None when empty."""
    low: Number
    high: Number
    low_open = high_open = False
    if Decimal(interval.low).is_infinite():
        low, low_open = NEG_INF, True
    else:
        value = Decimal(interval.low)
        low = math.floor(value) + 1 if interval.low_open else math.ceil(value)
    if Decimal(interval.high).is_infinite():
        high, high_open = POS_INF, True
    else:
        value = Decimal(interval.high)
        high = math.ceil(value) - 1 if interval.high_open else math.floor(value)
    if low > high:
        return None
    return Interval(low, high, low_open, high_open)


def _is_empty(interval: Interval) -> bool:
    if interval.low > interval.high:
        return True
    return interval.low == interval.high and (interval.low_open or interval.high_open)


def _merge(intervals: Iterable[Interval], *, integer: bool) -> tuple[Interval, ...]:
    """Sorted, disjoint, maximal intervals covering the same values."""
    ordered = sorted(intervals, key=lambda i: (i.low, i.low_open))
    merged: list[Interval] = []
    for interval in ordered:
        if merged:
            last = merged[-1]
            touches = interval.low < last.high or (
                interval.low == last.high and not (last.high_open and interval.low_open)
            )
            if integer and not touches:
                touches = (
                    not Decimal(last.high).is_infinite()
                    and not Decimal(interval.low).is_infinite()
                    and interval.low == last.high + 1
                )
            if touches:
                if interval.high > last.high or (
                    interval.high == last.high and last.high_open and not interval.high_open
                ):
                    merged[-1] = Interval(
                        last.low, interval.high, last.low_open, interval.high_open
                    )
                continue
        merged.append(interval)
    return tuple(merged)


def _intersect(
    interval: Interval,
    low: Decimal,
    high: Decimal,
    *,
    domain_low_open: bool = False,
    domain_high_open: bool = False,
) -> Interval | None:
    new_low, low_open = interval.low, interval.low_open
    if low > new_low or (low == new_low and domain_low_open):
        new_low, low_open = low, low.is_infinite() or domain_low_open
    new_high, high_open = interval.high, interval.high_open
    if high < new_high or (high == new_high and domain_high_open):
        new_high, high_open = high, high.is_infinite() or domain_high_open
    result = Interval(new_low, new_high, low_open, high_open)
    return None if _is_empty(result) else result


def _complement(
    intervals: tuple[Interval, ...],
    low: Decimal,
    high: Decimal,
    *,
    integer: bool,
    low_open: bool = False,
    high_open: bool = False,
) -> tuple[Interval, ...]:
    """The domain minus ``intervals`` (which are sorted, disjoint, inside it)."""
    result: list[Interval] = []
    cursor: Number = low
    cursor_open = low.is_infinite() or low_open
    for interval in intervals:
        if integer:
            piece = Interval(cursor, interval.low, cursor_open, True)
        else:
            piece = Interval(cursor, interval.low, cursor_open, not interval.low_open)
        if not _is_empty(piece):
            result.append(piece)
        cursor, cursor_open = interval.high, not interval.high_open
    tail = Interval(cursor, high, cursor_open, high.is_infinite() or high_open)
    if not _is_empty(tail):
        result.append(tail)
    if integer:
        cleaned = [_normalise_integer(i) for i in result]
        return tuple(i for i in cleaned if i is not None)
    return tuple(result)


def _as_number(text: str, domain: Domain) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise ConditionProblem(
            f"{text!r} is not a number", expected="a number or a range"
        ) from error
    return value


def _numeric_region(text: str, domain: Domain) -> tuple[Interval, ...]:
    integer = domain.kind is FactorKind.INTEGER
    low, high = domain_bounds(domain)
    pieces: list[Interval] = []
    for item in _split_top_level(text):
        if not item:
            raise ConditionProblem("empty test in a list", expected=CONDITION_SYNTAX)
        comparison = _COMPARISON.match(item)
        range_match = _RANGE.match(item)
        if comparison:
            operator, number_text = comparison.groups()
            number = _as_number(number_text, domain)
            if operator in (None, "="):
                pieces.append(Interval(number, number))
            elif operator == "!=":
                pieces.extend(
                    [Interval(NEG_INF, number, True, True), Interval(number, POS_INF, True, True)]
                )
            elif operator == "<":
                pieces.append(Interval(NEG_INF, number, True, True))
            elif operator == "<=":
                pieces.append(Interval(NEG_INF, number, True, False))
            elif operator == ">":
                pieces.append(Interval(number, POS_INF, True, True))
            else:
                pieces.append(Interval(number, POS_INF, False, True))
        elif range_match:
            start, low_text, high_text, end = range_match.groups()
            range_low = _as_number(low_text, domain)
            range_high = _as_number(high_text, domain)
            low_open = start != "["
            high_open = end != "]"
            if range_low > range_high:
                raise ConditionProblem(
                    f"inverted range {item!r}: {range_low} is above {range_high}",
                    expected="a range whose lower end is not above its upper end",
                )
            candidate = Interval(range_low, range_high, low_open, high_open)
            if _is_empty(candidate) or (integer and _normalise_integer(candidate) is None):
                raise ConditionProblem(
                    f"empty range {item!r}: no value lies inside it",
                    expected="a range containing at least one value",
                )
            pieces.append(candidate)
        else:
            raise ConditionProblem(
                f"cannot read {item!r} as a numeric test", expected=CONDITION_SYNTAX
            )
    clamped: list[Interval] = []
    for piece in pieces:
        inside = _intersect(
            piece,
            low,
            high,
            domain_low_open=domain.minimum_open,
            domain_high_open=domain.maximum_open,
        )
        if inside is not None and integer:
            inside = _normalise_integer(inside)
        if inside is None:
            raise ConditionProblem(
                f"{text!r} lies outside the domain {_describe_domain(domain)}",
                expected=f"values within {_describe_domain(domain)}",
            )
        clamped.append(inside)
    return _merge(clamped, integer=integer)


def _describe_domain(domain: Domain) -> str:
    if domain.is_numeric:
        return f"{domain.describe_bounds()} ({domain.kind.value})"
    return "one of: " + ", ".join(_format_scalar(v) for v in domain.values)


def _format_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value_region(text: str, domain: Domain) -> frozenset[Scalar]:
    values: set[Scalar] = set()
    for item in _split_top_level(text):
        if not item:
            raise ConditionProblem("empty test in a list", expected=CONDITION_SYNTAX)
        if domain.kind is FactorKind.BOOLEAN:
            lowered = item.lower()
            if lowered not in ("true", "false"):
                raise ConditionProblem(f"{item!r} is not a boolean", expected="true, false or -")
            values.add(lowered == "true")
            continue
        value = _unquote(item)
        if value == UNKNOWN:
            raise ConditionProblem(
                "rules never test for 'unknown': an unknown fact is handled by evaluation",
                expected=_describe_domain(domain),
            )
        if value not in domain.values:
            raise ConditionProblem(
                f"value {value!r} is outside the domain", expected=_describe_domain(domain)
            )
        values.add(value)
    return frozenset(values)


def parse_condition(text: str, domain: Domain) -> Condition:
    """Read one DMN simple unary test (``text``) over ``domain``.

    Raises :class:`ConditionProblem` naming what is wrong and what was expected.
    Conditions are immutable and a pure function of (text, domain), so the ones read
    recently are remembered: a 200-rule table saved from the guided editor is read
    again cell by cell, and all but the edited cells were read before.
    """
    return _parse_condition_cached(text, domain)


@functools.lru_cache(maxsize=8192)
def _parse_condition_cached(text: str, domain: Domain) -> Condition:
    stripped = text.strip()
    if stripped == "-":
        return ANY
    if not stripped:
        raise ConditionProblem("empty condition", expected=CONDITION_SYNTAX)
    negated = False
    inner = stripped
    if stripped.startswith("not(") and stripped.endswith(")"):
        negated = True
        inner = stripped[4:-1].strip()
        if not inner:
            raise ConditionProblem("empty not()", expected=CONDITION_SYNTAX)
    if domain.is_numeric:
        intervals = _numeric_region(inner, domain)
        if negated:
            low, high = domain_bounds(domain)
            intervals = _complement(
                intervals,
                low,
                high,
                integer=domain.kind is FactorKind.INTEGER,
                low_open=domain.minimum_open,
                high_open=domain.maximum_open,
            )
        return Condition(text=stripped, intervals=intervals)
    values = _value_region(inner, domain)
    if negated:
        values = frozenset(domain.values) - values
    return Condition(text=stripped, values=values)


# --------------------------------------------------------------------------
# Located YAML values
# --------------------------------------------------------------------------


@dataclass
class Located:
    """A YAML value with the position it was written at (0-based internally)."""

    value: Any  # dict[str, Located] | list[Located] | scalar
    line: int
    column: int
    tag: str = ""
    keys: dict[str, Located] = field(default_factory=dict)  # mapping key nodes

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not (self.is_mapping or self.is_sequence)


_YAML_TAG = "tag:yaml.org,2002:"


def _tag_name(node: Node) -> str:
    tag = node.tag
    text = str(getattr(tag, "value", tag) or "")
    return text[len(_YAML_TAG) :] if text.startswith(_YAML_TAG) else text


def _scalar_value(node: ScalarNode) -> Any:
    tag = _tag_name(node)
    # ruamel's round-trip composer marks the fold points of ">" scalars with BEL
    text = node.value.replace("\a", "") if node.style == ">" else node.value
    if tag == "null":
        return None
    if tag == "bool":
        return text.lower() == "true"
    if tag == "int":
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if tag == "float":
        try:
            return Decimal(text.replace("_", ""))
        except InvalidOperation:
            return text
    return text


# --------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s*$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}

HIT_POLICY_ALIASES: Mapping[str, tuple[HitPolicy, Aggregation | None]] = {
    "U": (HitPolicy.UNIQUE, None),
    "A": (HitPolicy.ANY, None),
    "P": (HitPolicy.PRIORITY, None),
    "F": (HitPolicy.FIRST, None),
    "R": (HitPolicy.RULE_ORDER, None),
    "O": (HitPolicy.OUTPUT_ORDER, None),
    "C": (HitPolicy.COLLECT, None),
    "C+": (HitPolicy.COLLECT, Aggregation.SUM),
    "C<": (HitPolicy.COLLECT, Aggregation.MIN),
    "C>": (HitPolicy.COLLECT, Aggregation.MAX),
    "C#": (HitPolicy.COLLECT, Aggregation.COUNT),
}
HIT_POLICY_NAMES = (
    "UNIQUE, ANY, PRIORITY, FIRST, RULE ORDER, OUTPUT ORDER, COLLECT, "
    "COLLECT SUM, COLLECT MIN, COLLECT MAX, COLLECT COUNT (or U, A, P, F, R, O, C, C+, C<, C>, C#)"
)

TOP_LEVEL_KEYS = (
    "accord",
    "id",
    "title",
    "version",
    "task_force",
    "description",
    "directory",
    "committees",
    "factors",
    "decisions",
    "responsibilities",
    "deadlines",
    "sharing",
    "escalation",
    "training",
    "guidelines",
)

#: Sectors that may receive immigration-1367 records, and then only for
#: specially authorized users (``authorized_only: true``).
IMMIGRATION_1367_SECTORS = frozenset(
    {Sector.LAW_ENFORCEMENT_FEDERAL, Sector.PROSECUTION, Sector.LEGAL_SERVICES}
)


def parse_hit_policy(text: str) -> tuple[HitPolicy, Aggregation | None] | None:
    """``"COLLECT SUM"``, ``"C+"``, ``"RULE ORDER"``... or None when unknown."""
    normalised = " ".join(str(text).replace("_", " ").split()).upper()
    if normalised in HIT_POLICY_ALIASES:
        return HIT_POLICY_ALIASES[normalised]
    for policy in HitPolicy:
        if normalised == policy.value:
            return policy, None
    if normalised.startswith("COLLECT "):
        rest = normalised.removeprefix("COLLECT ").strip()
        for aggregation in Aggregation:
            if rest == aggregation.value:
                return HitPolicy.COLLECT, aggregation
    return None


def parse_duration_minutes(text: str) -> int | None:
    match = _DURATION.match(str(text))
    if not match:
        return None
    amount, unit = match.groups()
    return int(amount) * _UNIT_MINUTES[unit[0]]


#: The only tags a protocol file may carry: YAML's own core schema. Any other
#: (``!!python/name:...``, ``!!binary``, a local ``!thing``) is refused, never
#: read as text: a file that asks for a Python object is not a protocol.
SAFE_TAGS = frozenset(
    f"{_YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
SAFE_TAG_NAMES = "!!str, !!int, !!float, !!bool, !!null, !!seq, !!map"


class _RefusedTag(YAMLError):
    def __init__(self, tag: str, mark: Any) -> None:
        super().__init__(tag)
        self.tag = tag
        self.mark = mark


class _TooDeep(YAMLError):
    def __init__(self, mark: Any) -> None:
        super().__init__("too deep")
        self.mark = mark


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


class _GuardedComposer(Composer):
    """ruamel's composer, refusing every explicit tag outside :data:`SAFE_TAGS`
    and every list or mapping nested deeper than ``limit_depth``.

    Both are checked before a node is composed, so the composer's recursion
    (two frames a level) stops long before Python's recursion limit.
    """

    limit_depth = 64
    containers = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            return super().compose_node(parent, index)
        event = self.parser.peek_event()
        tag = getattr(event, "ctag", None)
        text = str(getattr(tag, "value", tag) or "") if tag is not None else ""
        if text and text != "!" and text not in SAFE_TAGS:
            raise _RefusedTag(text, event.start_mark)
        if not isinstance(event, MappingStartEvent | SequenceStartEvent):
            return super().compose_node(parent, index)
        self.containers += 1
        if self.containers > self.limit_depth:
            raise _TooDeep(event.start_mark)
        node = super().compose_node(parent, index)
        self.containers -= 1
        return node


class _Loader:
    def __init__(self, filename: str, *, limits: InputLimits | None = None) -> None:
        self.file = filename
        self.limits = limits or InputLimits.from_environ()
        self.issues: list[LoadIssue] = []
        self._memo: dict[int, Located] = {}
        self.require_common_questions = True

    # -- reporting -------------------------------------------------------
    def issue(self, where: Located | None, message: str, *, expected: str = "") -> None:
        line = where.line + 1 if where is not None else 1
        column = where.column + 1 if where is not None else 1
        self.issues.append(LoadIssue(self.file, line, column, message, expected))

    def span(self, where: Located) -> SourceSpan:
        return SourceSpan(self.file, where.line + 1, where.column + 1)

    # -- YAML ------------------------------------------------------------
    def compose(self, text: str) -> Located | None:
        # "safe" composes a third faster than round-trip (no comment gathering)
        yaml = YAML(typ="safe", pure=True)
        depth = self.limits.max_depth

        class DepthLimitedComposer(_GuardedComposer):
            limit_depth = depth

        yaml.Composer = DepthLimitedComposer
        try:
            node = yaml.compose(io.StringIO(text))
        except _TooDeep as error:
            mark = error.mark
            self.issues.append(
                LoadIssue(
                    self.file,
                    mark.line + 1 if mark else 1,
                    mark.column + 1 if mark else 1,
                    too_deep_message(self.limits.max_depth),
                    f"at most {self.limits.max_depth} levels of lists and mappings",
                )
            )
            return None
        except _RefusedTag as error:
            mark = error.mark
            self.issues.append(
                LoadIssue(
                    self.file,
                    mark.line + 1 if mark else 1,
                    mark.column + 1 if mark else 1,
                    f"the YAML tag {_shown_tag(error.tag)} is refused",
                    f"plain values (tags allowed: {SAFE_TAG_NAMES})",
                )
            )
            return None
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else 1
            column = mark.column + 1 if mark else 1
            problem = error.problem or "malformed YAML"
            context = f" {error.context}" if error.context else ""
            self.issues.append(
                LoadIssue(
                    self.file,
                    line,
                    column,
                    f"malformed YAML: {problem}{context}",
                    'well-formed YAML (quote ranges such as "[16..18)")',
                )
            )
            return None
        except YAMLError as error:
            self.issues.append(
                LoadIssue(self.file, 1, 1, f"malformed YAML: {error}", "well-formed YAML")
            )
            return None
        if node is None:
            self.issues.append(LoadIssue(self.file, 1, 1, "the file is empty", "a protocol"))
            return None
        return self.convert(node)

    def convert(self, node: Node) -> Located:
        memo = self._memo.get(id(node))
        if memo is not None:
            return memo
        mark = node.start_mark
        located = Located(None, mark.line, mark.column, _tag_name(node))
        self._memo[id(node)] = located
        if isinstance(node, MappingNode):
            mapping: dict[str, Located] = {}
            for key_node, value_node in node.value:
                key = self.convert(key_node)
                if not key.is_scalar or key.value is None:
                    self.issue(key, "a mapping key must be a plain name", expected="a name")
                    continue
                name = _format_scalar(key.value)
                if name in mapping:
                    first = located.keys[name]
                    self.issue(
                        key,
                        f"duplicate key {name!r} (first at line {first.line + 1})",
                        expected="each id once",
                    )
                    continue
                mapping[name] = self.convert(value_node)
                located.keys[name] = key
            located.value = mapping
        elif isinstance(node, SequenceNode):
            located.value = [self.convert(item) for item in node.value]
        else:
            located.value = _scalar_value(node)  # type: ignore[arg-type]  # ScalarNode
        return located

    # -- typed accessors -------------------------------------------------
    def mapping(self, where: Located | None, what: str) -> dict[str, Located]:
        if where is None or where.value is None:
            return {}
        if not where.is_mapping:
            self.issue(where, f"{what} must be a mapping", expected="key: value lines")
            return {}
        return where.value  # type: ignore[no-any-return]

    def sequence(self, where: Located | None, what: str) -> list[Located]:
        if where is None or where.value is None:
            return []
        if not where.is_sequence:
            self.issue(where, f"{what} must be a list", expected="a list of items")
            return []
        return where.value  # type: ignore[no-any-return]

    def text(
        self,
        where: Located | None,
        what: str,
        *,
        required: bool = False,
        parent: Located | None = None,
    ) -> str:
        if where is None or where.value is None:
            if required:
                self.issue(parent, f"{what} is missing", expected=f"{what}")
            return ""
        if not where.is_scalar:
            self.issue(where, f"{what} must be text", expected="text")
            return ""
        return _format_scalar(where.value)

    def names(self, where: Located | None, what: str) -> list[tuple[str, Located]]:
        """A name or a list of names."""
        if where is None or where.value is None:
            return []
        if where.is_scalar:
            return [(_format_scalar(where.value), where)]
        result = []
        for item in self.sequence(where, what):
            if item.is_scalar and item.value is not None:
                result.append((_format_scalar(item.value), item))
            else:
                self.issue(item, f"{what} must list names", expected="a name")
        return result

    def boolean(self, where: Located | None, what: str) -> bool:
        if where is None or where.value is None:
            return False
        if isinstance(where.value, bool):
            return where.value
        self.issue(where, f"{what} must be true or false", expected="true or false")
        return False

    def integer(self, where: Located | None, what: str) -> int | None:
        if where is None or where.value is None:
            return None
        if isinstance(where.value, int) and not isinstance(where.value, bool):
            return where.value
        self.issue(where, f"{what} must be a whole number", expected="an integer")
        return None

    def choice(self, where: Located, enum_type: Any, what: str) -> Any:
        text = self.text(where, what)
        try:
            return enum_type(text)
        except ValueError:
            self.issue(
                where,
                f"unknown {what} {text!r}",
                expected="one of: " + ", ".join(member.value for member in enum_type),
            )
            return None

    def check_keys(self, where: Located, allowed: Iterable[str], what: str) -> None:
        allowed_set = tuple(allowed)
        for key, key_node in where.keys.items():
            if key not in allowed_set:
                self.issue(
                    key_node,
                    f"unknown key {key!r} in {what}",
                    expected="one of: " + ", ".join(allowed_set),
                )

    # -- the protocol ----------------------------------------------------
    def protocol(self, root: Located) -> Protocol | None:
        if not root.is_mapping:
            self.issue(
                root,
                "a protocol file must be a mapping",
                expected="id:, title:, factors:, decisions: ...",
            )
            return None
        self.check_keys(root, TOP_LEVEL_KEYS, "the protocol")
        top = root.value
        protocol_id = self.text(top.get("id"), "id", required=True, parent=root)
        title = self.text(top.get("title"), "title", required=True, parent=root)
        version = self.text(top.get("version"), "version")
        task_force = self.text(top.get("task_force"), "task_force")

        directory = self.directory(top.get("directory"))
        committees = self.committees(top.get("committees"), directory)
        factors = self.factors(top.get("factors"))
        decisions = self.decisions(top.get("decisions"), factors, directory)
        decisions_node = top.get("decisions")
        for common_id, question in COMMON_QUESTIONS.items():
            if not self.require_common_questions:
                break
            if common_id not in decisions and not (
                decisions_node is not None and common_id in decisions_node.keys
            ):
                where = root.keys.get("decisions") if decisions_node is not None else root
                self.issue(
                    where,
                    f"missing common question {common_id!r} ({question})",
                    expected=f"a decision with id {common_id!r} (each of the eight common questions is required)",
                )
        training = self.training(top.get("training"))
        responsibilities = self.responsibilities(top.get("responsibilities"), directory)
        deadlines = self.deadlines(top.get("deadlines"), factors, decisions, directory, training)
        sharing = self.sharing(top.get("sharing"))
        escalation = self.escalation(top.get("escalation"))
        guidelines = self.guidelines(top.get("guidelines"))
        return Protocol(
            id=protocol_id,
            title=title,
            version=version,
            task_force=task_force,
            factors=factors,
            decisions=decisions,
            directory=directory,
            responsibilities=responsibilities,
            deadlines=deadlines,
            sharing=sharing,
            escalation=escalation,
            training=tuple(training.values()),
            guidelines=guidelines,
            committees=committees,
            source=self.file,
            description=self.text(top.get("description"), "description").strip(),
        )

    def directory(self, where: Located | None) -> dict[str, DirectoryReference]:
        section = self.mapping(where, "directory")
        if where is not None and where.is_mapping:
            self.check_keys(where, ("organizations", "services"), "directory")
        result: dict[str, DirectoryReference] = {}
        for org_id, node in self.mapping(
            section.get("organizations"), "directory organizations"
        ).items():
            name = node.value.get("name") if node.is_mapping else node
            result[org_id] = DirectoryReference(org_id, "organization", self.text(name, "name"))
        services_node = section.get("services")
        for service_id, node in self.mapping(services_node, "directory services").items():
            if service_id in result:
                self.issue(
                    services_node.keys[service_id] if services_node else node,
                    f"duplicate directory id {service_id!r}",
                    expected="organization and service ids to differ",
                )
                continue
            if node.is_mapping:
                self.check_keys(node, ("name", "organization"), f"service {service_id!r}")
                owner_node = node.value.get("organization")
                owner = self.text(owner_node, "organization") or None
                if owner is not None and result.get(owner) is None:
                    self.issue(
                        owner_node,
                        f"service {service_id!r} belongs to undeclared organization {owner!r}",
                        expected="an id under directory.organizations",
                    )
                name = self.text(node.value.get("name"), "name")
            else:
                owner, name = None, self.text(node, "name")
            result[service_id] = DirectoryReference(service_id, "service", name, owner)
        return result

    def committees(
        self, where: Located | None, directory: Mapping[str, DirectoryReference]
    ) -> dict[str, str]:
        result: dict[str, str] = {}
        for committee_id, node in self.mapping(where, "committees").items():
            if node.is_mapping:
                self.check_keys(node, ("name", "members"), f"committee {committee_id!r}")
                for member, member_node in self.names(node.value.get("members"), "members"):
                    self.require_reference(member_node, member, directory, kind="organization")
                result[committee_id] = self.text(node.value.get("name"), "name") or committee_id
            else:
                result[committee_id] = self.text(node, "name") or committee_id
        return result

    def require_reference(
        self,
        where: Located,
        reference: str,
        directory: Mapping[str, DirectoryReference],
        *,
        kind: str,
    ) -> None:
        entry = directory.get(reference)
        if entry is None or entry.kind != kind:
            declared = sorted(k for k, v in directory.items() if v.kind == kind)
            self.issue(
                where,
                f"{kind} {reference!r} is not declared in the directory",
                expected=f"an id under directory.{kind}s"
                + (
                    f" ({', '.join(declared[:12])}{', ...' if len(declared) > 12 else ''})"
                    if declared
                    else ""
                ),
            )

    # -- factors ---------------------------------------------------------
    def factors(self, where: Located | None) -> dict[str, Factor]:
        if where is None:
            self.issue(None, "the protocol declares no factors", expected="a factors: section")
        result: dict[str, Factor] = {}
        for factor_id, node in self.mapping(where, "factors").items():
            factor = self.factor(factor_id, node)
            if factor is not None:
                result[factor_id] = factor
        return result

    def factor(self, factor_id: str, node: Located) -> Factor | None:
        if node.is_sequence:  # shorthand: a list of enumeration values
            spec: dict[str, Located] = {"values": node}
            kind_text = "enum"
        elif node.is_scalar and node.value in ("boolean", "integer", "decimal"):
            spec, kind_text = {}, str(node.value)
        elif node.is_mapping:
            self.check_keys(
                node,
                (
                    "type",
                    "values",
                    "min",
                    "max",
                    "min_exclusive",
                    "max_exclusive",
                    "label",
                    "description",
                    "victim",
                    "victims",
                ),
                f"factor {factor_id!r}",
            )
            spec = node.value
            kind_text = self.text(spec.get("type"), "type") or ("enum" if "values" in spec else "")
        else:
            self.issue(
                node,
                f"factor {factor_id!r} needs a type",
                expected="{type: enum, values: [...]}, {type: integer, min: n, max: n}, "
                "{type: decimal, ...} or boolean",
            )
            return None
        try:
            kind = FactorKind(kind_text)
        except ValueError:
            self.issue(
                spec.get("type", node),
                f"unknown factor type {kind_text!r} for {factor_id!r}",
                expected="enum, integer, decimal or boolean",
            )
            return None
        domain: Domain
        if kind is FactorKind.ENUM:
            values: list[str] = []
            values_node = spec.get("values")
            for item in self.sequence(values_node, f"values of {factor_id!r}"):
                text = self.text(item, "value")
                if text == UNKNOWN:
                    self.issue(
                        item,
                        "'unknown' is reserved: every factor may be unknown without declaring it",
                        expected="the known values only",
                    )
                elif text in values:
                    self.issue(
                        item,
                        f"duplicate value {text!r} in factor {factor_id!r}",
                        expected="each value once",
                    )
                elif text:
                    values.append(text)
            if not values:
                self.issue(
                    values_node or node,
                    f"enumeration factor {factor_id!r} has no values",
                    expected="a non-empty list of values",
                )
                return None
            domain = Domain(kind, tuple(values))
        elif kind is FactorKind.BOOLEAN:
            domain = Domain(kind, (False, True))
        else:
            minimum = self.bound(spec.get("min"), kind, "min")
            maximum = self.bound(spec.get("max"), kind, "max")
            min_open = self.exclusive(spec, "min", minimum, kind)
            max_open = self.exclusive(spec, "max", maximum, kind)
            if kind is FactorKind.INTEGER:  # integers keep closed bounds: > 0 is >= 1
                if min_open and minimum is not None:
                    minimum, min_open = int(minimum) + 1, False
                if max_open and maximum is not None:
                    maximum, max_open = int(maximum) - 1, False
            low = NEG_INF if minimum is None else Decimal(minimum)
            high = POS_INF if maximum is None else Decimal(maximum)
            if low > high or (low == high and (min_open or max_open)):
                self.issue(
                    spec.get("min", node),
                    f"inverted range for {factor_id!r}: min {minimum} is above max {maximum}"
                    if low > high
                    else f"empty range for {factor_id!r}: min and max are both {minimum} "
                    "and one of them is exclusive",
                    expected="min <= max (min < max when a bound is exclusive)",
                )
                return None
            domain = Domain(
                kind,
                minimum=NEG_INF if minimum is None else minimum,
                maximum=POS_INF if maximum is None else maximum,
                minimum_open=min_open,
                maximum_open=max_open,
            )
        attribute = self.victim_attribute(factor_id, spec.get("victim"), kind)
        aggregate = self.victims_aggregate(factor_id, spec.get("victims"), kind)
        return Factor(
            id=factor_id,
            domain=domain,
            label=self.text(spec.get("label"), "label"),
            description=self.text(spec.get("description"), "description"),
            victim_attribute=attribute,
            victims_aggregate=aggregate,
            span=self.span(node),
        )

    def victims_aggregate(
        self, factor_id: str, where: Located | None, kind: FactorKind
    ) -> str | None:
        """``victims: count``: the case fact is at least the number of victims recorded."""
        if where is None or where.value is None:
            return None
        name = self.text(where, "victims")
        allowed = CASE_VICTIM_AGGREGATES.get(name)
        if allowed is None or kind not in allowed:
            self.issue(
                where,
                f"factor {factor_id!r} cannot be counted from the victims as {name!r}",
                expected="victims: count on an integer factor",
            )
            return None
        return name

    def victim_attribute(
        self, factor_id: str, where: Located | None, kind: FactorKind
    ) -> str | None:
        """``victim: age``: the factor is read from each potential victim's own record."""
        if where is None or where.value is None:
            return None
        name = self.text(where, "victim")
        if name not in VICTIM_ATTRIBUTES:
            self.issue(
                where,
                f"unknown victim attribute {name!r} for factor {factor_id!r}",
                expected="one of: " + ", ".join(VICTIM_ATTRIBUTES),
            )
            return None
        if kind not in VICTIM_ATTRIBUTES[name]:
            kinds = " or ".join(sorted(k.value for k in VICTIM_ATTRIBUTES[name]))
            self.issue(
                where,
                f"factor {factor_id!r} is {kind.value}, but a victim's {name} is {kinds}",
                expected=f"type: {kinds}",
            )
            return None
        return name

    def exclusive(
        self, spec: Mapping[str, Located], what: str, bound: Number | None, kind: FactorKind
    ) -> bool:
        """``min_exclusive: true``: the bound itself is outside the domain (``(0..1]``)."""
        where = spec.get(f"{what}_exclusive")
        if where is None or where.value is None:
            return False
        if not isinstance(where.value, bool):
            self.issue(where, f"{what}_exclusive must be true or false", expected="true or false")
            return False
        if where.value and bound is None:
            self.issue(
                where, f"{what}_exclusive needs a {what} to exclude", expected=f"a {what} value"
            )
            return False
        return where.value

    def bound(self, where: Located | None, kind: FactorKind, what: str) -> Number | None:
        if where is None or where.value is None:
            return None
        value = where.value
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.issue(where, f"{what} must be a number", expected="a number")
            return None
        if kind is FactorKind.INTEGER:
            if isinstance(value, Decimal):
                if value != value.to_integral_value():
                    self.issue(
                        where, f"{what} of an integer factor must be whole", expected="an integer"
                    )
                    return None
                return int(value)
            return value
        return Decimal(value)

    # -- decisions -------------------------------------------------------
    def decisions(
        self,
        where: Located | None,
        factors: Mapping[str, Factor],
        directory: Mapping[str, DirectoryReference],
    ) -> dict[str, Decision]:
        if where is None:
            return {}
        result: dict[str, Decision] = {}
        for decision_id, node in self.mapping(where, "decisions").items():
            decision = self.decision(decision_id, node, factors, directory)
            if decision is not None:
                result[decision_id] = decision
        return result

    def decision(
        self,
        decision_id: str,
        node: Located,
        factors: Mapping[str, Factor],
        directory: Mapping[str, DirectoryReference],
    ) -> Decision | None:
        if not node.is_mapping:
            self.issue(
                node,
                f"decision {decision_id!r} must be a mapping",
                expected="question:, hit_policy:, outputs:, rules:",
            )
            return None
        self.check_keys(
            node,
            ("question", "hit_policy", "aggregation", "inputs", "outputs", "rules", "label", "for"),
            f"decision {decision_id!r}",
        )
        spec = node.value
        question = self.text(spec.get("question"), "question") or COMMON_QUESTIONS.get(
            decision_id, ""
        )
        hit_policy, aggregation = HitPolicy.UNIQUE, None
        policy_node = spec.get("hit_policy")
        if policy_node is not None:
            parsed = parse_hit_policy(self.text(policy_node, "hit_policy"))
            if parsed is None:
                self.issue(
                    policy_node,
                    f"unknown hit policy {policy_node.value!r}",
                    expected=HIT_POLICY_NAMES,
                )
            else:
                hit_policy, aggregation = parsed
        aggregation_node = spec.get("aggregation")
        if aggregation_node is not None and aggregation_node.value is not None:
            aggregation = self.choice(aggregation_node, Aggregation, "aggregation")
            if hit_policy is not HitPolicy.COLLECT:
                self.issue(
                    aggregation_node,
                    f"aggregation {aggregation_node.value!r} needs hit policy COLLECT",
                    expected="hit_policy: COLLECT",
                )

        # inputs
        inputs: list[str] = []
        inputs_node = spec.get("inputs")
        for name, name_node in self.names(inputs_node, "inputs"):
            if name not in factors:
                self.unknown_factor(name_node, name, factors)
            elif name in inputs:
                self.issue(name_node, f"duplicate input {name!r}", expected="each input once")
            else:
                inputs.append(name)

        # outputs
        outputs = self.outputs(decision_id, spec.get("outputs"), node, directory)
        ranked = hit_policy in (HitPolicy.PRIORITY, HitPolicy.OUTPUT_ORDER)
        if ranked and outputs and not any(output.values for output in outputs):
            self.issue(
                policy_node,
                f"hit policy {hit_policy.value} ranks by output values, but no output lists them",
                expected="values: [highest, ..., lowest] on an output",
            )
        numeric = aggregation in (Aggregation.SUM, Aggregation.MIN, Aggregation.MAX)
        if (
            numeric
            and aggregation is not None
            and (len(outputs) != 1 or outputs[0].kind is not OutputKind.NUMBER)
        ):
            self.issue(
                policy_node or aggregation_node,
                f"COLLECT {aggregation.value} needs exactly one output of type number",
                expected="one output with type: number",
            )

        # rules
        rules: list[Rule] = []
        seen_rule_ids: dict[str, Located] = {}
        rules_node = spec.get("rules")
        if rules_node is None:
            self.issue(node, f"decision {decision_id!r} has no rules", expected="rules: [...]")
        declared_inputs = inputs_node is not None
        for index, rule_node in enumerate(self.sequence(rules_node, "rules")):
            rule = self.rule(
                decision_id,
                index,
                rule_node,
                factors,
                inputs,
                declared_inputs=declared_inputs,
                outputs=outputs,
                directory=directory,
            )
            if rule is None:
                continue
            if rule.id in seen_rule_ids:
                self.issue(
                    rule_node.value.get("id", rule_node) if rule_node.is_mapping else rule_node,
                    f"duplicate rule id {rule.id!r} in decision {decision_id!r} "
                    f"(first at line {seen_rule_ids[rule.id].line + 1})",
                    expected="unique rule ids",
                )
                continue
            seen_rule_ids[rule.id] = rule_node
            rules.append(rule)
        return Decision(
            id=decision_id,
            question=question,
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            rules=tuple(rules),
            hit_policy=hit_policy,
            aggregation=aggregation,
            common_question=decision_id if decision_id in COMMON_QUESTIONS else None,
            per_victim=self.answered_for(decision_id, spec.get("for")),
            span=self.span(node),
        )

    def answered_for(self, decision_id: str, where: Located | None) -> bool:
        """``for: victim`` (each potential victim from her own facts) or ``for: case``."""
        if where is None or where.value is None:
            return False
        text = self.text(where, "for")
        if text not in ("victim", "case"):
            self.issue(
                where,
                f"decision {decision_id!r} is answered for {text!r}",
                expected="for: victim (each potential victim) or for: case (the whole case)",
            )
            return False
        return text == "victim"

    def unknown_factor(self, where: Located, name: str, factors: Mapping[str, Factor]) -> None:
        self.issue(
            where,
            f"unknown factor {name!r}",
            expected="a declared factor (" + ", ".join(factors) + ")"
            if factors
            else "a declared factor",
        )

    def outputs(
        self,
        decision_id: str,
        where: Located | None,
        decision_node: Located,
        directory: Mapping[str, DirectoryReference],
    ) -> list[OutputDef]:
        if where is None:
            self.issue(
                decision_node,
                f"decision {decision_id!r} declares no outputs",
                expected="outputs: {name: {type: ...}}",
            )
            return []
        result: list[OutputDef] = []
        for name, node in self.mapping(where, "outputs").items():
            if node.is_scalar:
                kind_node, spec = node, {}
            elif node.is_mapping:
                self.check_keys(node, ("type", "values", "label", "default"), f"output {name!r}")
                spec = node.value
                kind_node = spec.get("type")
            else:
                self.issue(node, f"output {name!r} must name a type", expected="{type: ...}")
                continue
            kind = OutputKind.TEXT
            if kind_node is not None and kind_node.value is not None:
                chosen = self.choice(kind_node, OutputKind, "output type")
                if chosen is None:
                    continue
                kind = chosen
            values: list[Scalar] = []
            for item in self.sequence(spec.get("values"), f"values of output {name!r}"):
                value = self.output_value(
                    item, OutputDef(name, kind), directory, check_values=False
                )
                if value is not None:
                    values.append(value)  # type: ignore[arg-type]
            default = None
            default_node = spec.get("default")
            if default_node is not None and default_node.value is not None:
                candidate = OutputDef(name, kind, tuple(values))
                chosen_default = self.output_value(default_node, candidate, directory)
                if not isinstance(chosen_default, tuple):
                    default = chosen_default
            result.append(
                OutputDef(name, kind, tuple(values), self.text(spec.get("label"), "label"), default)
            )
        if where is not None and where.is_mapping and not result:
            self.issue(
                where,
                f"decision {decision_id!r} declares no outputs",
                expected="at least one output",
            )
        return result

    def output_value(
        self,
        where: Located,
        output: OutputDef,
        directory: Mapping[str, DirectoryReference],
        *,
        check_values: bool = True,
    ) -> Scalar | tuple[Scalar, ...] | None:
        value = where.value
        if value is None:
            return None
        if where.is_sequence:
            if output.kind not in (
                OutputKind.ORGANIZATION,
                OutputKind.SERVICE,
                OutputKind.ROLE,
                OutputKind.TEXT,
            ):
                self.issue(
                    where, f"output {output.name!r} takes one value", expected="a single value"
                )
                return None
            items = [
                self.output_value(item, output, directory, check_values=check_values)
                for item in value
            ]
            return tuple(item for item in items if item is not None and not isinstance(item, tuple))
        if where.is_mapping:
            self.issue(
                where, f"output {output.name!r} must be a value", expected="a value or a list"
            )
            return None
        if output.kind is OutputKind.NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                self.issue(where, f"output {output.name!r} must be a number", expected="a number")
                return None
        elif output.kind is OutputKind.BOOLEAN:
            if not isinstance(value, bool):
                self.issue(
                    where, f"output {output.name!r} must be true or false", expected="true or false"
                )
                return None
        else:
            value = _format_scalar(value)
            if output.kind is OutputKind.ORGANIZATION:
                self.require_reference(where, value, directory, kind="organization")
            elif output.kind is OutputKind.SERVICE:
                self.require_reference(where, value, directory, kind="service")
        if check_values and output.values and value not in output.values:
            self.issue(
                where,
                f"value {_format_scalar(value)!r} is not one of the values of output {output.name!r}",
                expected="one of: " + ", ".join(_format_scalar(v) for v in output.values),
            )
        return value  # type: ignore[no-any-return]

    def rule(
        self,
        decision_id: str,
        index: int,
        node: Located,
        factors: Mapping[str, Factor],
        inputs: list[str],
        *,
        declared_inputs: bool,
        outputs: list[OutputDef],
        directory: Mapping[str, DirectoryReference],
    ) -> Rule | None:
        if not node.is_mapping:
            self.issue(node, "a rule must be a mapping", expected="id:, when:, then:, how:")
            return None
        self.check_keys(
            node, ("id", "when", "then", "how", "note"), f"rule {index + 1} of {decision_id!r}"
        )
        spec = node.value
        rule_id = self.text(spec.get("id"), "rule id") or f"R{index + 1}"
        conditions: dict[str, Condition] = {}
        when_node = spec.get("when")
        for factor_id, cell in self.mapping(when_node, "when").items():
            key_node = when_node.keys[factor_id] if when_node else cell
            condition = self.condition(key_node, factor_id, cell, factors)
            if condition is None:
                continue
            if factor_id not in inputs:
                if declared_inputs:
                    self.issue(
                        key_node,
                        f"factor {factor_id!r} is not an input of decision {decision_id!r}",
                        expected="one of the decision's inputs (" + ", ".join(inputs) + ")",
                    )
                    continue
                inputs.append(factor_id)
            if not condition.is_any:
                conditions[factor_id] = condition
        then_node = spec.get("then")
        rule_outputs: dict[str, Scalar | tuple[Scalar, ...] | None] = {}
        if then_node is None:
            self.issue(node, f"rule {rule_id!r} has no outputs", expected="then: {output: value}")
        elif then_node.is_mapping:
            by_name = {output.name: output for output in outputs}
            for name, value_node in then_node.value.items():
                output = by_name.get(name)
                if output is None:
                    self.issue(
                        then_node.keys[name],
                        f"unknown output {name!r} in rule {rule_id!r}",
                        expected="a declared output (" + ", ".join(by_name) + ")",
                    )
                    continue
                rule_outputs[name] = self.output_value(value_node, output, directory)
            for output in outputs:
                if output.name not in then_node.value:
                    self.issue(
                        then_node,
                        f"rule {rule_id!r} gives no value for output {output.name!r}",
                        expected=f"{output.name}: value (null for none)",
                    )
        elif len(outputs) == 1:
            rule_outputs[outputs[0].name] = self.output_value(then_node, outputs[0], directory)
        elif outputs:
            self.issue(
                then_node,
                f"rule {rule_id!r} must name its outputs",
                expected="then: {" + ", ".join(f"{o.name}: ..." for o in outputs) + "}",
            )
        return Rule(
            id=rule_id,
            conditions=conditions,
            outputs=rule_outputs,
            how=self.text(spec.get("how"), "how").strip(),
            annotation=self.text(spec.get("note"), "note").strip(),
            span=self.span(node),
        )

    def condition(
        self, key_node: Located, factor_id: str, cell: Located, factors: Mapping[str, Factor]
    ) -> Condition | None:
        factor = factors.get(factor_id)
        if factor is None:
            self.unknown_factor(key_node, factor_id, factors)
            return None
        if cell.is_sequence:
            items = []
            for item in cell.value:
                if not item.is_scalar or item.value is None:
                    self.issue(item, "a list of values must hold plain values", expected="a value")
                    return None
                items.append(_format_scalar(item.value))
            text = ", ".join(items)
        elif cell.is_scalar and cell.value is not None:
            text = _format_scalar(cell.value)
        else:
            self.issue(
                cell, f"cannot read the condition on {factor_id!r}", expected=CONDITION_SYNTAX
            )
            return None
        try:
            return parse_condition(text, factor.domain)
        except ConditionProblem as problem:
            self.issue(
                cell, f"condition on {factor_id!r}: {problem.message}", expected=problem.expected
            )
            return None

    # -- the rest of the protocol ---------------------------------------
    def responsibilities(
        self, where: Located | None, directory: Mapping[str, DirectoryReference]
    ) -> tuple[Responsibility, ...]:
        result: list[Responsibility] = []
        section = self.mapping(where, "responsibilities")
        for sector_name, node in section.items():
            key_node = where.keys[sector_name] if where else node
            sector = self.choice(key_node, Sector, "sector")
            if sector is None:
                continue
            if not node.is_mapping:
                self.issue(
                    node,
                    "a responsibility must be a mapping",
                    expected="summary:, duties:, contacts:",
                )
                continue
            self.check_keys(
                node, ("summary", "duties", "contacts"), f"responsibilities of {sector_name}"
            )
            duties = tuple(
                self.text(item, "duty").strip()
                for item in self.sequence(node.value.get("duties"), "duties")
            )
            contacts = []
            for contact, contact_node in self.names(node.value.get("contacts"), "contacts"):
                self.require_reference(contact_node, contact, directory, kind="organization")
                contacts.append(contact)
            result.append(
                Responsibility(
                    sector=sector,
                    summary=self.text(node.value.get("summary"), "summary").strip(),
                    duties=duties,
                    contacts=tuple(contacts),
                )
            )
        return tuple(result)

    def unique_id(
        self, node: Located, seen: dict[str, Located], what: str, index: int
    ) -> str | None:
        if not node.is_mapping:
            self.issue(node, f"each {what} must be a mapping", expected="id: ... and its fields")
            return None
        id_node = node.value.get("id")
        identifier = self.text(id_node, f"{what} id", required=True, parent=node)
        if not identifier:
            return None
        if identifier in seen:
            self.issue(
                id_node,
                f"duplicate {what} id {identifier!r} (first at line {seen[identifier].line + 1})",
                expected=f"unique {what} ids",
            )
            return None
        seen[identifier] = node
        return identifier

    def training(self, where: Located | None) -> dict[str, TrainingRequirement]:
        result: dict[str, TrainingRequirement] = {}
        seen: dict[str, Located] = {}
        for index, node in enumerate(self.sequence(where, "training")):
            identifier = self.unique_id(node, seen, "training", index)
            if identifier is None:
                continue
            self.check_keys(
                node, ("id", "course", "roles", "renew_months", "gates"), f"training {identifier!r}"
            )
            spec = node.value
            result[identifier] = TrainingRequirement(
                id=identifier,
                course=self.text(spec.get("course"), "course", required=True, parent=node),
                roles=frozenset(name for name, _ in self.names(spec.get("roles"), "roles")),
                renew_months=self.integer(spec.get("renew_months"), "renew_months"),
                gates=tuple(name for name, _ in self.names(spec.get("gates"), "gates")),
            )
        return result

    def deadlines(
        self,
        where: Located | None,
        factors: Mapping[str, Factor],
        decisions: Mapping[str, Decision],
        directory: Mapping[str, DirectoryReference],
        training: Mapping[str, TrainingRequirement],
    ) -> tuple[Deadline, ...]:
        result: list[Deadline] = []
        seen: dict[str, Located] = {}
        for index, node in enumerate(self.sequence(where, "deadlines")):
            identifier = self.unique_id(node, seen, "deadline", index)
            if identifier is None:
                continue
            self.check_keys(
                node,
                (
                    "id",
                    "task",
                    "owner",
                    "anchor",
                    "within",
                    "before",
                    "when",
                    "when_output",
                    "requires_training",
                    "for_each",
                    "class",
                ),
                f"deadline {identifier!r}",
            )
            spec = node.value
            owner_node = spec.get("owner")
            owner_sector: Sector | None = None
            owner_role = ""
            owner_organization: str | None = None
            if owner_node is None:
                self.issue(
                    node,
                    f"deadline {identifier!r} has no owner",
                    expected="owner: {sector:, role:}",
                )
            else:
                owner = self.mapping(owner_node, "owner")
                if owner_node.is_mapping:
                    self.check_keys(owner_node, ("sector", "role", "organization"), "owner")
                if "sector" in owner:
                    owner_sector = self.choice(owner["sector"], Sector, "sector")
                owner_role = self.text(owner.get("role"), "role")
                if "organization" in owner:
                    owner_organization = self.text(owner["organization"], "organization")
                    self.require_reference(
                        owner["organization"], owner_organization, directory, kind="organization"
                    )
            anchor_node = spec.get("anchor")
            anchor = self.text(anchor_node, "anchor", required=True, parent=node)
            if anchor and anchor not in ANCHOR_EVENTS:
                self.issue(
                    anchor_node,
                    f"unknown anchor event {anchor!r}",
                    expected="one of: " + ", ".join(ANCHOR_EVENTS),
                )
            offset = 0
            within, before = spec.get("within"), spec.get("before")
            if (within is None) == (before is None):
                self.issue(
                    node,
                    f"deadline {identifier!r} needs exactly one of within: or before:",
                    expected="within: 2h or before: 24h",
                )
            else:
                duration_node = within if within is not None else before
                minutes = parse_duration_minutes(self.text(duration_node, "duration"))
                if minutes is None:
                    self.issue(
                        duration_node,
                        f"cannot read duration {duration_node.value!r}",
                        expected="a duration such as 30m, 2h, 3d or 1w",
                    )
                else:
                    offset = minutes if within is not None else -minutes
            conditions: dict[str, Condition] = {}
            when_node = spec.get("when")
            for factor_id, cell in self.mapping(when_node, "when").items():
                condition = self.condition(
                    when_node.keys[factor_id] if when_node else cell, factor_id, cell, factors
                )
                if condition is not None and not condition.is_any:
                    conditions[factor_id] = condition
            when_output: dict[str, Scalar] = {}
            output_node = spec.get("when_output")
            for reference, value_node in self.mapping(output_node, "when_output").items():
                key_node = output_node.keys[reference] if output_node else value_node
                decision_id, _, output_name = reference.partition(".")
                decision = decisions.get(decision_id)
                output = (
                    next((o for o in decision.outputs if o.name == output_name), None)
                    if decision
                    else None
                )
                if output is None:
                    self.issue(
                        key_node,
                        f"unknown decision output {reference!r}",
                        expected="decision_id.output_name of a declared decision",
                    )
                    continue
                value = self.output_value(value_node, output, directory)
                if value is not None and not isinstance(value, tuple):
                    when_output[reference] = value
            required: list[str] = []
            for name, name_node in self.names(spec.get("requires_training"), "requires_training"):
                if name not in training:
                    self.issue(
                        name_node, f"unknown training {name!r}", expected="an id under training:"
                    )
                required.append(name)
            for_each: str | None = None
            for_each_node = spec.get("for_each")
            if for_each_node is not None and for_each_node.value is not None:
                for_each = self.text(for_each_node, "for_each")
                if for_each not in decisions:
                    self.issue(
                        for_each_node,
                        f"for_each names unknown decision {for_each!r}",
                        expected="a declared decision id: one task for each of its answer rows",
                    )
                    for_each = None
            task_node = spec.get("task")
            task = self.text(task_node, "task", required=True, parent=node).strip()
            self.check_title(task_node or node, task, decisions)
            result.append(
                Deadline(
                    id=identifier,
                    task=task,
                    owner_sector=owner_sector,
                    owner_role=owner_role,
                    anchor=anchor,
                    offset_minutes=offset,
                    when=conditions,
                    when_output=when_output,
                    owner_organization=owner_organization,
                    requires_training=tuple(required),
                    for_each=for_each,
                    span=self.span(node),
                    field_class=self.task_class(spec.get("class"), identifier),
                )
            )
        return tuple(result)

    def check_title(self, where: Located, task: str, decisions: Mapping[str, Decision]) -> None:
        """``{victim}`` and ``{decision.output}`` placeholders must name something that exists."""
        for name in title_placeholders(task):
            if name == "victim":
                continue
            decision_id, _, output_name = name.partition(".")
            decision = decisions.get(decision_id)
            if decision is None or not any(o.name == output_name for o in decision.outputs):
                self.issue(
                    where,
                    f"task title placeholder {{{name}}} names no decision output",
                    expected="{victim} or {decision_id.output_name} of a declared decision",
                )

    def task_class(self, node: Located | None, identifier: str) -> FieldClass:
        """The class of a deadline's task title (``class:``); case-basic when absent. Only
        classes a task may carry: never-shared and privileged material makes no tasks."""
        if node is None:
            return FieldClass.CASE_BASIC
        field_class = self.choice(node, FieldClass, "field class")
        if field_class in (FieldClass.NEVER_SHARED, FieldClass.PRIVILEGED):
            self.issue(
                node,
                f"deadline {identifier!r} cannot be of class {field_class.value}",
                expected="case-basic, le-sensitive, vsp-confidential or immigration-1367",
            )
            return FieldClass.CASE_BASIC
        return field_class or FieldClass.CASE_BASIC

    def sharing(self, where: Located | None) -> tuple[SharingRule, ...]:
        result: list[SharingRule] = []
        seen: dict[str, Located] = {}
        for index, node in enumerate(self.sequence(where, "sharing")):
            identifier = self.unique_id(node, seen, "sharing rule", index)
            if identifier is None:
                continue
            self.check_keys(
                node,
                (
                    "id",
                    "class",
                    "from",
                    "to",
                    "stages",
                    "audience",
                    "categories",
                    "requires_consent",
                    "authorized_only",
                    "note",
                ),
                f"sharing rule {identifier!r}",
            )
            spec = node.value
            class_node = spec.get("class")
            if class_node is None:
                self.issue(
                    node,
                    f"sharing rule {identifier!r} names no field class",
                    expected="class: " + " | ".join(c.value for c in FieldClass),
                )
                continue
            field_class = self.choice(class_node, FieldClass, "field class")
            from_sectors = self.sector_set(spec.get("from"), node, "from")
            to_sectors = self.sector_set(spec.get("to"), node, "to")
            stages_node = spec.get("stages")
            stages: set[Stage] = set()
            if stages_node is None:
                self.issue(
                    node,
                    f"sharing rule {identifier!r} names no stages",
                    expected="stages: [referral, investigation, prosecution, closed]",
                )
            for name, stage_node in self.names(stages_node, "stages"):
                if name == "all":
                    stages.update(Stage)
                    continue
                stage = self.choice(stage_node, Stage, "stage")
                if stage is not None:
                    stages.add(stage)
            audience = Audience.CASE_MEMBERS
            if spec.get("audience") is not None:
                audience = (
                    self.choice(spec["audience"], Audience, "audience") or Audience.CASE_MEMBERS
                )
            requires_consent = self.boolean(spec.get("requires_consent"), "requires_consent")
            authorized_only = self.boolean(spec.get("authorized_only"), "authorized_only")
            if field_class is None:
                continue
            if field_class is FieldClass.NEVER_SHARED:
                self.issue(
                    class_node,
                    f"sharing rule {identifier!r} would release never-shared data (grand jury, tax, wiretap)",
                    expected="no sharing rule for never-shared: it stays with the producing agency",
                )
                continue
            if field_class is FieldClass.PRIVILEGED:
                self.issue(
                    class_node,
                    f"sharing rule {identifier!r} would release privileged advocate notes "
                    "(counseling and case management)",
                    expected="no sharing rule for vsp-privileged: it stays with the producing "
                    "provider's advocates, whatever the release",
                )
                continue
            others = (
                to_sectors - {Sector.VICTIM_SERVICES}
                if Sector.VICTIM_SERVICES in from_sectors
                else frozenset()
            )
            if (
                field_class is FieldClass.VSP_CONFIDENTIAL
                and not requires_consent
                and (
                    others
                    or audience is not Audience.SERVING_PROVIDER
                    or from_sectors != {Sector.VICTIM_SERVICES}
                )
            ):
                self.issue(
                    spec.get("requires_consent", class_node),
                    f"sharing rule {identifier!r} would release victim-service data without the victim's consent",
                    expected="requires_consent: true",
                )
                continue
            if field_class is FieldClass.IMMIGRATION_1367:
                outside = to_sectors - IMMIGRATION_1367_SECTORS
                if outside or not authorized_only:
                    self.issue(
                        class_node,
                        f"sharing rule {identifier!r} would release immigration-1367 records"
                        + (
                            f" to {', '.join(sorted(s.value for s in outside))}"
                            if outside
                            else " to users not specially authorized"
                        ),
                        expected="to: only law_enforcement_federal, prosecution, legal_services, with authorized_only: true",
                    )
                    continue
            result.append(
                SharingRule(
                    id=identifier,
                    field_class=field_class,
                    from_sectors=from_sectors,
                    to_sectors=to_sectors,
                    stages=frozenset(stages),
                    audience=audience,
                    categories=frozenset(
                        name for name, _ in self.names(spec.get("categories"), "categories")
                    ),
                    requires_consent=requires_consent,
                    authorized_only=authorized_only,
                    note=self.text(spec.get("note"), "note").strip(),
                    span=self.span(node),
                )
            )
        return tuple(result)

    def sector_set(self, where: Located | None, parent: Located, what: str) -> frozenset[Sector]:
        if where is None:
            self.issue(
                parent, f"sharing rule names no {what}: sectors", expected=f"{what}: [sector, ...]"
            )
            return frozenset()
        sectors: set[Sector] = set()
        for name, node in self.names(where, what):
            if name == "all":
                sectors.update(Sector)
                continue
            sector = self.choice(node, Sector, "sector")
            if sector is not None:
                sectors.add(sector)
        return frozenset(sectors)

    def escalation(self, where: Located | None) -> tuple[EscalationLevel, ...]:
        result: list[EscalationLevel] = []
        for index, node in enumerate(self.sequence(where, "escalation")):
            if not node.is_mapping:
                self.issue(
                    node,
                    "an escalation level must be a mapping",
                    expected="name:, decided_by:, within:",
                )
                continue
            self.check_keys(node, ("level", "name", "decided_by", "within"), "escalation level")
            spec = node.value
            level = self.integer(spec.get("level"), "level") or index + 1
            within = spec.get("within")
            hours = 0
            if within is None:
                self.issue(node, "escalation level has no time limit", expected="within: 48h")
            else:
                minutes = parse_duration_minutes(self.text(within, "within"))
                if minutes is None:
                    self.issue(
                        within,
                        f"cannot read duration {within.value!r}",
                        expected="a duration such as 24h or 5d",
                    )
                else:
                    hours = -(-minutes // 60)
            result.append(
                EscalationLevel(
                    level=level,
                    name=self.text(spec.get("name"), "name", required=True, parent=node),
                    decided_by=self.text(
                        spec.get("decided_by"), "decided_by", required=True, parent=node
                    ),
                    time_limit_hours=hours,
                )
            )
        return tuple(result)

    def guidelines(self, where: Located | None) -> tuple[Guideline, ...]:
        result: list[Guideline] = []
        seen: dict[str, Located] = {}
        for index, node in enumerate(self.sequence(where, "guidelines")):
            identifier = self.unique_id(node, seen, "guideline", index)
            if identifier is None:
                continue
            self.check_keys(node, ("id", "title", "sector", "text"), f"guideline {identifier!r}")
            spec = node.value
            sector = (
                self.choice(spec["sector"], Sector, "sector")
                if spec.get("sector") is not None
                else None
            )
            result.append(
                Guideline(
                    id=identifier,
                    title=self.text(spec.get("title"), "title", required=True, parent=node),
                    sector=sector,
                    text=self.text(spec.get("text"), "text").strip(),
                )
            )
        return tuple(result)


def _too_large(name: str, size: int, limit: int) -> LoadError:
    return LoadError(
        [LoadIssue(name, 1, 1, too_large_message(size, limit), "a smaller file")],
        code="input_too_large",
    )


def read_source(
    source: str | pathlib.Path, filename: str | None, *, max_bytes: int, kind: str = "UTF-8"
) -> tuple[str, str]:
    """The text of ``source`` and the name to report it under, refused when too large.

    A file's size is checked before a byte of it is read (S24: bad input is
    refused early, with the limit named).
    """
    if isinstance(source, pathlib.Path):
        name = filename or str(source)
        try:
            size = source.stat().st_size
            if size > max_bytes:
                raise _too_large(name, size, max_bytes)
            return source.read_text(encoding="utf-8"), name
        except (OSError, UnicodeDecodeError) as error:
            raise LoadError(
                [
                    LoadIssue(
                        name, 1, 1, f"cannot read the file: {error}", f"a readable {kind} file"
                    )
                ],
                code="protocol_unreadable",
            ) from error
    name = filename or "<string>"
    size = len(source.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise _too_large(name, size, max_bytes)
    return source, name


def load_protocol(
    source: str | pathlib.Path,
    *,
    filename: str | None = None,
    require_common_questions: bool = True,
    limits: InputLimits | None = None,
) -> Protocol:
    """Load a protocol from YAML text (``str``) or a file (``pathlib.Path``).

    Raises :class:`LoadError` listing every mistake found, each with file,
    line, column and what was expected. ``require_common_questions=False``
    reads a file of decision tables only (e.g. one converted from DMN).
    ``limits`` (default: the environment's, see :mod:`accord.core.limits`)
    bounds the size and nesting depth; a file over either is refused whole.
    """
    limits = limits or InputLimits.from_environ()
    text, name = read_source(source, filename, max_bytes=limits.max_bytes)
    loader = _Loader(name, limits=limits)
    loader.require_common_questions = require_common_questions
    root = loader.compose(text)
    protocol = loader.protocol(root) if root is not None else None
    if loader.issues or protocol is None:
        raise LoadError(loader.issues)
    return protocol


def load_protocol_file(path: str | pathlib.Path) -> Protocol:
    """Load a protocol from a path given as text or Path."""
    return load_protocol(pathlib.Path(path))


ConditionParser = Callable[[str, Domain], Condition]

__all__ = [
    "CONDITION_SYNTAX",
    "ConditionProblem",
    "domain_bounds",
    "load_protocol",
    "load_protocol_file",
    "parse_condition",
    "parse_duration_minutes",
    "parse_hit_policy",
]
