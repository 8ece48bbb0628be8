"""The words of one protocol version and its task force: factor and output labels, and the
names of directory entries, agencies and committees, for plans and pages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from accord.ui.labels import AUDIENCES, label

BOOLEAN_WORDS: Mapping[str, StrPromise] = {"true": _("yes"), "false": _("no")}
_ID = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*")


@dataclass
class ProtocolWords:
    """The labels of one protocol version and its task force's names, for plans and pages.

    ``names`` maps directory, agency and committee slugs to their names; factor and output
    ids use their labels in the protocol; any other id falls back to ``label``.
    """

    protocol: Any = None
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_task_force(cls, task_force_id: int | None, protocol: Any = None) -> ProtocolWords:
        from accord.accounts.models import Agency, Committee
        from accord.directory.models import Organization, Service

        names: dict[str, str] = {}
        if protocol is not None:
            names.update({ref_id: ref.name for ref_id, ref in protocol.directory.items()})
            names.update({t.id: t.course for t in protocol.training if t.course})
            names.update(protocol.committees)
        if task_force_id is not None:
            for model in (Organization, Service, Agency, Committee):
                names.update(
                    model.objects.filter(task_force_id=task_force_id).values_list("slug", "name")
                )
        return cls(protocol=protocol, names=names)

    def factor(self, factor_id: str) -> str:
        factors = getattr(self.protocol, "factors", {})
        if factor_id in factors and factors[factor_id].label:
            return str(factors[factor_id].label)
        return label(factor_id)

    def output(self, decision_id: str, name: str) -> str:
        decisions = getattr(self.protocol, "decisions", {})
        if decision_id in decisions:
            for output in decisions[decision_id].outputs:
                if output.name == name and output.label:
                    return str(output.label)
        return label(name).capitalize()

    def value(self, value: Any, *, key: str = "") -> str:
        if key == "audience" and str(value) in AUDIENCES:
            return str(AUDIENCES[str(value)])
        if isinstance(value, Mapping):
            return ", ".join(f"{label(k)}: {self.value(v, key=k)}" for k, v in value.items())
        if isinstance(value, list | tuple):
            return ", ".join(self.value(item, key=key) for item in value)
        if isinstance(value, str) and value in self.names:
            return self.names[value]
        return label(value) if value is not None else gettext("none")

    def row(self, decision_id: str, row: Mapping[str, Any]) -> list[tuple[str, str]]:
        """One answer row as (label, value) pairs, empty values left out."""
        return [
            (self.output(decision_id, key), self.value(value, key=key))
            for key, value in row.items()
            if value is not None
        ]

    def sentence(self, text: str) -> str:
        """A sentence the protocol core wrote with ids, with each id replaced by its words."""

        def word(match: re.Match[str]) -> str:
            found = match.group()
            factors = getattr(self.protocol, "factors", {})
            if found in factors:
                return self.factor(found)
            if found in self.names:
                return self.names[found]
            if found in BOOLEAN_WORDS:
                return str(BOOLEAN_WORDS[found])
            if "_" in found or "-" in found:
                return label(found)
            return found

        return _ID.sub(word, text)

    def words(self, ids: Iterable[str]) -> list[str]:
        return [self.value(i) for i in ids]

    def answer(self, answer: Mapping[str, Any]) -> dict[str, Any]:
        """A stored plan answer with its rows as (label, value) pairs and its explanation
        and missing facts in words (the stored snapshot keeps the ids)."""
        decision_id = str(answer.get("decision", ""))
        return {
            **answer,
            "pairs": [self.row(decision_id, row) for row in answer.get("rows") or []],
            "explanation": self.sentence(str(answer.get("explanation") or "")),
            "how": [self.sentence(str(how)) for how in answer.get("how") or []],
            "needs_labels": [self.factor(n) for n in answer.get("needs") or []],
        }
