"""Merge one DMN decision table into a protocol's text (the DMN import of the editor).

The DMN file is read by the core (:func:`accord.core.dmn.load_dmn`, which refuses
constructs it does not interpret, naming the line). The table replaces the
decision of the same id, or is added. Inputs must be factors the protocol
already declares (a DMN ``number`` input has no bounds, so adopting DMN factors
silently would weaken verification). Output columns keep the protocol's own
definition when the names match, so an output that names directory services
stays a service output. The result is dumped back to YAML; comments of the
original text are not kept.
"""

from __future__ import annotations

import dataclasses

from accord.core import LoadError, LoadIssue
from accord.core.dump import dump_protocol
from accord.core.model import Decision, Protocol

DMN_FILENAME = "upload.dmn"


def merge_dmn_decision(*, protocol: Protocol, dmn_text: str, decision_id: str) -> str:
    """The protocol's YAML text with ``decision_id`` taken from ``dmn_text``.

    Raises :class:`LoadError` with line-numbered issues for a bad DMN file, or an
    issue at line 1 naming the problem when the table does not fit the protocol.
    """
    from accord.core.dmn import load_dmn

    imported = load_dmn(dmn_text, filename=DMN_FILENAME)
    decision_id = (decision_id or "").strip()
    tables = dict(imported.decisions)
    if not tables:
        raise LoadError([LoadIssue(DMN_FILENAME, 1, 1, "the DMN file holds no decision table")])
    if decision_id in tables:
        table = tables[decision_id]
    elif len(tables) == 1:
        (table,) = tables.values()
    else:
        raise LoadError(
            [
                LoadIssue(
                    DMN_FILENAME,
                    1,
                    1,
                    f"the DMN file holds several tables and none is called {decision_id!r}",
                    ", ".join(sorted(tables)),
                )
            ]
        )
    if table.expression is not None or table.requires:
        raise LoadError(
            [
                LoadIssue(
                    DMN_FILENAME,
                    1,
                    1,
                    f"{table.id!r} is a literal expression or reads another decision's answer; "
                    "a protocol's decisions are tables over its own factors",
                    "a decision table whose inputs are the protocol's factors",
                )
            ]
        )
    target_id = decision_id or table.id
    missing = [factor_id for factor_id in table.inputs if factor_id not in protocol.factors]
    if missing:
        raise LoadError(
            [
                LoadIssue(
                    DMN_FILENAME,
                    getattr(table.span, "line", 1) or 1,
                    1,
                    f"the table tests {', '.join(missing)}, which the protocol does not declare",
                    "inputs named after the protocol's factors: " + ", ".join(protocol.factors),
                )
            ]
        )
    existing = protocol.decisions.get(target_id)
    merged = _adopt(table, existing, target_id)
    decisions = dict(protocol.decisions)
    decisions[target_id] = merged
    return dump_protocol(dataclasses.replace(protocol, decisions=decisions))


def _adopt(table: Decision, existing: Decision | None, target_id: str) -> Decision:
    if existing is None:
        return dataclasses.replace(table, id=target_id)
    known = {output.name: output for output in existing.outputs}
    outputs = tuple(known.get(output.name, output) for output in table.outputs)
    return dataclasses.replace(
        table,
        id=target_id,
        question=existing.question or table.question,
        common_question=existing.common_question,
        outputs=outputs,
    )
