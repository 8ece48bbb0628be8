"""Fix it from the finding: what the guided editor offers on an overlap.

An overlap is shown as a block: the overlapping rules side by side (their conditions and
answers, by name) and the shared situation in words, with two kinds of fix, each a button
that changes the table and saves it at once (like move, copy and remove; the page then
shows the table verified again, with a line saying what changed):

- **Narrow** rule X so it leaves the situation to the other rules: X's conditions lose the
  overlap's box (:func:`~.narrowing.rule_minus_box`); when what is left is not one box, X
  is replaced by the fewest rules that cover exactly the rest, keeping X's answers and
  guidance. A rule wholly inside the box is removed (the others answer all of it).
- **Make the order explicit**: the table's rule for several applicable rules becomes
  "the first rule that applies wins" (FIRST), with the chosen rule moved above the others.
  Offered only when the rules answer differently; when they give the same answer the block
  says so and offers "rules may overlap where they give the same answer" (ANY) instead.

Buttons name the overlap by its place among the stored decision's overlaps and the rule
by its id (``narrow-2-P6``); one that no longer matches the table changes nothing and
says so. Directory mismatches and the law's findings are in :mod:`.editor_directory`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.core.load import ConditionProblem
from accord.core.model import ANY, Condition, Decision, HitPolicy, Protocol, Rule
from accord.core.verify import Finding, FindingKind, Region

from . import editor, narrowing

#: Buttons this module answers (``<verb>-...``); the rest are the editor's own.
FIX_VERBS = frozenset({"narrow", "order", "agree", "use"})
#: Those that name an overlap of the stored decision (its findings are needed).
_OVERLAP_VERBS = frozenset({"narrow", "order", "agree"})

Describe = Callable[[Mapping[str, Any]], str]
RegionPart = Callable[[str, Any], str]


@dataclass
class Fix:
    """What a fix button did: ``problem`` when nothing could be done (nothing is saved)."""

    save: bool = True
    policy: HitPolicy | None = None
    done: str = ""
    problem: str = ""
    status: int = 400  # the page's status when there is a problem


def verb(action: str) -> str:
    return action.partition("-")[0]


def is_fix(action: str) -> bool:
    return verb(action) in FIX_VERBS


def needs_findings(action: str) -> bool:
    return verb(action) in _OVERLAP_VERBS


def overlaps(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.kind is FindingKind.OVERLAP and f.box is not None]


def overlap_rules(protocol: Protocol, decision: Decision, finding: Finding) -> list[Rule]:
    """The rules of an overlap that answer its whole box, in table order."""
    named = set(finding.rules)
    box = finding.box or {}
    rules = [
        rule
        for rule in decision.rules
        if rule.id in named and narrowing.covers(rule.conditions, box, protocol.factors)
    ]
    return rules if len(rules) >= 2 else [rule for rule in decision.rules if rule.id in named]


def _answers(decision: Decision, rule: Rule) -> tuple[Any, ...]:
    return tuple(rule.outputs.get(output.name) for output in decision.outputs)


def same_answers(decision: Decision, rules: Sequence[Rule]) -> bool:
    return len({_answers(decision, rule) for rule in rules}) <= 1


def _ids(rule_ids: Sequence[str]) -> str:
    return _(", ").join(rule_ids)


# -- the overlap blocks ---------------------------------------------------------------


def _condition_words(
    protocol: Protocol, factor_id: str, condition: Condition, region_part: RegionPart
) -> str:
    if condition.is_any:
        return _("any")
    if condition.values is not None:
        domain = protocol.factors[factor_id].domain
        order = domain.values or (True, False)
        values = tuple(v for v in order if v in condition.values)
        return region_part(factor_id, values) or _("any")
    parts = [region_part(factor_id, interval) for interval in condition.intervals or ()]
    return _(" or ").join(part for part in parts if part) or _("any")


def _answer_words(value: Any, names: Mapping[str, str], words: Any) -> str:
    if value is None:
        return _("nothing")
    if isinstance(value, tuple | list):
        return ", ".join(_answer_words(item, names, words) for item in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and value in names:
        return names[value]
    return str(words.value(value))


def overlap_blocks(
    protocol: Protocol,
    decision: Decision,
    findings: Sequence[Finding],
    *,
    words: Any,
    choices: Mapping[str, Sequence[editor.Choice]],
    describe: Describe,
    region_part: RegionPart,
) -> list[dict[str, Any]]:
    """One block per overlap: the rules side by side, the situation, the fixes offered."""
    inputs = [f for f in decision.inputs if f in protocol.factors]
    blocks = []
    for index, finding in enumerate(overlaps(findings)):
        box = finding.box or {}
        rules = overlap_rules(protocol, decision, finding)
        ids = [rule.id for rule in rules]
        agree = same_answers(decision, rules)
        columns = []
        for rule in rules:
            names = {
                output.name: {c.value: c.name for c in choices.get(output.name, ())}
                for output in decision.outputs
            }
            others = [rule_id for rule_id in ids if rule_id != rule.id]
            inside = not narrowing.rule_minus_box(rule.conditions, box, protocol.factors, inputs)
            columns.append(
                {
                    "id": rule.id,
                    "conditions": [
                        (
                            words.factor(factor_id),
                            _condition_words(
                                protocol, factor_id, rule.condition(factor_id), region_part
                            ),
                        )
                        for factor_id in inputs
                    ],
                    "answers": [
                        (
                            words.output(decision.id, output.name),
                            _answer_words(rule.outputs.get(output.name), names[output.name], words),
                        )
                        for output in decision.outputs
                    ],
                    "narrow": {
                        "action": f"narrow-{index}-{rule.id}",
                        "label": (
                            ngettext(
                                "Remove rule %(rule)s: rule %(others)s already answers all "
                                "its situations",
                                "Remove rule %(rule)s: rules %(others)s already answer all "
                                "its situations",
                                len(others),
                            )
                            if inside
                            else ngettext(
                                "Narrow rule %(rule)s so it leaves this situation to rule "
                                "%(others)s",
                                "Narrow rule %(rule)s so it leaves this situation to rules "
                                "%(others)s",
                                len(others),
                            )
                        )
                        % {"rule": rule.id, "others": _ids(others)},
                    },
                    "order": {
                        "action": f"order-{index}-{rule.id}",
                        "label": _("Rule %(rule)s first") % {"rule": rule.id},
                    },
                }
            )
        blocks.append(
            {
                "index": index,
                "rules": columns,
                "situation": describe(box),
                "agree": agree,
                "rule_list": _ids(ids),
            }
        )
    return blocks


# -- the buttons ----------------------------------------------------------------------


def apply_fix(
    action: str,
    rows: list[editor.Row],
    protocol: Protocol,
    decision: Decision,
    findings: Sequence[Finding],
    *,
    choices: Mapping[str, Sequence[editor.Choice]],
    describe: Describe,
) -> Fix | None:
    """Change ``rows`` as a fix button asks; None when ``action`` is not a fix."""
    kind = verb(action)
    if kind not in FIX_VERBS:
        return None
    if kind == "use":
        return _use(action, rows, decision, choices)
    _kind, _sep, rest = action.partition("-")
    where, _sep, rule_id = rest.partition("-")
    found = overlaps(findings)
    if not where.isdigit() or int(where) >= len(found):
        return _stale()
    finding = found[int(where)]
    rules = overlap_rules(protocol, decision, finding)
    ids = [rule.id for rule in rules]
    situation = describe(finding.box or {})
    if kind == "agree":
        if not same_answers(decision, rules):
            return Fix(save=False, problem=_("These rules answer differently: choose one."))
        return Fix(
            policy=HitPolicy.ANY,
            done=_(
                "Rules may now overlap where they give the same answer: rules %(rules)s "
                "agree on %(situation)s. Saved and checked."
            )
            % {"rules": _ids(ids), "situation": situation},
        )
    if rule_id not in ids or not any(row.rule_id == rule_id for row in rows):
        return _stale()
    others = [other for other in ids if other != rule_id]
    if kind == "order":
        return _order(rows, rule_id, others, situation)
    return _narrow(rows, protocol, decision, finding, rule_id, others, situation)


def _stale() -> Fix:
    return Fix(
        save=False,
        status=409,
        problem=_(
            "The table changed since this page was shown, so nothing was changed: "
            "look at the overlap again."
        ),
    )


def _order(rows: list[editor.Row], rule_id: str, others: Sequence[str], situation: str) -> Fix:
    positions = {row.rule_id: index for index, row in enumerate(rows)}
    mine = positions[rule_id]
    first = min((positions[o] for o in others if o in positions), default=mine)
    if mine > first:
        rows.insert(first, rows.pop(mine))
    return Fix(
        policy=HitPolicy.FIRST,
        done=ngettext(
            "When several rules apply, the first one in the table now wins: rule %(rule)s "
            "comes before rule %(others)s, so it answers %(situation)s. Saved and checked.",
            "When several rules apply, the first one in the table now wins: rule %(rule)s "
            "comes before rules %(others)s, so it answers %(situation)s. Saved and checked.",
            len(others),
        )
        % {"rule": rule_id, "others": _ids(others), "situation": situation},
    )


def _posted_conditions(
    row: editor.Row, protocol: Protocol, original: Rule | None
) -> dict[str, Condition] | None:
    """The row's conditions as posted (None when a cell is wrong: the error is on it)."""
    conditions: dict[str, Condition] = {}
    failed = False
    for cell in row.cells:
        try:
            condition = editor.cell_condition(protocol.factors[cell.factor], cell)
        except ConditionProblem as problem:
            cell.error = str(problem.args[0]) if problem.args else str(problem)
            failed = True
            continue
        if not condition.is_any:
            conditions[cell.factor] = condition
    if original is not None:
        shown = {cell.factor for cell in row.cells}
        for factor_id, condition in original.conditions.items():
            if factor_id not in shown:
                conditions[factor_id] = condition
    return None if failed else conditions


def _same_region(first: Condition, second: Condition) -> bool:
    return first.values == second.values and first.intervals == second.intervals


def _narrow(
    rows: list[editor.Row],
    protocol: Protocol,
    decision: Decision,
    finding: Finding,
    rule_id: str,
    others: Sequence[str],
    situation: str,
) -> Fix:
    index = next(i for i, row in enumerate(rows) if row.rule_id == rule_id)
    row = rows[index]
    original = next((rule for rule in decision.rules if rule.id == rule_id), None)
    conditions = _posted_conditions(row, protocol, original)
    if conditions is None:
        return Fix(save=False, problem=_("Nothing was saved: correct the fields marked below."))
    box: Region = finding.box or {}
    inputs = [f for f in decision.inputs if f in protocol.factors]
    pieces = narrowing.rule_minus_box(conditions, box, protocol.factors, inputs)
    if pieces == [conditions]:
        return Fix(
            save=False,
            problem=_(
                "Rule %(rule)s as shown no longer applies to this situation: nothing to narrow."
            )
            % {"rule": rule_id},
        )
    shown = {cell.factor for cell in row.cells}
    for piece in pieces:
        for factor_id, condition in conditions.items():
            if factor_id not in shown and not _same_region(piece.get(factor_id, ANY), condition):
                return Fix(
                    save=False,
                    problem=_(
                        "Rule %(rule)s also depends on a question that is not a column of "
                        "this table: narrow it in the text view."
                    )
                    % {"rule": rule_id},
                )
    new_rows = [
        _piece_row(protocol, row, piece, conditions, first=position == 0)
        for position, piece in enumerate(pieces)
    ]
    rows[index : index + 1] = new_rows
    if not pieces:
        done = ngettext(
            "Rule %(rule)s was removed: rule %(others)s answers every situation it did. "
            "Saved and checked.",
            "Rule %(rule)s was removed: rules %(others)s answer every situation it did. "
            "Saved and checked.",
            len(others),
        )
    elif len(pieces) == 1:
        done = ngettext(
            "Rule %(rule)s now leaves %(situation)s to rule %(others)s. Saved and checked.",
            "Rule %(rule)s now leaves %(situation)s to rules %(others)s. Saved and checked.",
            len(others),
        )
    else:
        done = ngettext(
            "Rule %(rule)s now leaves %(situation)s to rule %(others)s: what is left of it "
            "takes %(count)s rules, with the same answer. Saved and checked.",
            "Rule %(rule)s now leaves %(situation)s to rules %(others)s: what is left of it "
            "takes %(count)s rules, with the same answer. Saved and checked.",
            len(others),
        )
    return Fix(
        done=done
        % {
            "rule": rule_id,
            "others": _ids(others),
            "situation": situation,
            "count": len(pieces),
        }
    )


def _at_domain_end(text: str, bound: Any) -> bool:
    if not text or bound is None:
        return False
    try:
        return Decimal(text) == bound
    except (InvalidOperation, TypeError):
        return False


def _piece_row(
    protocol: Protocol,
    row: editor.Row,
    piece: Mapping[str, Condition],
    posted: Mapping[str, Condition],
    *,
    first: bool,
) -> editor.Row:
    """A row stating ``piece``: the first keeps the rule's id, the others are new rules
    copied from it (same answers and guidance)."""
    cells = []
    for cell in row.cells:
        condition = piece.get(cell.factor, ANY)
        if condition is posted.get(cell.factor, ANY):
            cells.append(editor.Cell(**vars(cell)))
            continue
        domain = protocol.factors[cell.factor].domain
        new = editor.cell_from_condition(protocol.factors[cell.factor], condition)
        if new.mode == "range":
            # a from-to at the domain's own bound is no narrowing: leave it out
            if _at_domain_end(new.low, domain.minimum):
                new.low = ""
            if _at_domain_end(new.high, domain.maximum):
                new.high = ""
            if not new.low and not new.high:
                new.mode = "any"
        cells.append(new)
    outputs = [editor.OutputCell(**vars(cell)) for cell in row.outputs]
    if first:
        return editor.Row(rule_id=row.rule_id, cells=cells, outputs=outputs)
    return editor.Row(rule_id="", cells=cells, outputs=outputs, copied_from=row.rule_id)


def _use(
    action: str,
    rows: list[editor.Row],
    decision: Decision,
    choices: Mapping[str, Sequence[editor.Choice]],
) -> Fix:
    """``use-<row>-<output>-<id>``: the row's answer becomes that directory entry."""
    parts = action.split("-", 3)
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
        return _stale()
    row_index, output_index, value = int(parts[1]), int(parts[2]), parts[3]
    if row_index >= len(rows) or output_index >= len(decision.outputs):
        return _stale()
    output = decision.outputs[output_index]
    named = {choice.value: choice.name for choice in choices.get(output.name, ())}
    if value not in named:
        return _stale()
    row = rows[row_index]
    row.outputs[output_index].value = value
    row.outputs[output_index].fixed = False
    return Fix(
        done=_("Rule %(rule)s now sends to %(name)s. Saved and checked.")
        % {"rule": row.rule_id or _("new rule"), "name": named[value]}
    )
