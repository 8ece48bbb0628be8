"""The difference between two protocol versions: what was edited, and whose answer changes.

Two layers:

- **structural**, per decision: rules matched by id are added, removed or
  changed (which conditions, outputs or guidance changed), and the table's
  own settings (hit policy, inputs, outputs); plus the other sections
  (responsibilities, deadlines, sharing, ...) by item id.
- **semantic**, per decision present in both: the *situations whose answer
  changes*. Computed, not sampled: each input's domain is cut at every
  boundary either version's conditions draw (the core's atoms,
  :class:`accord.core.space.Axis`), so within one elementary region both
  tables answer constantly; each region is evaluated once in each version on
  a representative point, differing regions are grouped by (old answer, new
  answer) and merged back into a few readable boxes.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.core.evaluate import compile_decision as compile_for_evaluation
from accord.core.evaluate import evaluate_compiled, json_value
from accord.core.model import Decision, Domain, Factor, Protocol, Rule
from accord.core.space import Axis, Box, box_region, merge_boxes

from .situations import describe_facts, describe_region, format_value

#: Beyond this many elementary regions in one decision, the semantic diff is skipped
#: (and the page says so) rather than keeping a request busy.
MAX_REGIONS = 200_000


@dataclass(frozen=True)
class RuleChange:
    rule: str
    change: str  # "added" | "removed" | "changed"
    details: tuple[str, ...] = ()
    old_summary: str = ""
    new_summary: str = ""


@dataclass(frozen=True)
class AnswerChange:
    """Situations whose answer differs: where, before, after, and the rules behind each."""

    situation: str
    region: Mapping[str, Any]
    example: str
    example_facts: Mapping[str, Any]
    old_answer: str
    new_answer: str
    old_rules: tuple[str, ...]
    new_rules: tuple[str, ...]


@dataclass(frozen=True)
class DecisionDiff:
    decision: str
    question: str
    status: str  # "added" | "removed" | "changed" | "unchanged"
    table_changes: tuple[str, ...] = ()
    rule_changes: tuple[RuleChange, ...] = ()
    answer_changes: tuple[AnswerChange, ...] = ()
    semantic_skipped: str = ""  # why the situations were not computed, if they were not

    @property
    def changed(self) -> bool:
        return self.status != "unchanged"


@dataclass(frozen=True)
class SectionChange:
    section: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProtocolDiff:
    decisions: tuple[DecisionDiff, ...]
    sections: tuple[SectionChange, ...] = field(default_factory=tuple)

    @property
    def changed_decisions(self) -> tuple[DecisionDiff, ...]:
        return tuple(d for d in self.decisions if d.changed)

    @property
    def is_empty(self) -> bool:
        return not self.changed_decisions and not self.sections

    def to_json(self) -> dict[str, Any]:
        return {
            "decisions": [
                {
                    "decision": d.decision,
                    "status": d.status,
                    "table_changes": list(d.table_changes),
                    "rule_changes": [dataclasses.asdict(r) for r in d.rule_changes],
                    "answer_changes": [
                        {
                            "situation": a.situation,
                            "example": json_value(dict(a.example_facts)),
                            "old_answer": a.old_answer,
                            "new_answer": a.new_answer,
                            "old_rules": list(a.old_rules),
                            "new_rules": list(a.new_rules),
                        }
                        for a in d.answer_changes
                    ],
                }
                for d in self.decisions
                if d.changed
            ],
            "sections": [dataclasses.asdict(s) for s in self.sections],
        }


# -- structural ------------------------------------------------------------------------


def _rule_text(decision: Decision, rule: Rule) -> str:
    when = ", ".join(
        f"{factor_id} {condition.text}"
        for factor_id, condition in rule.conditions.items()
        if not condition.is_any
    )
    then = ", ".join(
        f"{output.name}: {format_value(rule.outputs.get(output.name))}"
        for output in decision.outputs
    )
    return f"when {when or 'always'} → {then}"


def _rule_details(old: Decision, new: Decision, before: Rule, after: Rule) -> list[str]:
    details = []
    factors = list(dict.fromkeys([*before.conditions, *after.conditions]))
    for factor_id in factors:
        was, now = before.condition(factor_id), after.condition(factor_id)
        if (was.values, was.intervals) != (now.values, now.intervals):
            details.append(f"condition on {factor_id}: {was.text} → {now.text}")
    names = list(dict.fromkeys([o.name for o in old.outputs] + [o.name for o in new.outputs]))
    for name in names:
        was_out, now_out = before.outputs.get(name), after.outputs.get(name)
        if was_out != now_out:
            details.append(f"{name}: {format_value(was_out)} → {format_value(now_out)}")
    if before.how.strip() != after.how.strip():
        details.append("guidance (how) rewritten")
    return details


def _table_changes(old: Decision, new: Decision) -> list[str]:
    changes = []
    if old.hit_policy != new.hit_policy:
        changes.append(f"hit policy {old.hit_policy} → {new.hit_policy}")
    if old.inputs != new.inputs:
        changes.append(f"inputs {', '.join(old.inputs)} → {', '.join(new.inputs)}")
    if [o.name for o in old.outputs] != [o.name for o in new.outputs]:
        changes.append(
            f"outputs {', '.join(o.name for o in old.outputs)} → "
            f"{', '.join(o.name for o in new.outputs)}"
        )
    if old.question.strip() != new.question.strip():
        changes.append("question reworded")
    old_order = [r.id for r in old.rules if r.id in {x.id for x in new.rules}]
    new_order = [r.id for r in new.rules if r.id in {x.id for x in old.rules}]
    if old_order != new_order:
        changes.append("rule order changed")
    return changes


def _rule_changes(old: Decision, new: Decision) -> list[RuleChange]:
    before = {rule.id: rule for rule in old.rules}
    after = {rule.id: rule for rule in new.rules}
    changes = []
    for rule in new.rules:
        if rule.id not in before:
            changes.append(RuleChange(rule.id, "added", new_summary=_rule_text(new, rule)))
            continue
        details = _rule_details(old, new, before[rule.id], rule)
        if details:
            changes.append(
                RuleChange(
                    rule.id,
                    "changed",
                    tuple(details),
                    old_summary=_rule_text(old, before[rule.id]),
                    new_summary=_rule_text(new, rule),
                )
            )
    for rule in old.rules:
        if rule.id not in after:
            changes.append(RuleChange(rule.id, "removed", old_summary=_rule_text(old, rule)))
    return changes


# -- semantic --------------------------------------------------------------------------


def _merged_factor(old: Factor | None, new: Factor | None) -> Factor:
    """A factor whose domain covers both versions' domains."""
    if old is None or new is None:
        return new or old  # type: ignore[return-value]
    if old.domain == new.domain:
        return new
    if new.domain.is_numeric and old.domain.is_numeric:
        low = min(x for x in (old.domain.minimum, new.domain.minimum) if x is not None)
        high = max(x for x in (old.domain.maximum, new.domain.maximum) if x is not None)
        domain = Domain(new.domain.kind, (), low, high)
    else:
        values = tuple(dict.fromkeys([*new.domain.values, *old.domain.values]))
        domain = Domain(new.domain.kind, values)
    return dataclasses.replace(new, domain=domain)


def _answer(result: Any) -> tuple[str, tuple[str, ...], Any]:
    if result.error:
        return (f"conflict: {result.error}", result.rules, ("error", result.error))
    if result.result is None and not result.rules:
        return ("no answer", (), None)
    value = json_value(result.result)
    return (format_value(value), tuple(result.rules), repr(value))


def _change_key(
    old_result: Any, new_result: Any, before: tuple[Any, ...], after: tuple[Any, ...]
) -> tuple[Any, tuple[str, tuple[str, ...], str, tuple[str, ...]]]:
    """Group regions by what changes. For multi-hit answers (lists) the change is
    the items dropped and added, so "now also call the State Police" reads as one
    change wherever it happens, whatever else the list holds."""
    old_value, new_value = json_value(old_result.result), json_value(new_result.result)
    if (
        isinstance(old_value, list)
        and isinstance(new_value, list)
        and not old_result.error
        and not new_result.error
    ):
        old_items = {repr(item): item for item in old_value}
        new_items = {repr(item): item for item in new_value}
        dropped = tuple(k for k in old_items if k not in new_items)
        added = tuple(k for k in new_items if k not in old_items)
        if dropped or added:
            old_rules = tuple(r for r in old_result.rules if r not in new_result.rules)
            new_rules = tuple(r for r in new_result.rules if r not in old_result.rules)
            old_text = (
                "also " + format_value([old_items[k] for k in dropped])
                if dropped
                else "(as before)"
            )
            new_text = (
                "also " + format_value([new_items[k] for k in added]) if added else "(dropped)"
            )
            return ("delta", dropped, added), (old_text, old_rules, new_text, new_rules)
    return (before[2], after[2]), (before[0], before[1], after[0], after[1])


def answer_changes(
    *, old_protocol: Protocol, new_protocol: Protocol, decision_id: str
) -> tuple[list[AnswerChange], str]:
    """Every region of situations where ``decision_id`` answers differently, merged."""
    old = old_protocol.decisions[decision_id]
    new = new_protocol.decisions[decision_id]
    inputs = list(dict.fromkeys([*old.inputs, *new.inputs]))
    for decision in (old, new):
        for rule in decision.rules:
            inputs.extend(f for f in rule.conditions if f not in inputs)
    factors: dict[str, Factor] = {}
    for factor_id in inputs:
        factor = _merged_factor(
            old_protocol.factors.get(factor_id), new_protocol.factors.get(factor_id)
        )
        if factor is None:
            return [], f"{factor_id} is not a declared factor"
        factors[factor_id] = factor
    axes = [
        Axis.build(
            factors[factor_id],
            [rule.condition(factor_id) for d in (old, new) for rule in d.rules],
        )
        for factor_id in inputs
    ]
    total = math.prod(axis.size for axis in axes) if axes else 1
    if total > MAX_REGIONS:
        return [], f"{total} elementary situations: too many to compare here"
    compiled_old = compile_for_evaluation(old)
    compiled_new = compile_for_evaluation(new)
    groups: dict[tuple[Any, Any], list[Box]] = {}
    labels: dict[tuple[Any, Any], tuple[str, tuple[str, ...], str, tuple[str, ...]]] = {}
    for atoms in itertools.product(*(range(axis.size) for axis in axes)):
        facts = {
            axis.factor.id: axis.example(1 << atom) for axis, atom in zip(axes, atoms, strict=True)
        }
        old_result = evaluate_compiled(compiled_old, facts, factors)
        new_result = evaluate_compiled(compiled_new, facts, factors)
        before, after = _answer(old_result), _answer(new_result)
        if before[2] == after[2]:
            continue
        key, label = _change_key(old_result, new_result, before, after)
        groups.setdefault(key, []).append(tuple(1 << atom for atom in atoms))
        labels.setdefault(key, label)
    ordered = [axis.ordered for axis in axes]
    protocol_view = dataclasses.replace(new_protocol, factors={**new_protocol.factors, **factors})
    changes = []
    for key, boxes in groups.items():
        old_text, old_rules, new_text, new_rules = labels[key]
        for box in merge_boxes(boxes, ordered=ordered):
            region = box_region(axes, box)
            example = {
                axis.factor.id: axis.example(mask) for axis, mask in zip(axes, box, strict=True)
            }
            changes.append(
                AnswerChange(
                    situation=describe_region(protocol_view, region),
                    region=region,
                    example=describe_facts(protocol_view, example),
                    example_facts=example,
                    old_answer=old_text,
                    new_answer=new_text,
                    old_rules=old_rules,
                    new_rules=new_rules,
                )
            )
    changes.sort(key=lambda change: (change.situation, change.old_answer))
    return changes, ""


# -- sections ---------------------------------------------------------------------------


def _keyed(items: Sequence[Any], key: str) -> dict[str, Any]:
    return {str(getattr(item, key)): item for item in items}


def _section(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> SectionChange | None:
    added = tuple(k for k in new if k not in old)
    removed = tuple(k for k in old if k not in new)
    changed = tuple(k for k in new if k in old and old[k] != new[k])
    if not (added or removed or changed):
        return None
    return SectionChange(name, added, removed, changed)


def _section_changes(old: Protocol, new: Protocol) -> list[SectionChange]:
    pairs = [
        ("factors", old.factors, new.factors),
        (
            "responsibilities",
            _keyed(old.responsibilities, "sector"),
            _keyed(new.responsibilities, "sector"),
        ),
        ("deadlines", _keyed(old.deadlines, "id"), _keyed(new.deadlines, "id")),
        ("sharing", _keyed(old.sharing, "id"), _keyed(new.sharing, "id")),
        ("escalation", _keyed(old.escalation, "level"), _keyed(new.escalation, "level")),
        ("training", _keyed(old.training, "id"), _keyed(new.training, "id")),
        ("guidelines", _keyed(old.guidelines, "id"), _keyed(new.guidelines, "id")),
        ("directory", old.directory, new.directory),
        ("committees", old.committees, new.committees),
    ]
    return [change for name, a, b in pairs if (change := _section(name, a, b)) is not None]


# -- the whole diff ---------------------------------------------------------------------


def diff_protocols(old: Protocol, new: Protocol, *, semantic: bool = True) -> ProtocolDiff:
    """Everything that differs from ``old`` to ``new``, decision by decision."""
    results = []
    ids = list(dict.fromkeys([*new.decisions, *old.decisions]))
    for decision_id in ids:
        before, after = old.decisions.get(decision_id), new.decisions.get(decision_id)
        if before is None and after is not None:
            results.append(
                DecisionDiff(
                    decision_id,
                    after.question,
                    "added",
                    rule_changes=tuple(
                        RuleChange(r.id, "added", new_summary=_rule_text(after, r))
                        for r in after.rules
                    ),
                )
            )
            continue
        if after is None and before is not None:
            results.append(DecisionDiff(decision_id, before.question, "removed"))
            continue
        if before is None or after is None:  # both absent cannot happen: ids come from both
            continue
        table = _table_changes(before, after)
        rules = _rule_changes(before, after)
        answers: list[AnswerChange] = []
        skipped = ""
        factors_changed = any(
            old.factors.get(f) != new.factors.get(f) for f in (*before.inputs, *after.inputs)
        )
        if semantic and (table or rules or before != after or factors_changed):
            answers, skipped = answer_changes(
                old_protocol=old, new_protocol=new, decision_id=decision_id
            )
        changed = bool(table or rules or answers or before != after)
        results.append(
            DecisionDiff(
                decision_id,
                after.question,
                "changed" if changed else "unchanged",
                tuple(table),
                tuple(rules),
                tuple(answers),
                skipped,
            )
        )
    return ProtocolDiff(tuple(results), tuple(_section_changes(old, new)))
