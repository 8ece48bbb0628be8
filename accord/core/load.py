"""Read a protocol YAML file into the frozen model, reporting every mistake.

The YAML is composed (not constructed) with ruamel.yaml so every key, value
and list item keeps its line and column; nothing in the file is executed and
no Python object is ever built from a tag. The loader never stops at the first
problem: it collects :class:`LoadIssue` objects and raises one
:class:`LoadError` listing all of them, sorted by position.

The loader is assembled here from one part for each thing it reads (package
:mod:`accord.core.loading`: conditions, YAML nodes, factors, decisions,
deadlines, sharing rules and the plain sections); this module keeps every
public name importable (``parse_condition``, ``ConditionProblem``,
``load_protocol``, ``read_source`` ...).
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Mapping

from accord.core.errors import LoadError, LoadIssue
from accord.core.limits import InputLimits, too_large_message
from accord.core.loading.base import LoaderBase, parse_duration_minutes
from accord.core.loading.conditions import (
    CONDITION_SYNTAX,
    NEG_INF,
    POS_INF,
    ConditionProblem,
    domain_bounds,
    parse_condition,
)
from accord.core.loading.deadlines import DeadlinesLoader
from accord.core.loading.decisions import HIT_POLICY_ALIASES, HIT_POLICY_NAMES, parse_hit_policy
from accord.core.loading.factors import FactorsLoader
from accord.core.loading.sections import SectionsLoader
from accord.core.loading.sharing import IMMIGRATION_1367_SECTORS, SharingLoader
from accord.core.loading.yaml_nodes import SAFE_TAG_NAMES, SAFE_TAGS, Located
from accord.core.model import (
    COMMON_QUESTIONS,
    Condition,
    DirectoryReference,
    Domain,
    Protocol,
)

TOP_LEVEL_KEYS = (
    "accord",
    "id",
    "title",
    "version",
    "task_force",
    "description",
    "directory",
    "committees",
    "factors",
    "decisions",
    "responsibilities",
    "deadlines",
    "sharing",
    "escalation",
    "training",
    "guidelines",
)


class _Loader(FactorsLoader, DeadlinesLoader, SharingLoader, SectionsLoader, LoaderBase):
    """Every section's reader; this part reads the protocol's head, directory and committees."""

    def protocol(self, root: Located) -> Protocol | None:
        if not root.is_mapping:
            self.issue(
                root,
                "a protocol file must be a mapping",
                expected="id:, title:, factors:, decisions: ...",
            )
            return None
        self.check_keys(root, TOP_LEVEL_KEYS, "the protocol")
        top = root.value
        protocol_id = self.text(top.get("id"), "id", required=True, parent=root)
        title = self.text(top.get("title"), "title", required=True, parent=root)
        version = self.text(top.get("version"), "version")
        task_force = self.text(top.get("task_force"), "task_force")

        directory = self.directory(top.get("directory"))
        committees = self.committees(top.get("committees"), directory)
        factors = self.factors(top.get("factors"))
        decisions = self.decisions(top.get("decisions"), factors, directory)
        decisions_node = top.get("decisions")
        for common_id, question in COMMON_QUESTIONS.items():
            if not self.require_common_questions:
                break
            if common_id not in decisions and not (
                decisions_node is not None and common_id in decisions_node.keys
            ):
                where = root.keys.get("decisions") if decisions_node is not None else root
                self.issue(
                    where,
                    f"missing common question {common_id!r} ({question})",
                    expected=f"a decision with id {common_id!r} (each of the eight common questions is required)",
                )
        training = self.training(top.get("training"))
        responsibilities = self.responsibilities(top.get("responsibilities"), directory)
        deadlines = self.deadlines(top.get("deadlines"), factors, decisions, directory, training)
        sharing = self.sharing(top.get("sharing"))
        escalation = self.escalation(top.get("escalation"))
        guidelines = self.guidelines(top.get("guidelines"))
        return Protocol(
            id=protocol_id,
            title=title,
            version=version,
            task_force=task_force,
            factors=factors,
            decisions=decisions,
            directory=directory,
            responsibilities=responsibilities,
            deadlines=deadlines,
            sharing=sharing,
            escalation=escalation,
            training=tuple(training.values()),
            guidelines=guidelines,
            committees=committees,
            source=self.file,
            description=self.text(top.get("description"), "description").strip(),
        )

    def directory(self, where: Located | None) -> dict[str, DirectoryReference]:
        section = self.mapping(where, "directory")
        if where is not None and where.is_mapping:
            self.check_keys(where, ("organizations", "services"), "directory")
        result: dict[str, DirectoryReference] = {}
        for org_id, node in self.mapping(
            section.get("organizations"), "directory organizations"
        ).items():
            name = node.value.get("name") if node.is_mapping else node
            result[org_id] = DirectoryReference(org_id, "organization", self.text(name, "name"))
        services_node = section.get("services")
        for service_id, node in self.mapping(services_node, "directory services").items():
            if service_id in result:
                self.issue(
                    services_node.keys[service_id] if services_node else node,
                    f"duplicate directory id {service_id!r}",
                    expected="organization and service ids to differ",
                )
                continue
            if node.is_mapping:
                self.check_keys(node, ("name", "organization"), f"service {service_id!r}")
                owner_node = node.value.get("organization")
                owner = self.text(owner_node, "organization") or None
                if owner is not None and result.get(owner) is None:
                    self.issue(
                        owner_node,
                        f"service {service_id!r} belongs to undeclared organization {owner!r}",
                        expected="an id under directory.organizations",
                    )
                name = self.text(node.value.get("name"), "name")
            else:
                owner, name = None, self.text(node, "name")
            result[service_id] = DirectoryReference(service_id, "service", name, owner)
        return result

    def committees(
        self, where: Located | None, directory: Mapping[str, DirectoryReference]
    ) -> dict[str, str]:
        result: dict[str, str] = {}
        for committee_id, node in self.mapping(where, "committees").items():
            if node.is_mapping:
                self.check_keys(node, ("name", "members"), f"committee {committee_id!r}")
                for member, member_node in self.names(node.value.get("members"), "members"):
                    self.require_reference(member_node, member, directory, kind="organization")
                result[committee_id] = self.text(node.value.get("name"), "name") or committee_id
            else:
                result[committee_id] = self.text(node, "name") or committee_id
        return result


def _too_large(name: str, size: int, limit: int) -> LoadError:
    return LoadError(
        [LoadIssue(name, 1, 1, too_large_message(size, limit), "a smaller file")],
        code="input_too_large",
    )


def read_source(
    source: str | pathlib.Path, filename: str | None, *, max_bytes: int, kind: str = "UTF-8"
) -> tuple[str, str]:
    """The text of ``source`` and the name to report it under, refused when too large.

    A file's size is checked before a byte of it is read (S24: bad input is
    refused early, with the limit named).
    """
    if isinstance(source, pathlib.Path):
        name = filename or str(source)
        try:
            size = source.stat().st_size
            if size > max_bytes:
                raise _too_large(name, size, max_bytes)
            return source.read_text(encoding="utf-8"), name
        except (OSError, UnicodeDecodeError) as error:
            raise LoadError(
                [
                    LoadIssue(
                        name, 1, 1, f"cannot read the file: {error}", f"a readable {kind} file"
                    )
                ],
                code="protocol_unreadable",
            ) from error
    name = filename or "<string>"
    size = len(source.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise _too_large(name, size, max_bytes)
    return source, name


def load_protocol(
    source: str | pathlib.Path,
    *,
    filename: str | None = None,
    require_common_questions: bool = True,
    limits: InputLimits | None = None,
) -> Protocol:
    """Load a protocol from YAML text (``str``) or a file (``pathlib.Path``).

    Raises :class:`LoadError` listing every mistake found, each with file,
    line, column and what was expected. ``require_common_questions=False``
    reads a file of decision tables only (e.g. one converted from DMN).
    ``limits`` (default: the environment's, see :mod:`accord.core.limits`)
    bounds the size and nesting depth; a file over either is refused whole.
    """
    limits = limits or InputLimits.from_environ()
    text, name = read_source(source, filename, max_bytes=limits.max_bytes)
    loader = _Loader(name, limits=limits)
    loader.require_common_questions = require_common_questions
    root = loader.compose(text)
    protocol = loader.protocol(root) if root is not None else None
    if loader.issues or protocol is None:
        raise LoadError(loader.issues)
    return protocol


def load_protocol_file(path: str | pathlib.Path) -> Protocol:
    """Load a protocol from a path given as text or Path."""
    return load_protocol(pathlib.Path(path))


ConditionParser = Callable[[str, Domain], Condition]

__all__ = [
    "CONDITION_SYNTAX",
    "HIT_POLICY_ALIASES",
    "HIT_POLICY_NAMES",
    "IMMIGRATION_1367_SECTORS",
    "NEG_INF",
    "POS_INF",
    "SAFE_TAGS",
    "SAFE_TAG_NAMES",
    "TOP_LEVEL_KEYS",
    "ConditionProblem",
    "Located",
    "domain_bounds",
    "load_protocol",
    "load_protocol_file",
    "parse_condition",
    "parse_duration_minutes",
    "parse_hit_policy",
    "read_source",
]
