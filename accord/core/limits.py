"""How big and how deep an input file may be before Accord refuses to read it.

A protocol YAML, a DMN file, an HSDS import or an API body is untrusted input:
a few kilobytes of brackets nested fifty thousand deep blow Python's recursion
limit inside any recursive parser, and a large file holds a worker for as long
as it takes to read. So every reader checks the size *before* parsing and the
nesting depth *before or while* parsing, without recursion of its own, and
refuses with a message naming the limit and the line.

The limits are settings: ``ACCORD_PROTOCOL_MAX_BYTES`` (protocol and DMN files)
and ``ACCORD_INPUT_MAX_DEPTH`` (every structured input) are read from the
environment, so the ``accord protocol`` command and the web application apply
the same numbers. Depth counts containers one inside another: ``[[1]]`` has
depth 2, a flat mapping depth 1, a scalar depth 0.

Pure Python, no Django.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Defaults: a real protocol is tens of kilobytes and about eight levels deep.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64

MAX_BYTES_VARIABLE = "ACCORD_PROTOCOL_MAX_BYTES"
MAX_DEPTH_VARIABLE = "ACCORD_INPUT_MAX_DEPTH"


@dataclass(frozen=True)
class InputLimits:
    """The largest file (bytes) and the deepest nesting (containers) a reader accepts."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> InputLimits:
        """The limits set in the environment, the defaults where a variable is unset.

        A value that is not a positive whole number is ignored (the default
        applies): a typo must not switch a protection off.
        """
        environ = os.environ if environ is None else environ
        return cls(
            max_bytes=_positive(environ.get(MAX_BYTES_VARIABLE), DEFAULT_MAX_BYTES),
            max_depth=_positive(environ.get(MAX_DEPTH_VARIABLE), DEFAULT_MAX_DEPTH),
        )


def _positive(text: str | None, default: int) -> int:
    try:
        value = int(str(text).strip().replace("_", ""))
    except ValueError:
        return default
    return value if value > 0 else default


def size_text(size: int) -> str:
    """``4 MB``, ``1.5 KB``, ``900 bytes``: a size a person reads at a glance."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def too_large_message(size: int, limit: int) -> str:
    shown, allowed = size_text(size), size_text(limit)
    if shown == allowed:  # rounding hid the difference: say it in bytes
        shown, allowed = f"{size} bytes", f"{limit} bytes"
    return f"the file is {shown}, larger than the limit of {allowed}"


def too_deep_message(limit: int) -> str:
    return f"nested more than {limit} levels deep (the limit is {limit})"


# -- JSON -------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: 2x faster
_JSON_BRACKET = re.compile(rb"[\[\]{}]")
_CURLY_AS_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_too_deep(content: bytes | str, max_depth: int) -> int | None:
    """The 1-based line where ``content`` first nests deeper than ``max_depth``, or None.

    Runs before ``json.loads`` (whose C scanner recurses once per level and
    raises RecursionError far below a hostile depth), in linear time and with no
    recursion: strings are blanked out by one regular expression (JSON strings
    cannot hold a raw newline, so line numbers survive; brackets inside strings
    must not count), everything but the brackets is dropped, and innermost
    ``[]`` pairs are removed once per level (C-speed passes, at most
    ``max_depth``). Only input still not empty then (too deep, or unbalanced)
    is walked bracket by bracket to find the line. Malformed JSON is left for
    the parser to describe.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return None  # cannot nest deeper than the brackets it holds
    bare = _JSON_STRING.sub(b'""', data)
    shape = bare.translate(_CURLY_AS_SQUARE, _NOT_BRACKETS)
    for _level in range(max_depth):
        if not shape:
            return None
        shape = shape.replace(b"[]", b"")
    if not shape:
        return None
    depth = 0
    for match in _JSON_BRACKET.finditer(bare):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return bare.count(b"\n", 0, match.start()) + 1
        elif depth > 0:
            depth -= 1
    return None


__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "MAX_BYTES_VARIABLE",
    "MAX_DEPTH_VARIABLE",
    "InputLimits",
    "json_too_deep",
    "size_text",
    "too_deep_message",
    "too_large_message",
]
