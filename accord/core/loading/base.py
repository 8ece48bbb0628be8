"""The loader's foundation: reporting issues, composing YAML, typed accessors."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from accord.core.errors import LoadIssue
from accord.core.limits import InputLimits, too_deep_message
from accord.core.loading.conditions import _format_scalar
from accord.core.loading.yaml_nodes import (
    SAFE_TAG_NAMES,
    Located,
    _GuardedComposer,
    _RefusedTag,
    _scalar_value,
    _shown_tag,
    _tag_name,
    _TooDeep,
)
from accord.core.model import (
    DirectoryReference,
    SourceSpan,
)

_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s*$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}


def parse_duration_minutes(text: str) -> int | None:
    match = _DURATION.match(str(text))
    if not match:
        return None
    amount, unit = match.groups()
    return int(amount) * _UNIT_MINUTES[unit[0]]


class LoaderBase:
    """Reporting, YAML and typed accessors every section loader uses: each mistake is
    collected as a :class:`LoadIssue`, never raised at once."""

    def __init__(self, filename: str, *, limits: InputLimits | None = None) -> None:
        self.file = filename
        self.limits = limits or InputLimits.from_environ()
        self.issues: list[LoadIssue] = []
        self._memo: dict[int, Located] = {}
        self.require_common_questions = True

    # -- reporting -------------------------------------------------------
    def issue(self, where: Located | None, message: str, *, expected: str = "") -> None:
        line = where.line + 1 if where is not None else 1
        column = where.column + 1 if where is not None else 1
        self.issues.append(LoadIssue(self.file, line, column, message, expected))

    def span(self, where: Located) -> SourceSpan:
        return SourceSpan(self.file, where.line + 1, where.column + 1)

    # -- YAML ------------------------------------------------------------
    def compose(self, text: str) -> Located | None:
        # "safe" composes a third faster than round-trip (no comment gathering)
        yaml = YAML(typ="safe", pure=True)
        depth = self.limits.max_depth

        class DepthLimitedComposer(_GuardedComposer):
            limit_depth = depth

        yaml.Composer = DepthLimitedComposer
        try:
            node = yaml.compose(io.StringIO(text))
        except _TooDeep as error:
            mark = error.mark
            self.issues.append(
                LoadIssue(
                    self.file,
                    mark.line + 1 if mark else 1,
                    mark.column + 1 if mark else 1,
                    too_deep_message(self.limits.max_depth),
                    f"at most {self.limits.max_depth} levels of lists and mappings",
                )
            )
            return None
        except _RefusedTag as error:
            mark = error.mark
            self.issues.append(
                LoadIssue(
                    self.file,
                    mark.line + 1 if mark else 1,
                    mark.column + 1 if mark else 1,
                    f"the YAML tag {_shown_tag(error.tag)} is refused",
                    f"plain values (tags allowed: {SAFE_TAG_NAMES})",
                )
            )
            return None
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark else 1
            column = mark.column + 1 if mark else 1
            problem = error.problem or "malformed YAML"
            context = f" {error.context}" if error.context else ""
            self.issues.append(
                LoadIssue(
                    self.file,
                    line,
                    column,
                    f"malformed YAML: {problem}{context}",
                    'well-formed YAML (quote ranges such as "[16..18)")',
                )
            )
            return None
        except YAMLError as error:
            self.issues.append(
                LoadIssue(self.file, 1, 1, f"malformed YAML: {error}", "well-formed YAML")
            )
            return None
        if node is None:
            self.issues.append(LoadIssue(self.file, 1, 1, "the file is empty", "a protocol"))
            return None
        return self.convert(node)

    def convert(self, node: Node) -> Located:
        memo = self._memo.get(id(node))
        if memo is not None:
            return memo
        mark = node.start_mark
        located = Located(None, mark.line, mark.column, _tag_name(node))
        self._memo[id(node)] = located
        if isinstance(node, MappingNode):
            mapping: dict[str, Located] = {}
            for key_node, value_node in node.value:
                key = self.convert(key_node)
                if not key.is_scalar or key.value is None:
                    self.issue(key, "a mapping key must be a plain name", expected="a name")
                    continue
                name = _format_scalar(key.value)
                if name in mapping:
                    first = located.keys[name]
                    self.issue(
                        key,
                        f"duplicate key {name!r} (first at line {first.line + 1})",
                        expected="each id once",
                    )
                    continue
                mapping[name] = self.convert(value_node)
                located.keys[name] = key
            located.value = mapping
        elif isinstance(node, SequenceNode):
            located.value = [self.convert(item) for item in node.value]
        else:
            located.value = _scalar_value(node)  # type: ignore[arg-type]  # ScalarNode
        return located

    # -- typed accessors -------------------------------------------------
    def mapping(self, where: Located | None, what: str) -> dict[str, Located]:
        if where is None or where.value is None:
            return {}
        if not where.is_mapping:
            self.issue(where, f"{what} must be a mapping", expected="key: value lines")
            return {}
        return where.value  # type: ignore[no-any-return]

    def sequence(self, where: Located | None, what: str) -> list[Located]:
        if where is None or where.value is None:
            return []
        if not where.is_sequence:
            self.issue(where, f"{what} must be a list", expected="a list of items")
            return []
        return where.value  # type: ignore[no-any-return]

    def text(
        self,
        where: Located | None,
        what: str,
        *,
        required: bool = False,
        parent: Located | None = None,
    ) -> str:
        if where is None or where.value is None:
            if required:
                self.issue(parent, f"{what} is missing", expected=f"{what}")
            return ""
        if not where.is_scalar:
            self.issue(where, f"{what} must be text", expected="text")
            return ""
        return _format_scalar(where.value)

    def names(self, where: Located | None, what: str) -> list[tuple[str, Located]]:
        """A name or a list of names."""
        if where is None or where.value is None:
            return []
        if where.is_scalar:
            return [(_format_scalar(where.value), where)]
        result = []
        for item in self.sequence(where, what):
            if item.is_scalar and item.value is not None:
                result.append((_format_scalar(item.value), item))
            else:
                self.issue(item, f"{what} must list names", expected="a name")
        return result

    def boolean(self, where: Located | None, what: str) -> bool:
        if where is None or where.value is None:
            return False
        if isinstance(where.value, bool):
            return where.value
        self.issue(where, f"{what} must be true or false", expected="true or false")
        return False

    def integer(self, where: Located | None, what: str) -> int | None:
        if where is None or where.value is None:
            return None
        if isinstance(where.value, int) and not isinstance(where.value, bool):
            return where.value
        self.issue(where, f"{what} must be a whole number", expected="an integer")
        return None

    def choice(self, where: Located, enum_type: Any, what: str) -> Any:
        text = self.text(where, what)
        try:
            return enum_type(text)
        except ValueError:
            self.issue(
                where,
                f"unknown {what} {text!r}",
                expected="one of: " + ", ".join(member.value for member in enum_type),
            )
            return None

    def check_keys(self, where: Located, allowed: Iterable[str], what: str) -> None:
        allowed_set = tuple(allowed)
        for key, key_node in where.keys.items():
            if key not in allowed_set:
                self.issue(
                    key_node,
                    f"unknown key {key!r} in {what}",
                    expected="one of: " + ", ".join(allowed_set),
                )

    def require_reference(
        self,
        where: Located,
        reference: str,
        directory: Mapping[str, DirectoryReference],
        *,
        kind: str,
    ) -> None:
        entry = directory.get(reference)
        if entry is None or entry.kind != kind:
            declared = sorted(k for k, v in directory.items() if v.kind == kind)
            self.issue(
                where,
                f"{kind} {reference!r} is not declared in the directory",
                expected=f"an id under directory.{kind}s"
                + (
                    f" ({', '.join(declared[:12])}{', ...' if len(declared) > 12 else ''})"
                    if declared
                    else ""
                ),
            )

    def unique_id(
        self, node: Located, seen: dict[str, Located], what: str, index: int
    ) -> str | None:
        if not node.is_mapping:
            self.issue(node, f"each {what} must be a mapping", expected="id: ... and its fields")
            return None
        id_node = node.value.get("id")
        identifier = self.text(id_node, f"{what} id", required=True, parent=node)
        if not identifier:
            return None
        if identifier in seen:
            self.issue(
                id_node,
                f"duplicate {what} id {identifier!r} (first at line {seen[identifier].line + 1})",
                expected=f"unique {what} ids",
            )
            return None
        seen[identifier] = node
        return identifier
