"""Verification keeps its word on large tables: the time budget holds, findings are capped
and counted, and the largest gaps come first."""

from __future__ import annotations

import itertools
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core import verify, verify_report
from accord.core.model import Interval
from accord.core.space import Axis, MergeStopped, mask_runs, merge_boxes
from accord.core.tests.conftest import REPO

sys.path.insert(0, str(REPO))
from bench.tablegen import adversarial_table


class TickingClock:
    """A clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def _union(boxes: list[tuple[int, ...]], widths: tuple[int, ...]) -> set[tuple[int, ...]]:
    points: set[tuple[int, ...]] = set()
    for box in boxes:
        axes = [[i for i in range(width) if box[a] >> i & 1] for a, width in enumerate(widths)]
        points.update(itertools.product(*axes))
    return points


box_strategy = st.lists(
    st.tuples(st.integers(1, 15), st.integers(1, 15), st.integers(1, 7)), min_size=9, max_size=30
)


@settings(max_examples=60, deadline=None)
@given(boxes=box_strategy, stop_after=st.integers(0, 40))
def test_a_stopped_merge_still_covers_exactly_the_same_situations(
    boxes: list[tuple[int, int, int]], stop_after: int
) -> None:
    """Stopping the merge early changes how many boxes there are, never what they cover."""
    calls = itertools.count()
    ordered = (True, False, True)
    try:
        merged = merge_boxes(boxes, ordered=ordered, should_stop=lambda: next(calls) >= stop_after)
    except MergeStopped:
        return  # stopped before splitting: the caller falls back (tested below)
    assert _union(merged, (4, 4, 3)) == _union(boxes, (4, 4, 3))
    for box in merged:
        for axis in (0, 2):
            assert len(list(mask_runs(box[axis]))) == 1


def test_a_merge_told_to_stop_at_once_says_so() -> None:
    boxes = [(0b101, 1), (0b010, 2)] * 5 + [(1 << i, 1) for i in range(3, 12)]
    with pytest.raises(MergeStopped):
        merge_boxes(boxes, ordered=(True, False), should_stop=lambda: True)


def test_the_budget_holds_when_the_search_and_the_listing_run_long() -> None:
    """On a clock where every step costs time, verification stops near its budget and says so."""
    table = adversarial_table(rules=120, inputs=12, seed=3)
    clock = TickingClock(step=0.0005)
    report = verify.verify_decision(table.decision, table.factors, time_budget=1.0, clock=clock)
    assert not report.complete
    # Every read of the clock costs 0.5 ms: the budget ends within a few reads of 1 s.
    assert report.elapsed_seconds <= 1.1
    gaps = [f for f in report.findings if f.kind == verify.FindingKind.GAP]
    assert gaps, "an incomplete report still shows at least one unanswered situation"
    assert report.omitted_count > 0


def test_findings_beyond_the_cap_are_counted_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    table = adversarial_table(rules=40, inputs=6, seed=1)
    full = verify.verify_decision(table.decision, table.factors, time_budget=60)
    key = (table.decision.id, "gap")
    total = sum(f.kind == verify.FindingKind.GAP for f in full.findings) + full.omitted.get(key, 0)
    assert full.complete and total > 5
    monkeypatch.setattr(verify_report, "MAX_FINDINGS", 5)
    capped = verify.verify_decision(table.decision, table.factors, time_budget=60)
    listed = [f for f in capped.findings if f.kind == verify.FindingKind.GAP]
    assert len(listed) == 5
    assert capped.omitted[key] == total - 5
    data = verify.report_to_json(capped)
    assert {"decision": table.decision.id, "kind": "gap", "count": total - 5} in data["omitted"]


def test_the_largest_gaps_are_listed_first() -> None:
    table = adversarial_table(rules=40, inputs=6, seed=1)
    report = verify.verify_decision(table.decision, table.factors, time_budget=60)
    compiled = verify.compile_decision(table.decision, table.factors)
    sizes = []
    for finding in report.findings:
        if finding.kind != verify.FindingKind.GAP:
            continue
        assert finding.box is not None
        size = 1
        for axis in compiled.axes:
            value = finding.box[axis.factor.id]
            size *= sum(1 for i in range(axis.size) if _atom_inside(axis, i, value))
        sizes.append(size)
    assert sizes == sorted(sizes, reverse=True)


def _atom_inside(axis: Axis, index: int, value: object) -> bool:
    if isinstance(value, Interval):
        atom = axis.intervals[index]
        return bool(value.low <= atom.low and atom.high <= value.high)
    assert isinstance(value, tuple)
    return set(axis.values_of(1 << index)) <= set(value)


def test_out_of_time_gaps_are_listed_without_merging(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the budget spent, the largest gap is shown as found and the others counted:
    no time goes into merging thousands of pieces."""
    table = adversarial_table(rules=60, inputs=8, seed=2)
    compiled = verify.compile_decision(table.decision, table.factors)
    gaps, _complete = verify.find_gaps(compiled, verify._Budget(clock=lambda: 0.0, seconds=1))
    assert len(gaps) > 10

    def no_merging(*_args: object, **_kwargs: object) -> list:
        raise AssertionError("merged although the budget was spent")

    monkeypatch.setattr(verify_report, "merge_boxes", no_merging)
    spent = verify._Budget(clock=lambda: 10.0, deadline=0.0)
    findings, omitted = verify._gap_findings(compiled, gaps, budget=spent)
    assert len(findings) == 1
    assert omitted == len(gaps) - 1


def test_the_merge_is_told_about_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    table = adversarial_table(rules=60, inputs=8, seed=2)
    compiled = verify.compile_decision(table.decision, table.factors)
    gaps, _complete = verify.find_gaps(compiled, verify._Budget(clock=lambda: 0.0, seconds=1))
    seen: list[object] = []

    def recording(boxes: object, *, ordered: object, should_stop: object = None) -> list:
        seen.append(should_stop)
        return merge_boxes(boxes, ordered=ordered)

    monkeypatch.setattr(verify_report, "merge_boxes", recording)
    verify._gap_findings(compiled, gaps, budget=verify._Budget(clock=lambda: 0.0, seconds=1))
    assert seen and callable(seen[0])
