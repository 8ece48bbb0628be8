"""FEEL literal decisions: import, parse and evaluation times; the TCK-style model count.

Run: .venv/bin/python bench/bench_feel.py [--quick]

Prints the time to import the invented model 9002 (tables and literal decisions
reading each other), to parse a FEEL expression, to answer every decision of
that model for one set of facts, to import and answer chains of 500 to 5,000
literal decisions (each reading the one before), and how many models of ../shared/data/dmn-tck/
and accord/core/tests/dmn_feel/ pass the runner. Figures are printed, never asserted.
"""

from __future__ import annotations

import os
import pathlib
import statistics
import sys
import time

from accord.core.dmn import load_dmn
from accord.core.evaluate import evaluate_protocol
from accord.core.feel import parse
from accord.core.tck import run_directories

REPO = pathlib.Path(__file__).resolve().parents[1]
INVENTED = REPO / "accord" / "core" / "tests" / "dmn_feel"
TCK = REPO.parent / "shared" / "data" / "dmn-tck"
MODEL = INVENTED / "9002-table-and-literal" / "9002-table-and-literal.dmn"
EXPRESSION = (
    'if Priority = "high" then "Call within " + string(if Age Group = "minor" then 1 else 2)'
    ' + " days" else "Routine"'
)


def _median_us(function: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times)


def chain_model(count: int) -> str:
    """``count`` literal decisions, each adding one to the one before (names with spaces)."""
    parts = [
        '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="m" name="m"'
        ' namespace="https://accord.example/chain">',
        '<inputData id="i" name="Start Value"><variable name="Start Value" typeRef="number"/>'
        "</inputData>",
    ]
    for k in range(count):
        before = "Start Value" if k == 0 else f"Step Number {k - 1}"
        parts.append(
            f'<decision id="d{k}" name="Step Number {k}"><variable name="Step Number {k}"'
            f' typeRef="number"/><literalExpression><text>{before} + 1</text>'
            "</literalExpression></decision>"
        )
    parts.append("</definitions>")
    return "\n".join(parts)


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 50 if quick else 500
    print(f"load average: {os.getloadavg()[0]:.2f} (a shared, loaded 2-core machine)")
    import_us = _median_us(lambda: load_dmn(MODEL), max(10, repeat // 10))
    print(f"import 9002 (2 tables, 4 literal decisions): {import_us / 1000:.1f} ms")
    parse_us = _median_us(lambda: parse(EXPRESSION, ["Priority", "Age Group"]), repeat)
    print(f"parse one expression ({len(EXPRESSION)} chars): {parse_us:.0f} µs")
    protocol = load_dmn(MODEL)
    facts = {"Applicant Age": 16, "Intake Date": "2026-11-20", "Review Date": "2026-12-01"}
    evaluate_protocol(protocol, facts)  # warm the caches
    eval_us = _median_us(lambda: evaluate_protocol(protocol, facts), repeat)
    print(
        f"answer all {len(protocol.decisions)} decisions: {eval_us:.0f} µs "
        f"({eval_us / len(protocol.decisions):.0f} µs per decision)"
    )
    for count in (500, 2000) if quick else (500, 2000, 5000):
        text = chain_model(count)
        started = time.perf_counter()
        chain = load_dmn(text)
        imported = time.perf_counter() - started
        started = time.perf_counter()
        last = evaluate_protocol(chain, {"Start Value": 1})[f"Step Number {count - 1}"].result
        answered = time.perf_counter() - started
        print(
            f"chain of {count} literal decisions ({len(text) / 1e6:.2f} MB): import "
            f"{imported:.2f} s, answer all {answered:.2f} s (last = {last})"
        )
    roots = [INVENTED] + ([TCK] if TCK.is_dir() else [])
    outcomes = run_directories(roots)
    shared = [o for o in outcomes if not o.name.startswith("9")]
    invented = [o for o in outcomes if o.name.startswith("9")]
    print(f"shared TCK models passing: {sum(o.passed for o in shared)} of {len(shared)}")
    print(f"invented models passing: {sum(o.passed for o in invented)} of {len(invented)}")


if __name__ == "__main__":
    main()
