"""The core model out as DMN 1.5 XML that this importer (and DMN modelers) read back."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # building only
from decimal import Decimal
from typing import Any

from accord.core.dmn_read import DMN15, FEEL15
from accord.core.model import (
    Condition,
    Domain,
    Factor,
    FactorKind,
    HitPolicy,
    OutputKind,
    Protocol,
)


def _feel_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_feel_literal(v) for v in value) + "]"
    escaped = str(value).replace('"', '\\"')
    return f'"{escaped}"'


def _feel_number(value: Any) -> str:
    return str(value)


def condition_to_feel(condition: Condition, domain: Domain) -> str:
    """The canonical region as a DMN simple unary test."""
    if condition.is_any:
        return "-"
    if condition.values is not None:
        ordered = [v for v in domain.values if v in condition.values]
        if domain.kind is FactorKind.BOOLEAN:
            return ", ".join("true" if v else "false" for v in ordered)
        return ", ".join(_feel_literal(v) for v in ordered)
    parts = []
    for interval in condition.intervals or ():
        low_inf = isinstance(interval.low, Decimal) and interval.low.is_infinite()
        high_inf = isinstance(interval.high, Decimal) and interval.high.is_infinite()
        if low_inf and high_inf:
            return "-"
        if low_inf:
            parts.append(("< " if interval.high_open else "<= ") + _feel_number(interval.high))
        elif high_inf:
            parts.append(("> " if interval.low_open else ">= ") + _feel_number(interval.low))
        elif interval.low == interval.high and not (interval.low_open or interval.high_open):
            parts.append(_feel_number(interval.low))
        else:
            parts.append(
                ("(" if interval.low_open else "[")
                + f"{_feel_number(interval.low)}..{_feel_number(interval.high)}"
                + (")" if interval.high_open else "]")
            )
    return ", ".join(parts)


_TYPE_REF = {
    OutputKind.NUMBER: "number",
    OutputKind.BOOLEAN: "boolean",
}


def _domain_type(domain: Domain) -> str:
    if domain.kind is FactorKind.BOOLEAN:
        return "boolean"
    if domain.is_numeric:
        return "number"
    return "string"


def _id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else f"_{cleaned}"


def export_dmn(protocol: Protocol, decision_ids: list[str] | None = None) -> str:
    """DMN 1.5 XML holding the protocol's decision tables (or those named)."""
    ET.register_namespace("", DMN15)

    def q(name: str) -> str:
        return f"{{{DMN15}}}{name}"

    root = ET.Element(
        q("definitions"),
        {
            "id": _id(f"definitions_{protocol.id}"),
            "name": protocol.id,
            "namespace": f"https://accord.example/protocols/{_id(protocol.id)}",
            "expressionLanguage": FEEL15,
            "typeLanguage": FEEL15,
            "exporter": "Accord",
        },
    )
    chosen = [protocol.decisions[d] for d in _with_required(protocol, decision_ids)]
    used_inputs: dict[str, Factor] = {}
    for decision in chosen:
        element = ET.SubElement(
            root, q("decision"), {"id": _id(f"decision_{decision.id}"), "name": decision.id}
        )
        if decision.question and decision.question != decision.id:
            ET.SubElement(element, q("question")).text = decision.question
        single_type = (
            _TYPE_REF.get(decision.outputs[0].kind, "string")
            if len(decision.outputs) == 1
            else None
        )
        ET.SubElement(
            element,
            q("variable"),
            {"name": decision.id, **({"typeRef": single_type} if single_type else {})},
        )
        for factor_id in dict.fromkeys([*decision.inputs, *decision.requires]):
            requirement = ET.SubElement(
                element, q("informationRequirement"), {"id": _id(f"req_{decision.id}_{factor_id}")}
            )
            if factor_id in decision.requires:  # another decision's answer
                ET.SubElement(
                    requirement,
                    q("requiredDecision"),
                    {"href": f"#{_id('decision_' + factor_id)}"},
                )
                continue
            ET.SubElement(
                requirement, q("requiredInput"), {"href": f"#{_id('input_' + factor_id)}"}
            )
            used_inputs[factor_id] = protocol.factors[factor_id]
        if decision.expression is not None:
            literal = ET.SubElement(element, q("literalExpression"))
            ET.SubElement(literal, q("text")).text = decision.expression
            continue
        attributes = {"id": _id(f"table_{decision.id}"), "hitPolicy": decision.hit_policy.value}
        if decision.hit_policy is HitPolicy.COLLECT and decision.aggregation is not None:
            attributes["aggregation"] = decision.aggregation.value
        table = ET.SubElement(element, q("decisionTable"), attributes)
        for factor_id in decision.inputs:
            factor = protocol.factors[factor_id]
            column = ET.SubElement(
                table,
                q("input"),
                {
                    "id": _id(f"in_{decision.id}_{factor_id}"),
                    **({"label": factor.label} if factor.label else {}),
                },
            )
            expression = ET.SubElement(
                column, q("inputExpression"), {"typeRef": _domain_type(factor.domain)}
            )
            ET.SubElement(expression, q("text")).text = factor_id
            values_text = _input_values(factor.domain)
            if values_text:
                ET.SubElement(ET.SubElement(column, q("inputValues")), q("text")).text = values_text
        for output in decision.outputs:
            column = ET.SubElement(
                table,
                q("output"),
                {
                    "id": _id(f"out_{decision.id}_{output.name}"),
                    "name": output.name,
                    "typeRef": _TYPE_REF.get(output.kind, "string"),
                },
            )
            if output.values:
                ET.SubElement(ET.SubElement(column, q("outputValues")), q("text")).text = ", ".join(
                    _feel_literal(v) for v in output.values
                )
            if output.default is not None:
                ET.SubElement(
                    ET.SubElement(column, q("defaultOutputEntry")), q("text")
                ).text = _feel_literal(output.default)
        for rule in decision.rules:
            row = ET.SubElement(table, q("rule"), {"id": _id(rule.id)})
            if rule.how:
                ET.SubElement(row, q("description")).text = rule.how
            for factor_id in decision.inputs:
                cell = ET.SubElement(row, q("inputEntry"))
                ET.SubElement(cell, q("text")).text = condition_to_feel(
                    rule.condition(factor_id), protocol.factors[factor_id].domain
                )
            for output in decision.outputs:
                cell = ET.SubElement(row, q("outputEntry"))
                ET.SubElement(cell, q("text")).text = _feel_literal(rule.outputs.get(output.name))
    for factor_id, factor in used_inputs.items():
        data = ET.SubElement(
            root, q("inputData"), {"id": _id("input_" + factor_id), "name": factor_id}
        )
        type_ref = factor.feel_type or _domain_type(factor.domain)
        ET.SubElement(data, q("variable"), {"name": factor_id, "typeRef": type_ref})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _with_required(protocol: Protocol, decision_ids: list[str] | None) -> list[str]:
    """The decisions asked for and those they read, in the protocol's order."""
    wanted = set(decision_ids or protocol.decisions)
    pending = list(wanted)
    while pending:
        for name in protocol.decisions[pending.pop()].requires:
            if name in protocol.decisions and name not in wanted:
                wanted.add(name)
                pending.append(name)
    return [decision_id for decision_id in protocol.decisions if decision_id in wanted]


def _input_values(domain: Domain) -> str:
    if domain.kind is FactorKind.ENUM:
        return ", ".join(_feel_literal(v) for v in domain.values)
    if domain.is_numeric:
        low, high = domain.minimum, domain.maximum
        low_finite = low is not None and not (isinstance(low, Decimal) and low.is_infinite())
        high_finite = high is not None and not (isinstance(high, Decimal) and high.is_infinite())
        if low_finite and high_finite:
            start = "(" if domain.minimum_open else "["
            end = ")" if domain.maximum_open else "]"
            return f"{start}{low}..{high}{end}"
        if low_finite:
            return f"{'>' if domain.minimum_open else '>='} {low}"
        if high_finite:
            return f"{'<' if domain.maximum_open else '<='} {high}"
    return ""


__all__ = ["condition_to_feel", "export_dmn"]
