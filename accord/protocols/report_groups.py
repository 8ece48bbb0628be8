"""The verification report page's findings in groups a person can read (issue 14).

Per decision, findings of one kind are grouped by the factor values most of them share
(:func:`accord.core.grouping.group_findings`): "212 findings: gap, all where Victim age
(years): 18 or more; Citizenship: foreign national". Each group has a summary line and
opens to its list; the full list stays available as a JSON download.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from accord.core.grouping import group_findings
from accord.core.model import Protocol

from .situations import describe_region, is_whole_domain
from .verification import ReportItem

#: Groups with at most this many findings are shown open.
OPEN_UP_TO = 3


def grouped_items(protocol: Protocol, items: Sequence[ReportItem]) -> list[dict[str, Any]]:
    """[{decision, groups: [{kind, count, where, items, open}]}], decisions in report order."""

    def is_whole(factor_id: str, value: Any) -> bool:
        return is_whole_domain(protocol.factors.get(factor_id), value)

    sections: dict[str, dict[str, Any]] = {}
    for group in group_findings(items, is_whole=is_whole):
        section = sections.setdefault(group.decision, {"decision": group.decision, "groups": []})
        members = [items[index] for index in group.members]
        section["groups"].append(
            {
                "kind": group.kind,
                "count": group.count,
                "where": describe_region(protocol, group.common)
                if group.common and group.count > 1
                else "",
                "items": members,
                "open": group.count <= OPEN_UP_TO,
                "errors": sum(1 for item in members if item.is_error),
            }
        )
    return sorted(sections.values(), key=lambda section: section["decision"])
