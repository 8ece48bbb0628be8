"""How many gap boxes a reader gets: pieces found, after the pairwise merge, after the cover.

Tables from ``bench.tablegen`` at 15 inputs and 1,500 rules (issue 14): generated
tables with gaps (``generate_table``, gap share 10% and 30%) and random tables
(``adversarial_table``). For each: the gap pieces the search found (within a budget),
the boxes after ``merge_boxes`` (merge boxes equal on all inputs but one), and after
``cover_gaps`` (each grown to the largest box no rule touches, the redundant dropped),
with the time each step took. Prints figures; never fails.

Usage: .venv/bin/python bench/bench_gap_boxes.py [--quick] [--budget SECONDS]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from accord.core.gap_cover import cover_gaps  # noqa: E402
from accord.core.space import merge_boxes  # noqa: E402
from accord.core.verify import compile_decision, find_gaps  # noqa: E402
from accord.core.verify_search import _Budget  # noqa: E402
from bench.tablegen import adversarial_table, generate_table  # noqa: E402


def tables(quick: bool) -> list[tuple[str, object]]:
    rules = 300 if quick else 1500
    return [
        (
            f"generated {rules} x 15, 10% rules shrunk",
            generate_table(rules=rules, inputs=15, seed=1, gap_share=0.1),
        ),
        (
            f"generated {rules} x 15, 30% rules shrunk",
            generate_table(rules=rules, inputs=15, seed=2, gap_share=0.3),
        ),
        (f"random {rules} x 15", adversarial_table(rules=rules, inputs=15, seed=1)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds for the search")
    args = parser.parse_args(argv)
    print(
        "| table | search complete | pieces found | after merge | after cover | "
        "merge s | cover s | largest box atoms: merge → cover |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, table in tables(args.quick):
        compiled = compile_decision(table.decision, table.factors)  # type: ignore[attr-defined]
        budget = _Budget(clock=time.perf_counter, seconds=args.budget)
        pieces, complete = find_gaps(compiled, budget)
        started = time.perf_counter()
        merged = merge_boxes(pieces, ordered=compiled.ordered)
        merged_at = time.perf_counter()
        covered = cover_gaps(
            merged,
            compiled.boxes,
            sizes=[axis.size for axis in compiled.axes],
            ordered=compiled.ordered,
        )
        covered_at = time.perf_counter()

        def largest(boxes: list[tuple[int, ...]]) -> int:
            best = 0
            for box in boxes:
                size = 1
                for mask in box:
                    size *= mask.bit_count()
                best = max(best, size)
            return best

        print(
            f"| {label} | {'yes' if complete else 'no'} | {len(pieces):,} | {len(merged):,} | "
            f"{len(covered):,} | {merged_at - started:.2f} | {covered_at - merged_at:.2f} | "
            f"{largest(merged):,} → {largest(covered):,} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
