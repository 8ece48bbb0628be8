"""YAML composed into located values, refusing unsafe tags and deep nesting.

Nothing in the file is executed and no Python object is ever built from a tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ruamel.yaml.composer import Composer
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from ruamel.yaml.nodes import Node, ScalarNode


@dataclass
class Located:
    """A YAML value with the position it was written at (0-based internally)."""

    value: Any  # dict[str, Located] | list[Located] | scalar
    line: int
    column: int
    tag: str = ""
    keys: dict[str, Located] = field(default_factory=dict)  # mapping key nodes

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not (self.is_mapping or self.is_sequence)


_YAML_TAG = "tag:yaml.org,2002:"


def _tag_name(node: Node) -> str:
    tag = node.tag
    text = str(getattr(tag, "value", tag) or "")
    return text[len(_YAML_TAG) :] if text.startswith(_YAML_TAG) else text


def _scalar_value(node: ScalarNode) -> Any:
    tag = _tag_name(node)
    # ruamel's round-trip composer marks the fold points of ">" scalars with BEL
    text = node.value.replace("\a", "") if node.style == ">" else node.value
    if tag == "null":
        return None
    if tag == "bool":
        return text.lower() == "true"
    if tag == "int":
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if tag == "float":
        try:
            return Decimal(text.replace("_", ""))
        except InvalidOperation:
            return text
    return text


#: The only tags a protocol file may carry: YAML's own core schema. Any other
#: (``!!python/name:...``, ``!!binary``, a local ``!thing``) is refused, never
#: read as text: a file that asks for a Python object is not a protocol.
SAFE_TAGS = frozenset(
    f"{_YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
SAFE_TAG_NAMES = "!!str, !!int, !!float, !!bool, !!null, !!seq, !!map"


class _RefusedTag(YAMLError):
    def __init__(self, tag: str, mark: Any) -> None:
        super().__init__(tag)
        self.tag = tag
        self.mark = mark


class _TooDeep(YAMLError):
    def __init__(self, mark: Any) -> None:
        super().__init__("too deep")
        self.mark = mark


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


class _GuardedComposer(Composer):
    """ruamel's composer, refusing every explicit tag outside :data:`SAFE_TAGS`
    and every list or mapping nested deeper than ``limit_depth``.

    Both are checked before a node is composed, so the composer's recursion
    (two frames a level) stops long before Python's recursion limit.
    """

    limit_depth = 64
    containers = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            return super().compose_node(parent, index)
        event = self.parser.peek_event()
        tag = getattr(event, "ctag", None)
        text = str(getattr(tag, "value", tag) or "") if tag is not None else ""
        if text and text != "!" and text not in SAFE_TAGS:
            raise _RefusedTag(text, event.start_mark)
        if not isinstance(event, MappingStartEvent | SequenceStartEvent):
            return super().compose_node(parent, index)
        self.containers += 1
        if self.containers > self.limit_depth:
            raise _TooDeep(event.start_mark)
        node = super().compose_node(parent, index)
        self.containers -= 1
        return node
