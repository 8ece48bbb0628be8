"""Write a protocol back to the YAML format ``load_protocol`` reads.

Loading the dumped text gives an equal model (a hypothesis test holds us to
it). Conditions are written as the text their author wrote, so a dumped file
stays readable and diffs stay small.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from accord.core.emit import emit_yaml
from accord.core.model import (
    Condition,
    Decision,
    Factor,
    FactorKind,
    HitPolicy,
    OutputKind,
    Protocol,
    Rule,
)


def _duration(minutes: int) -> str:
    minutes = abs(minutes)
    for unit, size in (("w", 10080), ("d", 1440), ("h", 60)):
        if minutes and minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def _finite(value: Any) -> bool:
    return value is not None and not (isinstance(value, Decimal) and value.is_infinite())


def _scalar(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_scalar(item) for item in value]
    if isinstance(value, Decimal) and value == value.to_integral_value() and value.is_finite():
        # keep the type: a decimal written as 5 would read back as the int 5
        return value
    return value


def _factor(factor: Factor) -> dict[str, Any]:
    domain = factor.domain
    data: dict[str, Any] = {"type": domain.kind.value}
    if domain.kind is FactorKind.ENUM:
        data["values"] = list(domain.values)
    elif domain.is_numeric:
        if _finite(domain.minimum):
            data["min"] = domain.minimum
            if domain.minimum_open:
                data["min_exclusive"] = True
        if _finite(domain.maximum):
            data["max"] = domain.maximum
            if domain.maximum_open:
                data["max_exclusive"] = True
    if factor.label:
        data["label"] = factor.label
    if factor.description:
        data["description"] = factor.description
    if factor.victim_attribute:
        data["victim"] = factor.victim_attribute
    if factor.victims_aggregate:
        data["victims"] = factor.victims_aggregate
    return data


def _condition_text(condition: Condition) -> str:
    return condition.text


def _rule(decision: Decision, rule: Rule) -> dict[str, Any]:
    data: dict[str, Any] = {"id": rule.id}
    when = {
        factor_id: _condition_text(rule.conditions[factor_id])
        for factor_id in decision.inputs
        if factor_id in rule.conditions
    }
    if when:
        data["when"] = when
    data["then"] = {
        output.name: _scalar(rule.outputs.get(output.name)) for output in decision.outputs
    }
    if rule.how:
        data["how"] = rule.how
    if rule.annotation:
        data["note"] = rule.annotation
    return data


def _decision(decision: Decision) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if decision.question:
        data["question"] = decision.question
    policy = decision.hit_policy.value
    if decision.hit_policy is HitPolicy.COLLECT and decision.aggregation is not None:
        policy = f"COLLECT {decision.aggregation.value}"
    data["hit_policy"] = policy
    if decision.per_victim:
        data["for"] = "victim"
    data["inputs"] = list(decision.inputs)
    outputs: dict[str, Any] = {}
    for output in decision.outputs:
        spec: dict[str, Any] = {"type": output.kind.value}
        if output.values:
            spec["values"] = [_scalar(v) for v in output.values]
        if output.label:
            spec["label"] = output.label
        if output.default is not None:
            spec["default"] = _scalar(output.default)
        outputs[output.name] = spec
    data["outputs"] = outputs
    data["rules"] = [_rule(decision, rule) for rule in decision.rules]
    return data


def protocol_to_data(protocol: Protocol) -> dict[str, Any]:
    """The protocol as plain YAML-ready data (mappings, lists, scalars)."""
    data: dict[str, Any] = {
        "accord": 1,
        "id": protocol.id,
        "title": protocol.title,
        "version": protocol.version,
        "task_force": protocol.task_force,
    }
    if protocol.description:
        data["description"] = protocol.description
    organizations = {
        ref.id: ref.name for ref in protocol.directory.values() if ref.kind == "organization"
    }
    services = {
        ref.id: {"organization": ref.organization, "name": ref.name}
        if ref.organization
        else {"name": ref.name}
        for ref in protocol.directory.values()
        if ref.kind == "service"
    }
    if organizations or services:
        data["directory"] = {}
        if organizations:
            data["directory"]["organizations"] = organizations
        if services:
            data["directory"]["services"] = services
    if protocol.committees:
        data["committees"] = dict(protocol.committees)
    data["factors"] = {factor_id: _factor(f) for factor_id, f in protocol.factors.items()}
    data["decisions"] = {d_id: _decision(d) for d_id, d in protocol.decisions.items()}
    if protocol.responsibilities:
        data["responsibilities"] = {
            r.sector.value: {
                "summary": r.summary,
                "duties": list(r.duties),
                "contacts": list(r.contacts),
            }
            for r in protocol.responsibilities
        }
    if protocol.deadlines:
        data["deadlines"] = [_deadline(d) for d in protocol.deadlines]
    if protocol.sharing:
        data["sharing"] = [
            {
                "id": s.id,
                "class": s.field_class.value,
                "from": sorted(x.value for x in s.from_sectors),
                "to": sorted(x.value for x in s.to_sectors),
                "stages": sorted(x.value for x in s.stages),
                "audience": s.audience.value,
                **({"categories": sorted(s.categories)} if s.categories else {}),
                **({"requires_consent": True} if s.requires_consent else {}),
                **({"authorized_only": True} if s.authorized_only else {}),
                **({"note": s.note} if s.note else {}),
            }
            for s in protocol.sharing
        ]
    if protocol.escalation:
        data["escalation"] = [
            {
                "level": e.level,
                "name": e.name,
                "decided_by": e.decided_by,
                "within": _duration(e.time_limit_hours * 60),
            }
            for e in protocol.escalation
        ]
    if protocol.training:
        data["training"] = [
            {
                "id": t.id,
                "course": t.course,
                "roles": sorted(t.roles),
                **({"renew_months": t.renew_months} if t.renew_months is not None else {}),
                **({"gates": list(t.gates)} if t.gates else {}),
            }
            for t in protocol.training
        ]
    if protocol.guidelines:
        data["guidelines"] = [
            {
                "id": g.id,
                "title": g.title,
                **({"sector": g.sector.value} if g.sector else {}),
                "text": g.text,
            }
            for g in protocol.guidelines
        ]
    return data


def _deadline(deadline: Any) -> dict[str, Any]:
    owner: dict[str, Any] = {}
    if deadline.owner_sector is not None:
        owner["sector"] = deadline.owner_sector.value
    if deadline.owner_role:
        owner["role"] = deadline.owner_role
    if deadline.owner_organization:
        owner["organization"] = deadline.owner_organization
    data: dict[str, Any] = {"id": deadline.id, "task": deadline.task, "owner": owner}
    data["anchor"] = deadline.anchor
    key = "before" if deadline.offset_minutes < 0 else "within"
    data[key] = _duration(deadline.offset_minutes)
    if deadline.when:
        data["when"] = {k: _condition_text(c) for k, c in deadline.when.items()}
    if deadline.when_output:
        data["when_output"] = {k: _scalar(v) for k, v in deadline.when_output.items()}
    if deadline.requires_training:
        data["requires_training"] = list(deadline.requires_training)
    if deadline.for_each:
        data["for_each"] = deadline.for_each
    if deadline.field_class != "case-basic":
        data["class"] = str(deadline.field_class)
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, OutputKind):
        return value.value
    return value


def dump_protocol(protocol: Protocol) -> str:
    """The protocol as YAML text in the documented format (written by :mod:`.emit`)."""
    return emit_yaml(_plain(protocol_to_data(protocol)))


__all__ = ["dump_protocol", "protocol_to_data"]
