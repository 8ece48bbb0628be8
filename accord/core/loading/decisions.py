"""Reading the decision tables: hit policy, inputs, outputs and rules."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from accord.core.loading.base import LoaderBase
from accord.core.loading.conditions import (
    CONDITION_SYNTAX,
    ConditionProblem,
    _format_scalar,
    parse_condition,
)
from accord.core.loading.yaml_nodes import Located
from accord.core.model import (
    COMMON_QUESTIONS,
    Aggregation,
    Condition,
    Decision,
    DirectoryReference,
    Factor,
    HitPolicy,
    OutputDef,
    OutputKind,
    Rule,
    Scalar,
)

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


class DecisionsLoader(LoaderBase):
    """``decisions:``"""

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
