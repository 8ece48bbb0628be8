"""The guided decision editor: one decision table as rows of form cells, and back.

A row is what the coordinator sees and posts: per input factor a cell (checkboxes of
the factor's values, a from-to pair for numbers, "any", or the condition as written
when it has no simpler form), per output a choice. :func:`rows_to_decision` turns the
posted rows into the core :class:`~accord.core.model.Decision`, with an error on each
cell that does not fit its factor's domain; nothing is saved while one remains.

A cell the coordinator did not change keeps its original condition (text included),
so a save from the guided editor changes only what was changed and the YAML view
reads the same model back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrPromise

from accord.core.load import ConditionProblem, parse_condition
from accord.core.model import (
    ANY,
    Condition,
    Decision,
    DirectoryReference,
    Domain,
    Factor,
    FactorKind,
    HitPolicy,
    Interval,
    OutputDef,
    OutputKind,
    Protocol,
    Rule,
    Scalar,
)
from accord.core.verify import Finding, FindingKind, verify_decision

#: The posted answer that means "this rule answers nothing" (an empty choice is unanswered).
NOTHING = "-"

#: Time budget for verifying one decision after each change (seconds).
EDITOR_VERIFY_BUDGET = 2.0

_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_.-]+$")


class EditorError(Exception):
    """The posted rows do not make a table; the rows carry the errors per field."""


@dataclass(frozen=True)
class Choice:
    """One outcome a select may offer: the id stored and the name shown."""

    value: str
    name: str
    organization: str = ""  # for services: the owning organization's id


@dataclass
class Cell:
    """One condition cell. ``mode``: any, values, range or text."""

    factor: str
    mode: str = "any"
    values: list[str] = field(default_factory=list)
    low: str = ""
    high: str = ""
    text: str = ""
    error: str = ""


@dataclass
class OutputCell:
    name: str
    value: str = ""
    fixed: bool = False  # a list of values: kept as written, edited in the YAML view
    error: str = ""


@dataclass
class Row:
    rule_id: str  # "" for a rule not saved yet
    cells: list[Cell]
    outputs: list[OutputCell]
    error: str = ""
    #: A new row split from a saved rule (narrowing): keeps that rule's guidance text and
    #: the answers the table cannot edit.
    copied_from: str = ""

    @property
    def has_errors(self) -> bool:
        return bool(
            self.error
            or any(cell.error for cell in self.cells)
            or any(o.error for o in self.outputs)
        )


# -- from the model to rows -----------------------------------------------------------


def _plain_number(value: Any) -> str:
    if isinstance(value, Decimal):
        if value.is_infinite():
            return ""
        text = format(value.normalize(), "f")
        return text
    return str(value)


def _value_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cell_from_condition(factor: Factor, condition: Condition) -> Cell:
    cell = Cell(factor=factor.id)
    domain = factor.domain
    if condition.is_any:
        return cell
    if condition.values is not None:
        cell.mode = "values"
        cell.values = [_value_text(v) for v in _domain_values(domain) if v in condition.values]
        return cell
    intervals = condition.intervals or ()
    if len(intervals) == 1 and not _needs_text(intervals[0]):
        cell.mode = "range"
        cell.low = _plain_number(intervals[0].low)
        cell.high = _plain_number(intervals[0].high)
        return cell
    cell.mode = "text"
    cell.text = condition.text
    return cell


def _needs_text(interval: Interval) -> bool:
    """An open finite bound has no from-to form (only decimals keep one)."""
    low_finite = not (isinstance(interval.low, Decimal) and interval.low.is_infinite())
    high_finite = not (isinstance(interval.high, Decimal) and interval.high.is_infinite())
    return (low_finite and interval.low_open) or (high_finite and interval.high_open)


def _domain_values(domain: Domain) -> tuple[Scalar, ...]:
    if domain.kind is FactorKind.BOOLEAN:
        return (True, False)
    return domain.values


def rows_from_decision(protocol: Protocol, decision: Decision) -> list[Row]:
    return [row_from_rule(protocol, decision, rule) for rule in decision.rules]


def row_from_rule(protocol: Protocol, decision: Decision, rule: Rule, *, new: bool = False) -> Row:
    cells = [
        cell_from_condition(protocol.factors[factor_id], rule.condition(factor_id))
        for factor_id in decision.inputs
        if factor_id in protocol.factors
    ]
    outputs = []
    for output in decision.outputs:
        value = rule.outputs.get(output.name)
        if isinstance(value, tuple):
            outputs.append(OutputCell(output.name, ", ".join(map(str, value)), fixed=True))
        else:
            shown = "" if output.kind is OutputKind.TEXT else NOTHING
            outputs.append(OutputCell(output.name, shown if value is None else _value_text(value)))
    return Row(rule_id="" if new else rule.id, cells=cells, outputs=outputs)


def row_from_region(protocol: Protocol, decision: Decision, region: Mapping[str, Any]) -> Row:
    """A new row pre-filled with a finding's box (a gap), outcomes left to choose."""
    conditions: dict[str, Condition] = {}
    for factor_id, part in region.items():
        factor = protocol.factors.get(factor_id)
        if factor is None or factor_id not in decision.inputs:
            continue
        if isinstance(part, Interval):
            conditions[factor_id] = Condition(text="", intervals=(part,))
        else:
            values = frozenset(part)
            if values != frozenset(_domain_values(factor.domain)):
                conditions[factor_id] = Condition(text="", values=values)
    rule = Rule(id="", conditions=conditions, outputs={})
    row = row_from_rule(protocol, decision, rule, new=True)
    for output_cell in row.outputs:
        output_cell.value = ""  # the coordinator chooses the answer
    for cell in row.cells:
        if cell.mode == "range":
            domain = protocol.factors[cell.factor].domain
            # a from-to at the domain's own bound is no narrowing: leave it out
            if cell.low == _plain_number(domain.minimum) and cell.low:
                cell.low = ""
            if cell.high == _plain_number(domain.maximum) and cell.high:
                cell.high = ""
            if not cell.low and not cell.high:
                cell.mode = "any"
        elif cell.mode == "text":
            condition = conditions[cell.factor]
            cell.text = _interval_text(condition.intervals[0]) if condition.intervals else ""
    return row


def _interval_text(interval: Interval) -> str:
    start = "(" if interval.low_open else "["
    end = ")" if interval.high_open else "]"
    return f"{start}{_plain_number(interval.low)}..{_plain_number(interval.high)}{end}"


# -- from posted fields to rows -------------------------------------------------------


#: Posted instead of a row's fields when the page left them out of a save because the row
#: still shows the saved rule unchanged (``r<index>-kept``, with ``r<index>-id``): the rule
#: is then read from the saved table, which the lock proves is the one the page showed.
KEPT_FIELD = "r{index}-kept"


def rows_from_post(data: Any, protocol: Protocol, decision: Decision) -> list[Row]:
    """The rows as posted (``data`` a QueryDict): strings only, checked later. A row
    posted as kept is the saved rule's row (an error on it if that rule is gone)."""
    try:
        count = int(data.get("rows", "0"))
    except ValueError:
        count = 0
    count = max(0, min(count, 2000))
    rows = []
    inputs = [f for f in decision.inputs if f in protocol.factors]
    saved = {rule.id: rule for rule in decision.rules}
    for index in range(count):
        prefix = f"r{index}-"
        if data.get(KEPT_FIELD.format(index=index)):
            rule_id = (data.get(prefix + "id") or "").strip()
            rule = saved.get(rule_id)
            if rule is not None:
                rows.append(row_from_rule(protocol, decision, rule))
                continue
            rows.append(
                Row(
                    rule_id=rule_id,
                    cells=[Cell(factor=factor_id) for factor_id in inputs],
                    outputs=[OutputCell(output.name) for output in decision.outputs],
                    error=_(
                        "This rule is no longer in the saved table: reload the page and "
                        "make your change again."
                    ),
                )
            )
            continue
        cells = []
        for factor_id in inputs:
            key = f"{prefix}c-{factor_id}-"
            mode = data.get(key + "mode", "any")
            cell = Cell(
                factor=factor_id, mode=mode if mode in ("any", "values", "range", "text") else "any"
            )
            cell.values = list(data.getlist(key + "v"))
            cell.low = (data.get(key + "from") or "").strip()
            cell.high = (data.get(key + "to") or "").strip()
            cell.text = (data.get(key + "text") or "").strip()
            # no value ticked, no bound given, nothing written: the rule applies to any value
            if (
                (cell.mode == "values" and not cell.values)
                or (cell.mode == "range" and not (cell.low or cell.high))
                or (cell.mode == "text" and cell.text in ("", "-"))
            ):
                cell.mode = "any"
            cells.append(cell)
        outputs = [
            OutputCell(
                output.name,
                (data.get(f"{prefix}o-{output.name}") or "").strip(),
                fixed=bool(data.get(f"{prefix}o-{output.name}-fixed")),
            )
            for output in decision.outputs
        ]
        rows.append(
            Row(rule_id=(data.get(prefix + "id") or "").strip(), cells=cells, outputs=outputs)
        )
    return rows


# -- from rows to the model -----------------------------------------------------------


#: The two ends of a from-to cell, named in its errors (translated only when one is shown:
#: a 200-rule table has 400 of them on every save).
_FROM = gettext_lazy("From")
_TO = gettext_lazy("To")


def _number(text: str, domain: Domain, side: StrPromise) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ConditionProblem(_("“%(text)s” is not a number") % {"text": text}) from None
    if not number.is_finite():
        raise ConditionProblem(_("“%(text)s” is not a number") % {"text": text})
    if domain.kind is FactorKind.INTEGER and number != number.to_integral_value():
        raise ConditionProblem(_("%(side)s must be a whole number") % {"side": side})
    if not domain.admits(number):
        raise ConditionProblem(
            _("%(side)s %(number)s is outside the possible values %(bounds)s")
            % {"side": side, "number": text, "bounds": domain.describe_bounds()}
        )
    return number


def _quoted(value: str) -> str:
    return value if _PLAIN_VALUE.match(value) else '"' + value.replace('"', "") + '"'


def cell_condition(factor: Factor, cell: Cell) -> Condition:
    """The condition a cell states; ConditionProblem names what is wrong."""
    domain = factor.domain
    if cell.mode == "values":
        allowed = {_value_text(v): v for v in _domain_values(domain)}
        unknown = [v for v in cell.values if v not in allowed]
        if unknown:
            raise ConditionProblem(
                _("%(value)s is not one of the values of this question")
                % {"value": ", ".join(unknown)}
            )
        chosen = [text for text in allowed if text in cell.values]
        if not chosen:
            raise ConditionProblem(_("tick at least one value, or “any”"))
        if len(chosen) == len(allowed):
            return ANY
        return parse_condition(", ".join(_quoted(v) for v in chosen), domain)
    if cell.mode == "range":
        if not domain.is_numeric:
            raise ConditionProblem(_("this question is not a number"))
        low = _number(cell.low, domain, _FROM) if cell.low else None
        high = _number(cell.high, domain, _TO) if cell.high else None
        if low is not None and high is not None:
            if low > high:
                raise ConditionProblem(
                    _("“from” %(low)s is above “to” %(high)s: swap them")
                    % {"low": cell.low, "high": cell.high}
                )
            return parse_condition(f"[{cell.low}..{cell.high}]", domain)
        if low is not None:
            return parse_condition(f">= {cell.low}", domain)
        if high is not None:
            return parse_condition(f"<= {cell.high}", domain)
        return ANY
    if cell.mode == "text":
        if not cell.text or cell.text == "-":
            return ANY
        return parse_condition(cell.text, domain)
    return ANY


def _same_region(first: Condition, second: Condition) -> bool:
    return first.values == second.values and first.intervals == second.intervals


def _output_value(
    output: OutputDef, text: str, choices: Mapping[str, Sequence[Choice]]
) -> Scalar | None:
    if text == NOTHING or (not text and output.kind is OutputKind.TEXT):
        return None
    if not text:
        raise ValueError(_("choose what this rule answers (or “nothing”)"))
    if output.kind is OutputKind.BOOLEAN:
        if text not in ("true", "false"):
            raise ValueError(_("choose yes or no"))
        return text == "true"
    if output.kind is OutputKind.NUMBER:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(text)s” is not a number") % {"text": text}) from None
        return int(number) if number == number.to_integral_value() else number
    if output.kind is OutputKind.TEXT:
        return text
    allowed = {choice.value for choice in choices.get(output.name, ())}
    if text not in allowed:
        raise ValueError(_("choose one of the listed answers"))
    return text


def next_rule_id(taken: Iterable[str], example: str) -> str:
    """A fresh id in the style of ``example`` (P3 -> P7 when P1..P6 are taken)."""
    taken = set(taken)
    prefix = re.sub(r"\d+$", "", example) or "R"
    numbers = [
        int(rule_id[len(prefix) :])
        for rule_id in taken
        if rule_id.startswith(prefix) and rule_id[len(prefix) :].isdigit()
    ]
    number = max(numbers, default=0) + 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def rows_to_decision(
    protocol: Protocol,
    decision: Decision,
    rows: list[Row],
    *,
    hit_policy: HitPolicy,
    choices: Mapping[str, Sequence[Choice]],
) -> Decision:
    """The decision the rows state; EditorError when a field is wrong (errors set on rows)."""
    originals = {rule.id: rule for rule in decision.rules}
    taken = set(originals)
    example = decision.rules[0].id if decision.rules else decision.id[:1].upper()
    rules: list[Rule] = []
    seen: set[str] = set()
    failed = False
    for row in rows:
        failed = failed or bool(row.error)
        original = originals.get(row.rule_id) if row.rule_id not in seen else None
        source = original or originals.get(row.copied_from)
        conditions: dict[str, Condition] = {}
        for cell in row.cells:
            factor = protocol.factors[cell.factor]
            try:
                condition = cell_condition(factor, cell)
            except ConditionProblem as problem:
                cell.error = str(problem.args[0]) if problem.args else str(problem)
                failed = True
                continue
            if original is not None and _same_region(original.condition(cell.factor), condition):
                condition = original.condition(cell.factor)
            if not condition.is_any:
                conditions[cell.factor] = condition
        # conditions on factors the table does not list as inputs are kept as written
        if source is not None:
            for factor_id, condition in source.conditions.items():
                if factor_id not in decision.inputs:
                    conditions[factor_id] = condition
        outputs: dict[str, Any] = {}
        for output, answer in zip(decision.outputs, row.outputs, strict=True):
            if answer.fixed and source is not None:
                outputs[output.name] = source.outputs.get(output.name)
                continue
            try:
                outputs[output.name] = _output_value(output, answer.value, choices)
            except ValueError as problem:
                answer.error = str(problem)
                failed = True
        if original is not None:
            rule = replace(original, conditions=conditions, outputs=outputs)
        else:
            rule_id = next_rule_id(taken, example)
            taken.add(rule_id)
            rule = Rule(id=rule_id, conditions=conditions, outputs=outputs)
            if source is not None:
                rule = replace(rule, how=source.how, annotation=source.annotation)
        seen.add(rule.id)
        rules.append(rule)
    if failed:
        raise EditorError
    aggregation = decision.aggregation if hit_policy is decision.hit_policy else None
    return replace(decision, rules=tuple(rules), hit_policy=hit_policy, aggregation=aggregation)


def directory_additions(
    protocol: Protocol, decision: Decision, choices: Mapping[str, Sequence[Choice]]
) -> dict[str, DirectoryReference]:
    """Directory entries the decision's answers name that the protocol does not list yet
    (picked from the task force's directory), so that they are not unknown references."""
    additions: dict[str, DirectoryReference] = {}
    for output in decision.outputs:
        if output.kind not in (OutputKind.ORGANIZATION, OutputKind.SERVICE):
            continue
        known = {choice.value: choice for choice in choices.get(output.name, ())}
        for rule in decision.rules:
            value = rule.outputs.get(output.name)
            if isinstance(value, str) and value not in protocol.directory and value in known:
                choice = known[value]
                additions[value] = DirectoryReference(
                    id=value,
                    kind=output.kind.value,
                    name=choice.name,
                    organization=choice.organization or None,
                )
    return additions


# -- choices and findings -------------------------------------------------------------


def output_choices(
    protocol: Protocol,
    decision: Decision,
    *,
    organizations: Sequence[Choice] = (),
    services: Sequence[Choice] = (),
    names: Mapping[str, str] | None = None,
) -> dict[str, list[Choice]]:
    """What each output of ``decision`` may answer, by name (ids never shown)."""
    names = names or {}

    def named(value: Scalar) -> Choice:
        text = _value_text(value)
        return Choice(text, names.get(text) or text.replace("_", " "))

    roles: list[str] = []
    for other in protocol.decisions.values():
        for output in other.outputs:
            if output.kind is OutputKind.ROLE:
                roles.extend(str(v) for v in output.values)
                for rule in other.rules:
                    value = rule.outputs.get(output.name)
                    if isinstance(value, str):
                        roles.append(value)
    result: dict[str, list[Choice]] = {}
    for output in decision.outputs:
        found: dict[str, Choice] = {}
        if output.kind in (OutputKind.ORGANIZATION, OutputKind.SERVICE):
            kind = output.kind.value
            for ref in protocol.directory.values():
                if ref.kind == kind:
                    found[ref.id] = Choice(
                        ref.id, names.get(ref.id) or ref.name, ref.organization or ""
                    )
            for choice in organizations if kind == "organization" else services:
                found.setdefault(choice.value, choice)
        elif output.kind is OutputKind.ROLE:
            for role in output.values or tuple(dict.fromkeys(roles)):
                found[str(role)] = named(role)
        elif output.kind is OutputKind.ENUM:
            for value in output.values:
                found[_value_text(value)] = named(value)
        # keep whatever a rule already answers selectable
        for rule in decision.rules:
            value = rule.outputs.get(output.name)
            if isinstance(value, str) and value not in found and output.kind is not OutputKind.TEXT:
                found[value] = named(value)
        result[output.name] = (
            sorted(found.values(), key=lambda c: c.name.lower())
            if output.kind
            in (
                OutputKind.ORGANIZATION,
                OutputKind.SERVICE,
            )
            else list(found.values())
        )
    return result


def decision_findings(protocol: Protocol, decision: Decision) -> tuple[Finding, ...]:
    """The findings of one decision, verified at once after each change."""
    report = verify_decision(
        decision,
        protocol.factors,
        known_ids=set(protocol.directory),
        time_budget=EDITOR_VERIFY_BUDGET,
    )
    return report.findings


def gap_findings(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.kind is FindingKind.GAP]
