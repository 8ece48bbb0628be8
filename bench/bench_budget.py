"""Does verification keep its time budget on adversarial tables, in-process and in the CLI?

Tables from ``bench.tablegen.adversarial_table``: independent random cells, the
worst case for the search (overlaps everywhere, gaps in thousands of pieces).
For each table and budget it prints the wall time against the budget (the
ratio must stay under 1.10), peak memory, the findings listed and the ones
counted but not listed (``MAX_FINDINGS``), and the size of the CLI's JSON.

Usage: .venv/bin/python bench/bench_budget.py [--quick]
"""

from __future__ import annotations

import argparse
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from accord.core.dmn import export_dmn  # noqa: E402
from accord.core.model import Protocol  # noqa: E402
from accord.core.verify import verify_decision  # noqa: E402
from bench.tablegen import adversarial_table  # noqa: E402

CASES = [(300, 15, 5.0), (1500, 15, 5.0), (300, 15, 1.0), (100, 30, 2.0)]
QUICK = [(300, 15, 2.0)]


def in_process(rules: int, inputs: int, budget: float, seed: int) -> tuple[float, int, int, bool]:
    table = adversarial_table(rules=rules, inputs=inputs, seed=seed)
    started = time.perf_counter()
    report = verify_decision(table.decision, table.factors, time_budget=budget)
    return (
        time.perf_counter() - started,
        len(report.findings),
        report.omitted_count,
        report.complete,
    )


def in_cli(rules: int, inputs: int, budget: float, seed: int) -> tuple[float, int, int]:
    """Wall seconds of ``accord protocol check --format json``, its peak KB and JSON bytes."""
    table = adversarial_table(rules=rules, inputs=inputs, seed=seed)
    protocol = Protocol(
        id="adversarial",
        title="Adversarial",
        version="1",
        task_force="",
        factors=table.factors,
        decisions={table.decision.id: table.decision},
    )
    with tempfile.TemporaryDirectory() as folder:
        model = pathlib.Path(folder) / "table.dmn"
        model.write_text(export_dmn(protocol), encoding="utf-8")
        output = pathlib.Path(folder) / "report.json"
        command = [
            "/usr/bin/time",
            "-f",
            "%M",
            str(ROOT / ".venv" / "bin" / "accord"),
            "protocol",
            "check",
            str(model),
            "--time-budget",
            str(budget),
            "--format",
            "json",
        ]
        started = time.perf_counter()
        with output.open("w") as sink:
            finished = subprocess.run(  # fixed command, our own files
                command, stdout=sink, stderr=subprocess.PIPE, text=True, check=False
            )
        wall = time.perf_counter() - started
        peak_kb = int(finished.stderr.strip().splitlines()[-1])
        return wall, peak_kb, output.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    cases = QUICK if args.quick else CASES
    print(
        "| rules x inputs | budget s | in-process s (worst of seeds) | ratio | listed | "
        "not listed | CLI s | CLI ratio | CLI peak MB | JSON KB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    worst_ratio = 0.0
    for rules, inputs, budget in cases:
        runs = [in_process(rules, inputs, budget, seed) for seed in range(1, args.seeds + 1)]
        wall, listed, omitted, _complete = max(runs)
        cli = [in_cli(rules, inputs, budget, seed) for seed in range(1, args.seeds + 1)]
        cli_wall, peak_kb, json_bytes = max(cli)
        ratio, cli_ratio = wall / budget, cli_wall / budget
        worst_ratio = max(worst_ratio, ratio, cli_ratio)
        print(
            f"| {rules:,} x {inputs} | {budget:g} | {wall:.2f} | {ratio:.2f} | {listed} | "
            f"{omitted} | {cli_wall:.2f} | {cli_ratio:.2f} | {peak_kb / 1024:.0f} | "
            f"{json_bytes / 1024:.0f} |"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nworst ratio to the budget: {worst_ratio:.2f} (target under 1.10); "
        f"this process peaked at {own:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
