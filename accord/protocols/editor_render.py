"""Rendering the guided editor's table quickly: option lists built once, only changed rows sent.

Two costs dominated the page of a 200-rule decision: a ``<select>`` of every service
rendered option by option in each of the 200 rows, and the whole page rendered again
after each save. Here:

- :func:`option_block` renders a select's options once per page (escaped), and
  :func:`options_for` marks the row's answer as selected in that text;
- :func:`row_digest` fingerprints what a row shows (its fields, errors and pinned
  findings). The page sends each row's digest with the form; after a save made through
  htmx, only the rows whose digest changed are rendered again and swapped in place
  (:func:`rows_to_send`), with the verdict, the gaps and the lock. Without JavaScript
  the form posts as before and the whole page comes back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from . import editor

#: The hidden field that carries a row's digest: ``r<index>-shown``.
SHOWN_FIELD = "r{index}-shown"


def option_block(choices: Sequence[tuple[str, str]]) -> str:
    """``<option>`` elements for ``choices`` (value, name), "nothing" first; escaped once."""
    parts = [f'<option value="{escape(editor.NOTHING)}">{escape(_("nothing"))}</option>']
    parts.extend(
        f'<option value="{escape(value)}">{escape(name)}</option>' for value, name in choices
    )
    return "".join(parts)


def options_for(block: str, value: str) -> SafeString:
    """The options of ``block`` with ``value`` selected ("— choose —" first when empty)."""
    if not value:
        return mark_safe(  # noqa: S308  # escaped above and here
            f'<option value="" selected>{escape(_("— choose —"))}</option>{block}'
        )
    marker = f'<option value="{escape(value)}">'
    if marker in block:
        return mark_safe(  # noqa: S308  # the block is escaped; the marker is escaped
            block.replace(marker, f'<option value="{escape(value)}" selected>', 1)
        )
    # An answer not on the list (e.g. an id the directory no longer has): shown as itself.
    return mark_safe(  # noqa: S308  # escaped
        f'{block}<option value="{escape(value)}" selected>{escape(value)}</option>'
    )


def row_digest(row: Mapping[str, Any]) -> str:
    """A short fingerprint of everything a table row shows."""
    shown: editor.Row = row["row"]
    parts = [
        row["index"],
        row.get("saved", False),
        row["first"],
        row["last"],
        shown.rule_id,
        shown.error,
        [vars(cell) for cell in shown.cells],
        [vars(cell) for cell in shown.outputs],
        row["findings"],
        row.get("fixes", []),
    ]
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


def rows_to_send(rows: Sequence[Mapping[str, Any]], posted: Any) -> list[Mapping[str, Any]]:
    """The rows whose digest differs from the one the page posted (what the browser shows)."""
    return [
        row
        for row in rows
        if posted.get(SHOWN_FIELD.format(index=row["index"]), "") != row["digest"]
    ]
