"""Verification benchmark: gaps, overlaps and shadowing on generated decision tables.

Tables are built as Calvanese et al. built theirs ("Semantics and Analysis of
DMN Decision Tables", BPM 2016, and the 2018 extension): the leaf paths of a
random decision tree over mixed enumerated and integer inputs, then one cell
widened in 10% of the rules (overlaps) and one cell shrunk in another 10%
(gaps). See bench/tablegen.py.

Usage: .venv/bin/python bench/bench_verify.py [--quick] [--no-plot]

Prints a table (rules x inputs -> seconds for gaps, overlaps and the whole
verification; counts of merged gap boxes and maximal overlapping rule sets;
brute force where it can run; ratio to the published figures) and writes
docs/img/verify-scaling.svg. Pins itself to one CPU core when it can.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from accord.core.model import Decision, Factor, FactorKind, HitPolicy  # noqa: E402
from accord.core.verify import (  # noqa: E402
    FindingKind,
    _Budget,
    compile_decision,
    find_gaps,
    find_overlaps,
    verify_decision,
)
from bench.tablegen import generate_table  # noqa: E402

#: Published seconds (overlapping rules, missing rules) at (rules, inputs):
#: BPM 2016 (1,019 x 7) and the 2018 extension; one core of a 2.2 GHz laptop.
PUBLISHED: dict[tuple[int, int], tuple[float, float]] = {
    (1019, 7): (6.8, 7.0),
    (1012, 9): (4.9, 6.6),
    (1026, 11): (20.9, 15.8),
    (1514, 15): (196.0, 705.0),
}
#: Targets from the issue: seconds for the whole verification.
TARGETS: dict[tuple[int, int], float] = {(1000, 10): 0.5, (1500, 15): 2.0, (10000, 10): 10.0}

SCALING_RULES = [500, 1000, 2000, 5000, 10000]
SCALING_INPUTS = [3, 5, 7, 10, 12, 15]
BRUTE_RULES = [25, 50, 100, 200, 400]


@dataclass(frozen=True)
class Row:
    rules: int
    inputs: int
    gaps_seconds: float
    overlaps_seconds: float
    total_seconds: float
    gap_boxes: int
    overlap_sets: int
    overlap_findings: int
    brute_seconds: float | None = None
    brute_agrees: bool | None = None


def best_of(repeats: int, action: Callable[[], object]) -> tuple[float, object]:
    """Best CPU time of ``repeats`` runs: CPU seconds of this single-threaded
    process, so that other load on a shared machine does not inflate them."""
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.process_time()
        result = action()
        best = min(best, time.process_time() - started)
    return best, result


def budget() -> _Budget:
    return _Budget(clock=time.perf_counter, seconds=3600.0)


def measure(
    rules: int,
    inputs: int,
    *,
    repeats: int,
    seed: int = 1,
    brute: bool = False,
    **table_options: object,
) -> Row:
    generated = generate_table(rules=rules, inputs=inputs, seed=seed, **table_options)  # type: ignore[arg-type]
    decision, factors = generated.decision, generated.factors
    table = compile_decision(decision, factors)
    gaps_seconds, _ = best_of(repeats, lambda: find_gaps(table, budget()))
    overlaps_seconds, _ = best_of(repeats, lambda: find_overlaps(table, budget()))
    total_seconds, report = best_of(
        repeats, lambda: verify_decision(decision, factors, time_budget=3600.0)
    )
    assert report.complete  # type: ignore[attr-defined]
    findings = report.findings  # type: ignore[attr-defined]
    gap_boxes = sum(1 for f in findings if f.kind == FindingKind.GAP)
    overlaps = [f for f in findings if f.kind == FindingKind.OVERLAP]
    row = Row(
        rules=rules,
        inputs=inputs,
        gaps_seconds=gaps_seconds,
        overlaps_seconds=overlaps_seconds,
        total_seconds=total_seconds,
        gap_boxes=gap_boxes,
        overlap_sets=len({f.rules for f in overlaps}),
        overlap_findings=len(overlaps),
    )
    if brute:
        brute_seconds, agrees = brute_force(decision, factors, findings)
        row = Row(**{**row.__dict__, "brute_seconds": brute_seconds, "brute_agrees": agrees})
    return row


def domain_points(factor: Factor) -> list[object]:
    domain = factor.domain
    if domain.kind == FactorKind.INTEGER:
        return list(range(int(domain.minimum), int(domain.maximum) + 1))  # type: ignore[arg-type]
    return list(domain.values)


def brute_force(
    decision: Decision, factors: dict[str, Factor], findings: tuple[object, ...]
) -> tuple[float, bool]:
    """Enumerate every situation of the declared domains; compare with the findings."""
    started = time.process_time()
    names = list(decision.inputs)
    rules = [
        [(names.index(f), condition) for f, condition in rule.conditions.items()]
        for rule in decision.rules
    ]
    uncovered, multiple = set(), set()
    for point in product(*(domain_points(factors[name]) for name in names)):
        hits = 0
        for conditions in rules:
            if all(condition.matches(point[index]) for index, condition in conditions):
                hits += 1
                if hits > 1:
                    break
        if hits == 0:
            uncovered.add(point)
        elif hits > 1:
            multiple.add(point)
    seconds = time.process_time() - started

    def covered_by(kind: FindingKind) -> set[tuple[object, ...]]:
        points = set()
        for finding in findings:
            if finding.kind != kind:  # type: ignore[attr-defined]
                continue
            box = finding.box  # type: ignore[attr-defined]
            axes = []
            for name in names:
                region = box[name]
                values = domain_points(factors[name])
                if isinstance(region, tuple):
                    axes.append([value for value in values if value in region])
                else:
                    axes.append([value for value in values if region.contains(value)])
            points.update(product(*axes))
        return points

    agrees = (
        covered_by(FindingKind.GAP) == uncovered and covered_by(FindingKind.OVERLAP) == multiple
    )
    return seconds, agrees


def pin_to_one_core() -> str:
    try:
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    except (AttributeError, OSError):
        return "not pinned"


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


HEADER = (
    f"{'rules':>6} {'inputs':>6} {'gaps s':>8} {'overl. s':>8} {'total s':>8} "
    f"{'gap boxes':>9} {'max sets':>8} {'ov. boxes':>9} {'brute s':>8} {'note':<30}"
)


def print_row(row: Row, note: str = "") -> None:
    print(
        f"{row.rules:>6} {row.inputs:>6} {fmt(row.gaps_seconds):>8} {fmt(row.overlaps_seconds):>8} "
        f"{fmt(row.total_seconds):>8} {row.gap_boxes:>9} {row.overlap_sets:>8} "
        f"{row.overlap_findings:>9} {fmt(row.brute_seconds):>8} {note:<30}",
        flush=True,
    )


def published_note(row: Row) -> str:
    overlaps, gaps = PUBLISHED[(row.rules, row.inputs)]
    return (
        f"published {overlaps:g}+{gaps:g} s: x{overlaps / row.overlaps_seconds:.0f} overlaps, "
        f"x{gaps / row.gaps_seconds:.0f} gaps"
    )


def target_note(row: Row) -> str:
    target = TARGETS[(row.rules, row.inputs)]
    verdict = "ok" if row.total_seconds <= target else "MISSED"
    return f"target <= {target:g} s: {verdict}"


def plot(scaling_rules: list[Row], scaling_inputs: list[Row], brute: list[Row]) -> pathlib.Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 4))
    for axes, rows, key, label in (
        (left, scaling_rules, "rules", "rules (10 inputs)"),
        (middle, scaling_inputs, "inputs", "inputs (1,000 rules)"),
    ):
        xs = [getattr(row, key) for row in rows]
        axes.plot(xs, [r.gaps_seconds for r in rows], "o-", label="gaps")
        axes.plot(xs, [r.overlaps_seconds for r in rows], "s-", label="overlaps")
        axes.plot(xs, [r.total_seconds for r in rows], "^-", label="full verification")
        axes.set_xlabel(label)
        axes.set_ylabel("seconds")
        axes.grid(alpha=0.3)
        axes.legend()
    left.set_title("Time against rules")
    middle.set_title("Time against inputs")
    xs = [row.rules for row in brute]
    right.plot(xs, [r.total_seconds for r in brute], "^-", label="verification")
    right.plot(xs, [r.brute_seconds for r in brute], "x--", label="brute force")
    right.set_yscale("log")
    right.set_xlabel("rules (3 inputs, small domains)")
    right.set_ylabel("seconds (log)")
    right.set_title("Against brute force")
    right.grid(alpha=0.3)
    right.legend()
    figure.suptitle("Accord verification on generated decision tables (one core)")
    figure.tight_layout()
    target = ROOT / "docs" / "img" / "verify-scaling.svg"
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, metadata={"Date": None})
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only, no plot")
    parser.add_argument("--no-plot", action="store_true", help="do not write the SVG")
    options = parser.parse_args(argv)
    repeats = 1 if options.quick else 3
    print(f"Accord verification benchmark, {time.strftime('%Y-%m-%d')}, {pin_to_one_core()}")
    print("Tables: leaf paths of random decision trees, 10% widened + 10% shrunk cells, UNIQUE.")
    print("Times: best CPU seconds (process time) of 3 runs (1 above 2,000 rules).")

    print("\nAgainst the published figures (Calvanese et al. 2016/2018):")
    print(HEADER)
    for rules, inputs in PUBLISHED:
        if options.quick and inputs > 9:
            continue
        row = measure(rules, inputs, repeats=repeats)
        print_row(row, published_note(row))

    print("\nTargets (gaps + overlaps + shadowing, findings merged):")
    print(HEADER)
    for rules, inputs in TARGETS:
        if options.quick and rules > 1000:
            continue
        row = measure(rules, inputs, repeats=1 if rules > 2000 else repeats)
        print_row(row, target_note(row))
    first = generate_table(rules=1500, inputs=15, seed=1, hit_policy=HitPolicy.FIRST)
    seconds, _ = best_of(
        1, lambda: verify_decision(first.decision, first.factors, time_budget=3600.0)
    )
    print(f"  same 1,500 x 15 table under FIRST (gaps + shadowing): {seconds:.3f} s")

    print("\nScaling with rules (10 inputs):")
    print(HEADER)
    scaling_rules = []
    for rules in SCALING_RULES:
        if options.quick and rules > 1000:
            continue
        row = measure(rules, 10, repeats=1 if rules > 2000 else repeats)
        scaling_rules.append(row)
        print_row(row)

    print("\nScaling with inputs (1,000 rules):")
    print(HEADER)
    scaling_inputs = []
    for inputs in SCALING_INPUTS:
        if options.quick and inputs > 7:
            continue
        row = measure(1000, inputs, repeats=repeats)
        scaling_inputs.append(row)
        print_row(row)

    print("\nAgainst brute force (3 inputs: enum, integer 0..40, enum; every situation):")
    print(HEADER)
    brute_rows = []
    for rules in BRUTE_RULES:
        if options.quick and rules > 100:
            continue
        row = measure(rules, 3, repeats=repeats, brute=True, integer_max=40, enum_sizes=(4, 6))
        brute_rows.append(row)
        agreement = "brute force agrees" if row.brute_agrees else "DISAGREES"
        print_row(row, f"x{(row.brute_seconds or 0) / row.total_seconds:.0f} faster; {agreement}")

    if not (options.quick or options.no_plot):
        print(f"\nwrote {plot(scaling_rules, scaling_inputs, brute_rows).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
