"""Random decision tables built as Calvanese et al. (BPM 2016) built theirs.

A table is the set of leaf paths of a random decision tree over mixed
enumerated and integer inputs, so it is complete and disjoint by construction;
faults are then injected: one cell is widened in ``overlap_share`` of the rules
(overlaps) and one cell shrunk in another ``gap_share`` of them (gaps).
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

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
    Rule,
)

OUTPUT_VALUES = ("notify", "refer", "escalate", "hold", "close")

# A cell of a leaf region: a value set (enumerations) or closed bounds (integers).
Cell = frozenset[str] | tuple[int, int]


@dataclass(frozen=True)
class GeneratedTable:
    decision: Decision
    factors: dict[str, Factor]
    widened: tuple[str, ...]  # rule ids with a widened cell
    shrunk: tuple[str, ...]  # rule ids with a shrunk cell


def make_factors(
    inputs: int, *, rng: random.Random, integer_max: int = 999, enum_sizes: tuple[int, int] = (3, 6)
) -> list[Factor]:
    """Alternate enumerations (3-6 values) and integers (0..integer_max)."""
    factors = []
    for index in range(inputs):
        if index % 2 == 0:
            count = rng.randint(*enum_sizes)
            values = tuple(f"c{index}_{value}" for value in range(count))
            factors.append(Factor(f"in{index}", Domain(FactorKind.ENUM, values=values)))
        else:
            factors.append(
                Factor(f"in{index}", Domain(FactorKind.INTEGER, minimum=0, maximum=integer_max))
            )
    return factors


def _full_cell(factor: Factor) -> Cell:
    domain = factor.domain
    if domain.kind == FactorKind.ENUM:
        return frozenset(domain.values)  # type: ignore[arg-type]  # enum values are str
    return (int(domain.minimum or 0), int(domain.maximum or 0))


def _splittable(cell: Cell) -> bool:
    if isinstance(cell, frozenset):
        return len(cell) >= 2
    return cell[1] > cell[0]


def _split(cell: Cell, rng: random.Random) -> tuple[Cell, Cell]:
    if isinstance(cell, frozenset):
        values = sorted(cell)
        rng.shuffle(values)
        cut = rng.randint(1, len(values) - 1)
        return frozenset(values[:cut]), frozenset(values[cut:])
    low, high = cell
    cut = rng.randint(low, high - 1)
    return (low, cut), (cut + 1, high)


def leaf_regions(factors: list[Factor], rules: int, rng: random.Random) -> list[list[Cell]]:
    """Grow a random tree by splitting a random leaf on a random input until ``rules`` leaves."""
    leaves: list[list[Cell]] = [[_full_cell(factor) for factor in factors]]
    while len(leaves) < rules:
        position = rng.randrange(len(leaves))
        leaf = leaves[position]
        options = [index for index, cell in enumerate(leaf) if _splittable(cell)]
        if not options:
            continue
        axis = rng.choice(options)
        first, second = _split(leaf[axis], rng)
        leaves[position] = [*leaf[:axis], first, *leaf[axis + 1 :]]
        leaves.append([*leaf[:axis], second, *leaf[axis + 1 :]])
    return leaves


def _widen(cell: Cell, full: Cell, rng: random.Random) -> Cell | None:
    if isinstance(cell, frozenset):
        assert isinstance(full, frozenset)
        missing = sorted(full - cell)
        return cell | {rng.choice(missing)} if missing else None
    low, high = cell
    assert isinstance(full, tuple)  # an integer cell's whole range
    full_low, full_high = full
    span = max(1, (high - low + 1) // 2)
    if rng.random() < 0.5 and low > full_low:
        return (max(full_low, low - rng.randint(1, span)), high)
    if high < full_high:
        return (low, min(full_high, high + rng.randint(1, span)))
    if low > full_low:
        return (max(full_low, low - rng.randint(1, span)), high)
    return None


def _shrink(cell: Cell, rng: random.Random) -> Cell | None:
    if isinstance(cell, frozenset):
        if len(cell) < 2:
            return None
        values = sorted(cell)
        values.remove(rng.choice(values))
        return frozenset(values)
    low, high = cell
    if high <= low:
        return None
    span = max(1, (high - low) // 3)
    if rng.random() < 0.5:
        return (low + rng.randint(1, span), high)
    return (low, high - rng.randint(1, span))


def _condition(cell: Cell, full: Cell) -> Condition:
    if cell == full:
        return Condition()
    if isinstance(cell, frozenset):
        return Condition(text=", ".join(sorted(cell)), values=cell)
    low, high = cell
    return Condition(text=f"[{low}..{high}]", intervals=(Interval(low, high),))


def generate_table(
    *,
    rules: int,
    inputs: int,
    seed: int = 0,
    overlap_share: float = 0.1,
    gap_share: float = 0.1,
    hit_policy: HitPolicy = HitPolicy.UNIQUE,
    integer_max: int = 999,
    enum_sizes: tuple[int, int] = (3, 6),
) -> GeneratedTable:
    rng = random.Random(seed)
    factors = make_factors(inputs, rng=rng, integer_max=integer_max, enum_sizes=enum_sizes)
    full = [_full_cell(factor) for factor in factors]
    regions = leaf_regions(factors, rules, rng)
    order = list(range(len(regions)))
    rng.shuffle(order)
    widen_count = round(overlap_share * len(regions))
    shrink_count = round(gap_share * len(regions))
    widened, shrunk = [], []
    for position in order[:widen_count]:
        region = regions[position]
        axes = list(range(inputs))
        rng.shuffle(axes)
        for axis in axes:
            if region[axis] == full[axis]:
                continue
            wider = _widen(region[axis], full[axis], rng)
            if wider is not None:
                region[axis] = wider
                widened.append(position)
                break
    for position in order[widen_count : widen_count + shrink_count]:
        region = regions[position]
        axes = list(range(inputs))
        rng.shuffle(axes)
        for axis in axes:
            narrower = _shrink(region[axis], rng)
            if narrower is not None:
                region[axis] = narrower
                shrunk.append(position)
                break
    table_rules = []
    for number, region in enumerate(regions):
        conditions = {}
        for factor, cell, whole in zip(factors, region, full, strict=True):
            condition = _condition(cell, whole)
            if not condition.is_any:
                conditions[factor.id] = condition
        table_rules.append(
            Rule(
                id=f"r{number + 1}",
                conditions=conditions,
                outputs={"action": rng.choice(OUTPUT_VALUES)},
            )
        )
    decision = Decision(
        id=f"generated_{rules}x{inputs}",
        question="Generated benchmark table",
        inputs=tuple(factor.id for factor in factors),
        outputs=(OutputDef("action", kind=OutputKind.ENUM, values=OUTPUT_VALUES),),
        rules=tuple(table_rules),
        hit_policy=hit_policy,
    )
    return GeneratedTable(
        decision=decision,
        factors={factor.id: factor for factor in factors},
        widened=tuple(f"r{position + 1}" for position in sorted(widened)),
        shrunk=tuple(f"r{position + 1}" for position in sorted(shrunk)),
    )


def adversarial_table(*, rules: int, inputs: int, seed: int = 0) -> GeneratedTable:
    """Rules with independent random cells (half of them "any"): no tree behind them.

    The worst case for verification: overlaps everywhere and gaps scattered
    in thousands of pieces, the kind of table that once ran 28 s on a 5 s budget.
    """
    rng = random.Random(seed)
    factors = make_factors(inputs, rng=rng, integer_max=999, enum_sizes=(5, 5))
    table_rules = []
    for number in range(rules):
        conditions = {}
        for factor in factors:
            if rng.random() < 0.5:
                continue
            if factor.domain.kind is FactorKind.INTEGER:
                low = rng.randint(0, 999)
                high = rng.randint(low, 999)
                conditions[factor.id] = Condition(
                    text=f"[{low}..{high}]", intervals=(Interval(low, high),)
                )
            else:
                chosen = rng.sample(list(factor.domain.values), rng.randint(1, 4))
                conditions[factor.id] = Condition(
                    text=", ".join(str(v) for v in chosen), values=frozenset(chosen)
                )
        table_rules.append(
            Rule(
                id=f"r{number + 1}",
                conditions=conditions,
                outputs={"action": rng.choice(OUTPUT_VALUES)},
            )
        )
    decision = Decision(
        id=f"adversarial_{rules}x{inputs}",
        question="Adversarial benchmark table",
        inputs=tuple(factor.id for factor in factors),
        outputs=(OutputDef("action", kind=OutputKind.ENUM, values=OUTPUT_VALUES),),
        rules=tuple(table_rules),
        hit_policy=HitPolicy.UNIQUE,
    )
    return GeneratedTable(
        decision=decision, factors={f.id: f for f in factors}, widened=(), shrunk=()
    )
