"""Reading the deadlines: who must do what, by when, after which event."""

from __future__ import annotations

from collections.abc import Mapping

from accord.core.loading.base import parse_duration_minutes
from accord.core.loading.decisions import DecisionsLoader
from accord.core.loading.yaml_nodes import Located
from accord.core.model import (
    ANCHOR_EVENTS,
    Condition,
    Deadline,
    Decision,
    DirectoryReference,
    Factor,
    FieldClass,
    Scalar,
    Sector,
    TrainingRequirement,
    title_placeholders,
)


class DeadlinesLoader(DecisionsLoader):
    """``deadlines:`` (their conditions and outputs are read as a decision's are)."""

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
