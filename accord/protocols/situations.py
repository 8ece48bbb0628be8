"""Regions of situations in a coordinator's words, not the core's notation.

A gap's box ``{"victim_age": Interval(18, 120), "trafficking_type": ("sex",)}``
reads "Victim age (years) 18 or more, and Type of trafficking is sex". Used by
the verification report, the diff and the drills so every page speaks alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from accord.core.model import Factor, FactorKind, Interval, Protocol

EN_DASH = "\u2013"


def factor_label(protocol: Protocol, factor_id: str) -> str:
    factor = protocol.factors.get(factor_id)
    return (factor.label or factor_id) if factor is not None else factor_id


def protocol_names(protocol: Protocol) -> dict[str, str]:
    """The names a protocol gives its own ids: directory entries, committees, courses."""
    names = {ref_id: ref.name for ref_id, ref in protocol.directory.items()}
    names.update(protocol.committees)
    names.update({t.id: t.course for t in protocol.training if t.course})
    return names


def format_value(value: Any, names: Mapping[str, str] | None = None) -> str:
    """An output or fact value in words: directory and committee ids by ``names``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "nothing"
    if isinstance(value, Decimal):
        if value.is_infinite():
            return "∞" if value > 0 else "-∞"
        return str(int(value)) if value == value.to_integral_value() else str(value.normalize())
    if isinstance(value, tuple | list):
        return " + ".join(format_value(item, names) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(
            f"{str(key).replace('_', ' ')}: {format_value(item, names)}"
            for key, item in value.items()
        )
    if names and str(value) in names:
        return names[str(value)]
    return str(value).replace("_", " ")


def _finite(value: Any) -> bool:
    return not (isinstance(value, Decimal) and value.is_infinite())


def _describe_interval(factor: Factor | None, interval: Interval) -> str:
    integer = factor is not None and factor.domain.kind == FactorKind.INTEGER
    low, high = interval.low, interval.high
    domain_low = factor.domain.minimum if factor is not None else None
    domain_high = factor.domain.maximum if factor is not None else None
    at_floor = not _finite(low) or (domain_low is not None and low <= domain_low)
    at_ceiling = not _finite(high) or (domain_high is not None and high >= domain_high)
    if low == high:
        return format_value(low)
    if integer:
        if at_floor and at_ceiling:
            return "any value"
        if at_floor:
            return f"{format_value(high)} or less"
        if at_ceiling:
            return f"{format_value(low)} or more"
        return f"{format_value(low)}{EN_DASH}{format_value(high)}"
    parts = []
    if not at_floor:
        parts.append(f"{'over' if interval.low_open else 'from'} {format_value(low)}")
    if not at_ceiling:
        parts.append(f"{'under' if interval.high_open else 'up to'} {format_value(high)}")
    return " ".join(parts) or "any value"


def describe_values(factor: Factor | None, value: Any) -> str:
    """One input's part of a region: an interval or a set of values."""
    if isinstance(value, Interval):
        return _describe_interval(factor, value)
    if isinstance(value, tuple | list | frozenset | set):
        items = [format_value(item) for item in value]
        if factor is not None and factor.domain.kind == FactorKind.BOOLEAN and len(items) == 1:
            return items[0]
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + " or " + items[-1]
    return format_value(value)


def is_whole_domain(factor: Factor | None, value: Any) -> bool:
    if factor is None:
        return False
    if isinstance(value, Interval):
        return _describe_interval(factor, value) == "any value"
    if isinstance(value, tuple | list | frozenset | set):
        return set(value) >= set(factor.domain.values) and bool(factor.domain.values)
    return False


def describe_region(protocol: Protocol, region: Mapping[str, Any] | None) -> str:
    """ "Victim age (years): 18 or more; Type of trafficking: sex or labor" (whole inputs left out)."""
    if not region:
        return "any situation"
    parts = []
    for factor_id, value in region.items():
        factor = protocol.factors.get(factor_id)
        if is_whole_domain(factor, value):
            continue
        parts.append(f"{factor_label(protocol, factor_id)}: {describe_values(factor, value)}")
    return "; ".join(parts) if parts else "any situation"


def describe_facts(protocol: Protocol, facts: Mapping[str, Any]) -> str:
    """A concrete situation ("example") in words."""
    if not facts:
        return ""
    return "; ".join(
        f"{factor_label(protocol, factor_id)}: {format_value(value)}"
        for factor_id, value in facts.items()
    )
