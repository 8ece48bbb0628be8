"""Run every benchmark and print its figures (``make bench``); ``--quick`` for smaller sizes.

Benchmarks are never tests: they print times and ratios against the targets of
the issues; the figures recorded in docs/performance.md come from these scripts.
Each runs in its own process so one's database or caches never colour another's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

FULL = [
    ["bench_core_eval.py"],
    ["bench_verify.py"],
    ["bench_protocol_report.py"],
    ["bench_directory_search.py"],
    ["bench_intake.py"],
    ["bench_sharing.py"],
    ["bench_concurrent_intake.py", "--baseline"],
    ["bench_pages.py", "--runs", "5"],
    ["bench_editor.py"],
]
QUICK = [
    ["bench_core_eval.py", "--quick"],
    ["bench_verify.py", "--quick"],
    ["bench_protocol_report.py"],
    ["bench_directory_search.py", "--services", "5000", "--repeat", "3"],
    ["bench_intake.py", "--cases", "5000", "--runs", "50"],
    ["bench_sharing.py", "--runs", "10"],
    ["bench_concurrent_intake.py", "--writers", "1", "10", "--per-writer", "2"],
    ["bench_pages.py", "--cases", "2000", "--runs", "3", "--users", "coordinator,advocate.harbor"],
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few minutes in all")
    options = parser.parse_args()
    failed = []
    for command in QUICK if options.quick else FULL:
        print(f"\n=== {' '.join(command)}", flush=True)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, str(BENCH / command[0]), *command[1:]], check=False
        )
        print(
            f"=== {command[0]} finished in {time.perf_counter() - started:.1f} s (exit {result.returncode})"
        )
        if result.returncode:
            failed.append(command[0])
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
