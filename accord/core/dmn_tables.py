"""DMN decision tables into the core model: values, input types and domains, rules.

Cells are simple unary tests (the grammar the YAML format uses); input and
output values, item definitions with allowed values, default output entries and
every hit policy are read. Constructs Accord does not interpret are reported as
issues naming the construct and its line.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET  # the element type only; parsing uses defusedxml
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from accord.core.dmn_literal import (
    element_names,
    input_data,
    literal_decision,
    required_decisions,
    text_factor,
)
from accord.core.dmn_read import DMN_NAMESPACES, local_name
from accord.core.errors import LoadIssue
from accord.core.literal import DecisionCycle, decision_order
from accord.core.load import (
    NEG_INF,
    POS_INF,
    ConditionProblem,
    parse_condition,
    parse_hit_policy,
)
from accord.core.model import (
    UNKNOWN,
    Aggregation,
    Condition,
    Decision,
    Domain,
    Factor,
    FactorKind,
    OutputDef,
    OutputKind,
    Protocol,
    Rule,
    Scalar,
)

#: Elements under <definitions> that carry no decision logic and are skipped.
_IGNORED = {"inputData", "itemDefinition", "DMNDI", "extensionElements", "description", "import"}
_REFUSED = {
    "businessKnowledgeModel": "business knowledge models",
    "decisionService": "decision services",
    "knowledgeSource": None,  # documentation only: ignored
    "textAnnotation": None,
    "association": None,
    "group": None,
}
_STRING_LITERAL = re.compile(r'^"((?:[^"\\]|\\.)*)"$')
_NUMBER = r"-?\d+(?:\.\d+)?"
#: Input values of a number input: ``[0..10]``, ``[0..10)``, ``]0..10[``, ``(0..10]``...
_INPUT_RANGE = re.compile(rf"^([\[\](])\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*([\])[])$")
#: ... or a comparison: ``>= 0``, ``> 0``, ``<= 120``, ``< 1``.
_INPUT_COMPARISON = re.compile(rf"^(>=|>|<=|<)\s*({_NUMBER})$")


class DMNImporter:
    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.file = filename
        self.issues: list[LoadIssue] = []
        self.unsupported = False
        self.ns = ""
        self.inputs: dict[str, tuple[str, ET.Element]] = {}
        self.hrefs: dict[str, str] = {}
        self.feel_names: frozenset[str] = frozenset()

    def _line_of(self, element: ET.Element | None) -> int:
        if element is None:
            return 1
        identifier = element.get("id")
        if identifier:
            index = self.text.find(f'id="{identifier}"')
            if index >= 0:
                return self.text.count("\n", 0, index) + 1
        return 1

    def issue(
        self,
        element: ET.Element | None,
        message: str,
        *,
        expected: str = "",
        unsupported: bool = False,
    ) -> None:
        self.unsupported = self.unsupported or unsupported
        self.issues.append(LoadIssue(self.file, self._line_of(element), 1, message, expected))

    def find(self, element: ET.Element, name: str) -> ET.Element | None:
        return element.find(f"{{{self.ns}}}{name}")

    def findall(self, element: ET.Element, name: str) -> list[ET.Element]:
        return element.findall(f"{{{self.ns}}}{name}")

    def child_text(self, element: ET.Element | None, name: str = "text") -> str | None:
        if element is None:
            return None
        child = self.find(element, name)
        if child is None:
            return None
        return (child.text or "").strip()

    # -- values -------------------------------------------------------
    def literal(
        self, text: str, element: ET.Element, what: str
    ) -> Scalar | tuple[Scalar, ...] | None:
        text = text.strip()
        if text in ("", "-", "null"):
            return None
        match = _STRING_LITERAL.match(text)
        if match:
            return match.group(1).replace('\\"', '"')
        if text in ("true", "false"):
            return text == "true"
        if text.startswith("[") and text.endswith("]"):
            items = [part.strip() for part in _split(text[1:-1])]
            values = [self.literal(item, element, what) for item in items if item]
            return tuple(v for v in values if v is not None and not isinstance(v, tuple))
        try:
            return Decimal(text)
        except InvalidOperation:
            self.issue(
                element,
                f"unsupported DMN construct: {what} {text!r} is a FEEL expression, not a literal",
                expected="a string, number or boolean literal",
                unsupported=True,
            )
            return None

    def value_list(self, text: str | None, element: ET.Element) -> tuple[Scalar, ...]:
        if not text:
            return ()
        values = []
        for part in _split(text):
            value = self.literal(part, element, "value")
            if value is not None and not isinstance(value, tuple):
                values.append(value)
        return tuple(values)

    # -- types ----------------------------------------------------------
    def item_definitions(self, root: ET.Element) -> dict[str, tuple[str, str | None]]:
        """name -> (base typeRef, allowed values text)."""
        result: dict[str, tuple[str, str | None]] = {}
        for item in self.findall(root, "itemDefinition"):
            name = item.get("name") or ""
            type_ref = self.child_text(item, "typeRef") or ""
            allowed = self.child_text(self.find(item, "allowedValues"))
            result[name] = (type_ref, allowed)
        return result

    def domain(
        self,
        type_ref: str,
        values_text: str | None,
        element: ET.Element,
        literals: list[str],
        items: Mapping[str, tuple[str, str | None]],
    ) -> Domain | None:
        if type_ref in items:
            base, allowed = items[type_ref]
            type_ref = base or "string"
            values_text = values_text or allowed
        type_ref = type_ref.removeprefix("feel:")
        if type_ref == "boolean":
            return Domain(FactorKind.BOOLEAN, (False, True))
        if type_ref in ("number", "integer", "decimal", "double", "long"):
            kind = FactorKind.INTEGER if type_ref in ("integer", "long") else FactorKind.DECIMAL
            if values_text and values_text.strip():
                return self.numeric_domain(kind, values_text.strip(), element)
            return Domain(kind, minimum=NEG_INF, maximum=POS_INF)
        if type_ref in ("string", ""):
            values = [str(v) for v in self.value_list(values_text, element)] if values_text else []
            if not values:
                for cell in literals:
                    for part in _split(cell.removeprefix("not(").removesuffix(")")):
                        match = _STRING_LITERAL.match(part.strip())
                        if match and match.group(1) not in values:
                            values.append(match.group(1))
            if not values:
                self.issue(
                    element,
                    "a string input has no input values and no rule names a value",
                    expected="inputValues listing the allowed strings",
                )
                return None
            if UNKNOWN in (value.lower() for value in values):
                self.issue(
                    element,
                    f'the value "{UNKNOWN}" cannot be imported: Accord reads "{UNKNOWN}" as a '
                    "fact nobody knows yet, which every input allows without declaring it",
                    expected='another word for that value, e.g. "not known" or "undetermined", '
                    "in the input values and in every rule that tests it",
                )
                return None
            return Domain(FactorKind.ENUM, tuple(values))
        self.issue(
            element,
            f"unsupported DMN construct: input type {type_ref!r}",
            expected="string, number or boolean inputs",
            unsupported=True,
        )
        return None

    def numeric_domain(self, kind: FactorKind, text: str, element: ET.Element) -> Domain | None:
        """A number input's declared values, in every interval form DMN allows."""
        low: Decimal = NEG_INF
        high: Decimal = POS_INF
        low_open = high_open = False
        range_match = _INPUT_RANGE.match(text)
        comparison = _INPUT_COMPARISON.match(text)
        if range_match:
            start, low_text, high_text, end = range_match.groups()
            low, high = Decimal(low_text), Decimal(high_text)
            low_open, high_open = start != "[", end != "]"
        elif comparison:
            operator, number = comparison.groups()
            if operator.startswith(">"):
                low, low_open = Decimal(number), operator == ">"
            else:
                high, high_open = Decimal(number), operator == "<"
        else:
            self.issue(
                element,
                f"the input values {text!r} of a number input are not a range Accord reads",
                expected="a range such as [0..120], [0..10), ]0..10[, (0..1] or >= 0",
                unsupported=True,
            )
            return None
        if kind is FactorKind.INTEGER:  # integers keep closed bounds: (0..10) is [1..9]
            if low.is_finite():
                low = Decimal(math.floor(low) + 1 if low_open else math.ceil(low))
            if high.is_finite():
                high = Decimal(math.ceil(high) - 1 if high_open else math.floor(high))
            low_open = high_open = False
        if low > high or (low == high and (low_open or high_open)):
            self.issue(
                element,
                f"the input values {text!r} contain no value",
                expected="a range whose lower end is below its upper end",
            )
            return None
        if kind is FactorKind.INTEGER:
            return Domain(
                kind,
                minimum=int(low) if low.is_finite() else low,
                maximum=int(high) if high.is_finite() else high,
            )
        return Domain(
            kind,
            minimum=low,
            maximum=high,
            minimum_open=low_open and low.is_finite(),
            maximum_open=high_open and high.is_finite(),
        )

    # -- decisions -------------------------------------------------------
    def definitions(self, root: ET.Element) -> Protocol | None:
        version = DMN_NAMESPACES.get(self.ns)
        if version is None:
            self.issue(
                root,
                f"not a DMN 1.2-1.5 model (namespace {self.ns or 'none'!r})",
                expected="DMN 1.3, 1.4 or 1.5 <definitions>",
                unsupported=True,
            )
            return None
        items = self.item_definitions(root)
        factors: dict[str, Factor] = {}
        decisions: dict[str, Decision] = {}
        decision_elements: dict[str, ET.Element] = {}
        decision_names = {
            d.get("name") or d.get("id") or "" for d in self.findall(root, "decision")
        }
        self.inputs = input_data(self, root)
        self.hrefs = element_names(self, root)
        self.feel_names = frozenset(self.inputs) | frozenset(decision_names)
        for child in root:
            name = local_name(child.tag)
            if name in _IGNORED or not isinstance(child.tag, str):
                continue
            if name in _REFUSED:
                if _REFUSED[name]:
                    self.issue(
                        child,
                        f"unsupported DMN construct: {_REFUSED[name]} ({child.get('name', '')})",
                        expected="decision tables and literal-expression decisions only",
                        unsupported=True,
                    )
                continue
            if name != "decision":
                continue
            decision = self.decision(child, factors, items, decision_names)
            if decision is not None:
                if decision.id in decisions:
                    self.issue(
                        child, f"duplicate decision name {decision.id!r}", expected="unique names"
                    )
                decisions[decision.id] = decision
                decision_elements[decision.id] = child
        self.requirements(decisions, decision_elements, factors, items)
        if not decisions and not self.issues:
            self.issue(
                root,
                "the DMN model holds no decision",
                expected="a <decisionTable> or a <literalExpression>",
            )
        name = root.get("name") or "dmn-model"
        return Protocol(
            id=name,
            title=name,
            version="",
            task_force="",
            factors=factors,
            decisions=decisions,
            source=self.file,
        )

    def requirements(
        self,
        decisions: Mapping[str, Decision],
        elements: Mapping[str, ET.Element],
        factors: dict[str, Factor],
        items: Mapping[str, tuple[str, str | None]],
    ) -> None:
        """Factors for the inputs only expressions read; every required decision known;
        no decisions requiring each other in a ring."""
        for decision in decisions.values():
            for name in decision.requires:
                if name not in decisions:
                    self.issue(
                        elements[decision.id],
                        f"decision {decision.id!r} requires {name!r}, which is not a decision "
                        "Accord imported",
                        expected="requirements naming decisions of this file",
                    )
            if decision.expression is None:
                continue
            for name in decision.inputs:
                if name in factors:
                    continue
                type_ref, _element = self.inputs.get(name, ("", None))
                factor = text_factor(name, type_ref, items)
                if factor is None:
                    self.issue(
                        elements[decision.id],
                        f"unsupported DMN construct: input {name!r} of decision {decision.id!r} "
                        f"has the type {type_ref!r}",
                        expected="a number, string, boolean, date, date and time or duration input",
                        unsupported=True,
                    )
                    continue
                factors[name] = factor
        try:
            decision_order(decisions)
        except DecisionCycle as cycle:
            self.issue(
                elements[cycle.cycle[0]],
                f"decisions require each other in a ring: {' → '.join(cycle.cycle)}",
                expected="requirements that end at input data",
            )

    def decision(
        self,
        element: ET.Element,
        factors: dict[str, Factor],
        items: Mapping[str, tuple[str, str | None]],
        decision_names: set[str],
    ) -> Decision | None:
        decision_name = element.get("name") or element.get("id") or "decision"
        requires = required_decisions(self, element, self.hrefs)
        table = self.find(element, "decisionTable")
        literal = self.find(element, "literalExpression")
        if table is None and literal is not None:
            return literal_decision(
                self,
                element,
                literal,
                names=self.feel_names,
                decision_names=decision_names,
                requires=requires,
                items=items,
            )
        if table is None:
            kinds = [
                local_name(c.tag)
                for c in element
                if local_name(c.tag)
                not in (
                    "variable",
                    "informationRequirement",
                    "knowledgeRequirement",
                    "authorityRequirement",
                    "description",
                    "extensionElements",
                    "question",
                    "allowedAnswers",
                )
            ]
            self.issue(
                element,
                f"unsupported DMN construct: decision {decision_name!r} is a "
                f"{kinds[0] if kinds else 'decision without logic'}, not a decision table "
                "or a literal expression",
                expected="a <decisionTable> or a <literalExpression>",
                unsupported=True,
            )
            return None
        policy_text = table.get("hitPolicy", "UNIQUE")
        aggregation_text = table.get("aggregation")
        parsed = parse_hit_policy(
            policy_text + (f" {aggregation_text}" if aggregation_text else "")
        )
        if parsed is None:
            self.issue(table, f"unknown hit policy {policy_text!r}", expected="a DMN hit policy")
            return None
        hit_policy, aggregation = parsed

        rules_xml = self.findall(table, "rule")
        inputs: list[str] = []
        domains: list[Domain | None] = []
        for column, input_element in enumerate(self.findall(table, "input")):
            expression = self.find(input_element, "inputExpression")
            text = self.child_text(expression) if expression is not None else None
            if not text:
                self.issue(
                    input_element,
                    "an input has no input expression",
                    expected="<inputExpression><text>name</text>",
                )
                return None
            if text in decision_names and text != decision_name:
                requires = tuple(dict.fromkeys([*requires, text]))  # a column fed by a decision
            elif not re.match(r"^[\w .'/-]+$", text):
                self.issue(
                    input_element,
                    f"unsupported DMN construct: input expression {text!r} is not a plain input name",
                    expected="the name of an input data element",
                    unsupported=True,
                )
                return None
            literals = []
            for rule in rules_xml:
                entries = self.findall(rule, "inputEntry")
                if column < len(entries):
                    literals.append(self.child_text(entries[column]) or "")
            type_ref = expression.get("typeRef", "") if expression is not None else ""
            domain = self.domain(
                type_ref,
                self.child_text(self.find(input_element, "inputValues")),
                input_element,
                literals,
                items,
            )
            factor = factors.get(text)
            if domain is not None:
                if factor is None:
                    factors[text] = Factor(text, domain, label=input_element.get("label", ""))
                elif factor.domain.kind != domain.kind:
                    self.issue(
                        input_element,
                        f"input {text!r} has different types in different tables",
                        expected="one type per input",
                    )
                    return None
                domain = factors[text].domain
            inputs.append(text)
            domains.append(domain)

        outputs: list[OutputDef] = []
        output_elements = self.findall(table, "output")
        for output_element in output_elements:
            name = output_element.get("name") or (
                decision_name if len(output_elements) == 1 else output_element.get("id") or "output"
            )
            type_ref = (
                output_element.get("typeRef")
                or (table.get("typeRef") if len(output_elements) == 1 else "")
                or ""
            )
            if type_ref in items:
                type_ref = items[type_ref][0] or ""
            values = self.value_list(
                self.child_text(self.find(output_element, "outputValues")), output_element
            )
            if type_ref == "number" or (values and all(isinstance(v, Decimal) for v in values)):
                kind = OutputKind.NUMBER
            elif type_ref == "boolean":
                kind = OutputKind.BOOLEAN
            elif values:
                kind = OutputKind.ENUM
            else:
                kind = OutputKind.TEXT
            default_text = self.child_text(self.find(output_element, "defaultOutputEntry"))
            default = (
                self.literal(default_text, output_element, "default output")
                if default_text
                else None
            )
            outputs.append(
                OutputDef(
                    name,
                    kind,
                    values,
                    output_element.get("label", ""),
                    None if isinstance(default, tuple) else default,
                )
            )
        if aggregation in (Aggregation.SUM, Aggregation.MIN, Aggregation.MAX) and len(outputs) == 1:
            outputs[0] = OutputDef(
                outputs[0].name,
                OutputKind.NUMBER,
                outputs[0].values,
                outputs[0].label,
                outputs[0].default,
            )

        rules: list[Rule] = []
        for index, rule in enumerate(rules_xml):
            rule_id = rule.get("id") or f"R{index + 1}"
            entries = self.findall(rule, "inputEntry")
            output_entries = self.findall(rule, "outputEntry")
            if len(entries) != len(inputs) or len(output_entries) != len(outputs):
                self.issue(
                    rule,
                    f"rule {rule_id!r} has the wrong number of cells",
                    expected=f"{len(inputs)} input and {len(outputs)} output entries",
                )
                continue
            conditions: dict[str, Condition] = {}
            for factor_id, domain, entry in zip(inputs, domains, entries, strict=True):
                text = self.child_text(entry) or "-"
                if domain is None:
                    continue
                try:
                    condition = parse_condition(text, domain)
                except ConditionProblem as problem:
                    unsupported = "cannot read" in problem.message
                    self.issue(
                        entry,
                        (
                            f"unsupported DMN construct: input entry {text!r} on {factor_id!r} is not a simple unary test"
                            if unsupported
                            else f"rule {rule_id!r}, {factor_id!r}: {problem.message}"
                        ),
                        expected=problem.expected,
                        unsupported=unsupported,
                    )
                    continue
                if not condition.is_any:
                    conditions[factor_id] = condition
            rule_outputs: dict[str, Any] = {}
            for output, entry in zip(outputs, output_entries, strict=True):
                rule_outputs[output.name] = self.literal(
                    self.child_text(entry) or "", entry, "output entry"
                )
            description = self.child_text(rule, "description") or ""
            rules.append(Rule(rule_id, conditions, rule_outputs, how=description))
        return Decision(
            id=decision_name,
            question=self.child_text(element, "question") or decision_name,
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            rules=tuple(rules),
            hit_policy=hit_policy,
            aggregation=aggregation,
            requires=requires,
        )


def _split(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "[(":
            depth += 1
        elif not quoted and char in "])":
            depth -= 1
        if char == "," and not quoted and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


__all__ = ["DMNImporter"]
