"""Reading the plain sections: responsibilities, training, escalation, guidelines."""

from __future__ import annotations

from collections.abc import Mapping

from accord.core.loading.base import LoaderBase, parse_duration_minutes
from accord.core.loading.yaml_nodes import Located
from accord.core.model import (
    DirectoryReference,
    EscalationLevel,
    Guideline,
    Responsibility,
    Sector,
    TrainingRequirement,
)


class SectionsLoader(LoaderBase):
    """``responsibilities:``, ``training:``, ``escalation:``, ``guidelines:``"""

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
