"""A fast YAML writer for the plain data :func:`accord.core.dump.protocol_to_data` builds.

ruamel's pure-Python emitter took about a third of a second for a 58 KB protocol,
most of the guided editor's save. The data written here is narrow (mappings with
string keys, lists, strings, integers, decimals, booleans, ``None``), so a writer
made for it is short: block style as before (mappings indented by two, list items
by two then ``- ``), a string plain only when it is a word no YAML 1.1 or 1.2 reader
could take for anything else, otherwise double-quoted with escapes. Whatever it
writes, the loader reads back equal (hypothesis tests in ``test_emit.py`` and
``test_dump.py``).

Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["emit_yaml"]

#: Words that read as plain strings in every YAML version: a letter or underscore first,
#: then letters, digits and ``_ . / ( ) + -``, single spaces between words.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./()+-]*(?: [A-Za-z0-9_./()+-]+)*\Z")
#: Words some YAML version reads as a boolean or null (compared in lower case).
_RESERVED = frozenset(
    {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "none", "nan", "inf"}
)
#: A decimal every YAML version reads as a float (anything else gets an explicit tag).
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+\Z")
#: Characters escaped inside double quotes: the quote, the backslash, and every control,
#: line- or paragraph-separator, byte-order-mark and surrogate character.
_ESCAPED = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    return f"\\u{ord(char):04x}"


def _string(text: str) -> str:
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, Decimal):
        text = str(value)
        return text if _PLAIN_DECIMAL.match(text) else f'!!float "{text}"'
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _write(value: Any, indent: str, out: list[str]) -> None:
    """Append the lines of a mapping's entries or a list's items, written at ``indent``."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _entry(f"{indent}{_string(str(key))}:", item, indent, out)
    else:
        for item in value:
            _item(item, indent, out)


def _entry(prefix: str, item: Any, indent: str, out: list[str]) -> None:
    """``prefix`` (a key and colon, or a dash) and ``item``; nested lines at ``indent`` + 2."""
    if isinstance(item, Mapping | list | tuple):
        if not item:
            out.append(f"{prefix} {'{}' if isinstance(item, Mapping) else '[]'}")
            return
        out.append(prefix)
        _write(item, indent + "  ", out)
    else:
        out.append(f"{prefix} {_scalar(item)}")


def _item(item: Any, indent: str, out: list[str]) -> None:
    """One list item: the dash at ``indent``, its content at ``indent`` + 2."""
    inner = indent + "  "
    if isinstance(item, Mapping) and item:
        first = True
        for key, value in item.items():
            lead = f"{indent}- " if first else inner
            _entry(f"{lead}{_string(str(key))}:", value, inner, out)
            first = False
    else:
        _entry(f"{indent}-", item, indent, out)


def emit_yaml(data: Mapping[str, Any]) -> str:
    """``data`` (a mapping) as block-style YAML text ending in a newline."""
    out: list[str] = []
    _write(data, "", out)
    return "\n".join(out) + "\n"
