"""Findings in groups a person can read: per decision and kind, by the factors that explain most.

A random 1,500-rule table has hundreds of gap boxes; listed one by one they are
unreadable. Per (decision, kind), the factor value (a region on one input: an interval
or a set of values) that the most findings share, not the whole domain, makes a group;
every other factor value all its members share is added to its description. That is
repeated on the findings left, up to :data:`MAX_GROUPS` groups; the rest form a last
group. Groups come largest first. Findings without a region (rules never applying, unknown
references) form one group per kind. Pure Python, no Django.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_GROUPS", "FindingGroup", "group_findings"]

#: At most this many explained groups per decision and kind (then the rest, together).
MAX_GROUPS = 6

#: A group is formed only when at least this many findings share a factor value.
MIN_SHARED = 2


@dataclass(frozen=True)
class FindingGroup:
    decision: str
    kind: str
    #: Indices (into the sequence given) of the findings in the group, in their order.
    members: tuple[int, ...]
    #: factor id -> the region every member has on that factor (whole domains left out).
    common: Mapping[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.members)


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list | set | frozenset):
        return tuple(sorted(value, key=str))
    return value  # type: ignore[no-any-return]


def _common(
    boxes: Sequence[Mapping[str, Any] | None], members: Sequence[int], is_whole: WholeTest
) -> dict[str, Any]:
    first = boxes[members[0]]
    if not first:
        return {}
    return {
        factor: value
        for factor, value in first.items()
        if not is_whole(factor, value)
        and all(
            _hashable((boxes[index] or {}).get(factor)) == _hashable(value) for index in members
        )
    }


WholeTest = Callable[[str, Any], bool]


def group_findings(
    findings: Sequence[Any],
    *,
    is_whole: WholeTest = lambda factor, value: False,
    max_groups: int = MAX_GROUPS,
) -> list[FindingGroup]:
    """Groups of ``findings`` (anything with ``decision``, ``kind`` and ``box``: a mapping
    factor id -> region, or None). ``is_whole(factor, region)`` says a region is the
    factor's whole domain (says nothing). Per decision, in the order decisions first
    appear; within one, largest groups first, the ungrouped rest last."""
    buckets: dict[tuple[str, str], list[int]] = {}
    for index, finding in enumerate(findings):
        buckets.setdefault((finding.decision, str(finding.kind)), []).append(index)
    boxes = [getattr(finding, "box", None) for finding in findings]
    result: dict[str, list[FindingGroup]] = {}
    for (decision, kind), indices in buckets.items():
        groups = result.setdefault(decision, [])
        remaining = list(indices)
        explained: list[FindingGroup] = []
        while remaining and len(explained) < max_groups and len(remaining) > MIN_SHARED:
            counts: Counter[tuple[str, Hashable]] = Counter()
            for index in remaining:
                for factor, value in (boxes[index] or {}).items():
                    if not is_whole(factor, value):
                        counts[(factor, _hashable(value))] += 1
            # A value every remaining finding shares explains nothing between them: it is
            # part of every group's description anyway.
            telling = [(pair, n) for pair, n in counts.most_common() if n < len(remaining)]
            if not telling or telling[0][1] < MIN_SHARED:
                break
            (factor, value), _shared = telling[0]
            members = [
                index for index in remaining if _hashable((boxes[index] or {}).get(factor)) == value
            ]
            explained.append(
                FindingGroup(decision, kind, tuple(members), _common(boxes, members, is_whole))
            )
            chosen = set(members)
            remaining = [index for index in remaining if index not in chosen]
        explained.sort(key=lambda group: -group.count)
        groups.extend(explained)
        if remaining:
            groups.append(
                FindingGroup(decision, kind, tuple(remaining), _common(boxes, remaining, is_whole))
            )
    ordered: list[FindingGroup] = []
    for decision_groups in result.values():
        ordered.extend(decision_groups)
    return ordered
