"""Evaluation speed: microseconds per decision for 100 to 10,000 rules.

Run: .venv/bin/python bench/bench_core_eval.py [--quick]

Prints per-decision time of ``accord.core.evaluate`` on UNIQUE tables whose
rules tile (score range x category), the same 100-rule table evaluated by
pyDMNrules (from our own DMN export) and the ratio, and the time to load the
example protocol. Figures are printed, never asserted.
"""

from __future__ import annotations

import pathlib
import random
import statistics
import sys
import time

from accord.core.dmn import export_dmn
from accord.core.evaluate import compile_decision, evaluate_compiled, evaluate_decision
from accord.core.load import load_protocol
from accord.core.model import (
    Condition,
    Decision,
    Domain,
    Factor,
    FactorKind,
    HitPolicy,
    Interval,
    OutputDef,
    OutputKind,
    Protocol,
    Rule,
)

REPO = pathlib.Path(__file__).resolve().parents[1]
CATEGORIES = tuple(f"c{i}" for i in range(10))
SCORE_MAX = 99_999


def build_table(rule_count: int) -> tuple[Decision, dict[str, Factor]]:
    factors = {
        "score": Factor("score", Domain(FactorKind.INTEGER, minimum=0, maximum=SCORE_MAX)),
        "category": Factor("category", Domain(FactorKind.ENUM, CATEGORIES)),
        "urgent": Factor("urgent", Domain(FactorKind.BOOLEAN, (False, True))),
    }
    bands = rule_count // len(CATEGORIES)
    width = (SCORE_MAX + 1) // bands
    rules = []
    for band in range(bands):
        low, high = band * width, (SCORE_MAX if band == bands - 1 else (band + 1) * width - 1)
        for category in CATEGORIES:
            rules.append(
                Rule(
                    id=f"R{len(rules) + 1}",
                    conditions={
                        "score": Condition(f"[{low}..{high}]", intervals=(Interval(low, high),)),
                        "category": Condition(f'"{category}"', values=frozenset({category})),
                    },
                    outputs={"answer": f"a{len(rules) % 7}"},
                )
            )
    decision = Decision(
        id="bench",
        question="benchmark",
        inputs=("score", "category", "urgent"),
        outputs=(OutputDef("answer", OutputKind.TEXT),),
        rules=tuple(rules),
        hit_policy=HitPolicy.UNIQUE,
    )
    return decision, factors


def facts_stream(count: int, seed: int = 7) -> list[dict[str, object]]:
    generator = random.Random(seed)
    return [
        {
            "score": generator.randint(0, SCORE_MAX),
            "category": generator.choice(CATEGORIES),
            "urgent": generator.random() < 0.5,
        }
        for _ in range(count)
    ]


def time_accord(decision: Decision, factors: dict[str, Factor], facts: list[dict]) -> float:
    compiled = compile_decision(decision)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for item in facts:
            evaluate_compiled(compiled, item, factors)
        runs.append((time.perf_counter() - started) / len(facts))
    return statistics.median(runs)


def time_accord_validated(
    decision: Decision, factors: dict[str, Factor], facts: list[dict]
) -> float:
    evaluate_decision(decision, facts[0], factors=factors)
    started = time.perf_counter()
    for item in facts:
        evaluate_decision(decision, item, factors=factors)
    return (time.perf_counter() - started) / len(facts)


def time_pydmnrules(
    decision: Decision, factors: dict[str, Factor], facts: list[dict]
) -> float | None:
    try:
        import pyDMNrules
    except ImportError:
        return None
    protocol = Protocol("bench", "bench", "1", "", factors, {"bench": decision})
    engine = pyDMNrules.DMN()
    status = engine.useXML(export_dmn(protocol))
    if status and "errors" in status:
        print("  pyDMNrules refused the model:", status["errors"][:2])
        return None
    sample = facts[:300]
    for item in sample[:3]:  # check it agrees before timing it
        ours = evaluate_decision(decision, item, factors=factors).result
        theirs = engine.decide(dict(item))[1]["Result"].get("bench.answer")
        if ours != theirs:
            print(f"  pyDMNrules disagrees on {item}: {theirs!r} vs {ours!r}")
    started = time.perf_counter()
    for item in sample:
        engine.decide(dict(item))
    return (time.perf_counter() - started) / len(sample)


def time_example_load() -> float:
    path = REPO / "examples" / "protocols" / "example-county.yaml"
    load_protocol(path)
    runs = []
    for _ in range(10):
        started = time.perf_counter()
        load_protocol(path)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    facts = facts_stream(20_000 if not quick else 2_000)
    print("accord.core evaluation, UNIQUE table, 3 inputs (integer range, 10-value enum, boolean)")
    print(f"{'rules':>7} {'us/decision':>12} {'decisions/s':>12} {'with fact validation':>22}")
    for count in (100, 1_000, 10_000):
        decision, factors = build_table(count)
        per = time_accord(decision, factors, facts)
        validated = time_accord_validated(decision, factors, facts[:5_000])
        print(f"{count:>7} {per * 1e6:>12.2f} {1 / per:>12,.0f} {validated * 1e6:>19.2f} us")
    decision, factors = build_table(100)
    ours = time_accord(decision, factors, facts)
    theirs = time_pydmnrules(decision, factors, facts)
    if theirs is None:
        print("pyDMNrules: not available")
    else:
        print(
            f"pyDMNrules, same 100-rule table: {theirs * 1e6:,.0f} us/decision; "
            f"accord is {theirs / ours:,.0f}x faster"
        )
    print(f"loading examples/protocols/example-county.yaml: {time_example_load() * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
