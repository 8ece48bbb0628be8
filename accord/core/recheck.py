"""Check that one edited decision reads back as itself, without reading the whole text again.

The guided editor saves a protocol by writing its model as YAML
(:func:`accord.core.dump.dump_protocol`). Loading those 58 KB again took most of a
second, only to rebuild the model the editor already holds. What the reload proved
is split in two here:

- the YAML layer (scalars written and read back equal) is proved once and for all
  by property tests of :mod:`accord.core.emit` and :func:`dump_protocol`;
- the loader's rules for the part that changed (the decision: hit policy, rules,
  ids, outputs, every condition parsed from its text; the directory entries it names)
  are applied here by the loader itself, to the very data the text is written from,
  and what it builds must equal the model that is kept.

So a saved text still always loads, and loads as the model kept in memory.
Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from accord.core.dump import _decision, _plain, protocol_to_data
from accord.core.errors import LoadError, LoadIssue
from accord.core.load import Located, _Loader
from accord.core.model import Decision, Protocol

__all__ = ["check_decision_reads_back"]


def _located(value: Any) -> Located:
    if isinstance(value, Mapping):
        located = Located({}, 0, 0)
        for key, item in value.items():
            located.value[str(key)] = _located(item)
            located.keys[str(key)] = Located(str(key), 0, 0)
        return located
    if isinstance(value, list | tuple):
        return Located([_located(item) for item in value], 0, 0)
    return Located(value, 0, 0)


def check_decision_reads_back(
    protocol: Protocol,
    decision: Decision,
    *,
    filename: str = "protocol.yaml",
    previous: Decision | None = None,
) -> None:
    """Raise :class:`LoadError` unless the loader reads ``decision`` (in ``protocol``,
    whose directory may have grown) back from its written form as an equal decision.

    ``previous``: the same decision as the loader read it from the stored text. Its rules
    read back equal (the dump round trip), so only rules that differ from the one with
    the same id there are read again, with the decision's own settings; rule ids are
    checked unique here (the loader checks that across the whole table).
    """
    if previous is not None and len({rule.id for rule in decision.rules}) == len(decision.rules):
        before = {rule.id: rule for rule in previous.rules}
        changed = tuple(rule for rule in decision.rules if before.get(rule.id) != rule)
        decision = replace(decision, rules=changed)
    loader = _Loader(filename)
    directory_data = _plain(protocol_to_data(replace(protocol, decisions={}))).get("directory")
    directory = loader.directory(_located(directory_data) if directory_data else None)
    loaded = loader.decision(
        decision.id, _located(_plain(_decision(decision))), protocol.factors, directory
    )
    if loader.issues:
        raise LoadError(loader.issues)
    if loaded != decision or directory != dict(protocol.directory):
        raise LoadError(
            [LoadIssue(filename, 1, 1, f"decision {decision.id!r} would not read back as written")]
        )
