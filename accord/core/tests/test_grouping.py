"""Findings grouped by the factor values most of them share: every finding in exactly one
group, and what a group's summary says holds for every finding in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.grouping import group_findings


@dataclass(frozen=True)
class Item:
    decision: str
    kind: str
    box: dict[str, Any] | None


AGES = [(0, 17), (18, 120), (18, 24)]
NATIONS = [("us",), ("foreign",), ("us", "foreign")]
ITEMS = st.builds(
    Item,
    decision=st.sampled_from(["placement", "referral"]),
    kind=st.sampled_from(["gap", "overlap", "shadowed"]),
    box=st.one_of(
        st.none(),
        st.fixed_dictionaries({"age": st.sampled_from(AGES), "nation": st.sampled_from(NATIONS)}),
    ),
)


def whole(factor: str, value: Any) -> bool:
    return bool(value == ("us", "foreign") or value == (0, 120))


@settings(max_examples=300, deadline=None)
@given(st.lists(ITEMS, max_size=40))
def test_every_finding_is_in_one_group_and_each_summary_holds_for_its_members(items):
    groups = group_findings(items, is_whole=whole)
    seen = sorted(index for group in groups for index in group.members)
    assert seen == list(range(len(items)))
    for group in groups:
        for index in group.members:
            item = items[index]
            assert (item.decision, item.kind) == (group.decision, group.kind)
            for factor, value in group.common.items():
                assert item.box is not None and item.box[factor] == value
                assert not whole(factor, value)


def test_many_gaps_are_summed_up_by_the_value_most_of_them_share():
    adults = [Item("placement", "gap", {"age": (18, 120), "nation": (n,)}) for n in "abcdefgh"]
    minors = [Item("placement", "gap", {"age": (0, 17), "nation": ("x",)}) for _ in range(3)]
    other = [Item("placement", "gap", {"age": (5, 6), "nation": ("y",)})]
    groups = group_findings([*adults, *minors, *other], is_whole=whole)
    assert [group.count for group in groups] == [8, 3, 1]
    assert groups[0].common == {"age": (18, 120)}
    assert groups[1].common == {"age": (0, 17), "nation": ("x",)}
