"""Reading the factors: each fact a decision depends on and its domain."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from accord.core.loading.base import LoaderBase
from accord.core.loading.conditions import NEG_INF, POS_INF
from accord.core.loading.yaml_nodes import Located
from accord.core.model import (
    CASE_VICTIM_AGGREGATES,
    UNKNOWN,
    VICTIM_ATTRIBUTES,
    Domain,
    Factor,
    FactorKind,
    Number,
)


class FactorsLoader(LoaderBase):
    """``factors:``"""

    def factors(self, where: Located | None) -> dict[str, Factor]:
        if where is None:
            self.issue(None, "the protocol declares no factors", expected="a factors: section")
        result: dict[str, Factor] = {}
        for factor_id, node in self.mapping(where, "factors").items():
            factor = self.factor(factor_id, node)
            if factor is not None:
                result[factor_id] = factor
        return result

    def factor(self, factor_id: str, node: Located) -> Factor | None:
        if node.is_sequence:  # shorthand: a list of enumeration values
            spec: dict[str, Located] = {"values": node}
            kind_text = "enum"
        elif node.is_scalar and node.value in ("boolean", "integer", "decimal"):
            spec, kind_text = {}, str(node.value)
        elif node.is_mapping:
            self.check_keys(
                node,
                (
                    "type",
                    "values",
                    "min",
                    "max",
                    "min_exclusive",
                    "max_exclusive",
                    "label",
                    "description",
                    "victim",
                    "victims",
                ),
                f"factor {factor_id!r}",
            )
            spec = node.value
            kind_text = self.text(spec.get("type"), "type") or ("enum" if "values" in spec else "")
        else:
            self.issue(
                node,
                f"factor {factor_id!r} needs a type",
                expected="{type: enum, values: [...]}, {type: integer, min: n, max: n}, "
                "{type: decimal, ...} or boolean",
            )
            return None
        try:
            kind = FactorKind(kind_text)
            if kind is FactorKind.TEXT:  # DMN literal expressions only: tables cannot test it
                raise ValueError(kind_text)
        except ValueError:
            self.issue(
                spec.get("type", node),
                f"unknown factor type {kind_text!r} for {factor_id!r}",
                expected="enum, integer, decimal or boolean",
            )
            return None
        domain: Domain
        if kind is FactorKind.ENUM:
            values: list[str] = []
            values_node = spec.get("values")
            for item in self.sequence(values_node, f"values of {factor_id!r}"):
                text = self.text(item, "value")
                if text == UNKNOWN:
                    self.issue(
                        item,
                        "'unknown' is reserved: every factor may be unknown without declaring it",
                        expected="the known values only",
                    )
                elif text in values:
                    self.issue(
                        item,
                        f"duplicate value {text!r} in factor {factor_id!r}",
                        expected="each value once",
                    )
                elif text:
                    values.append(text)
            if not values:
                self.issue(
                    values_node or node,
                    f"enumeration factor {factor_id!r} has no values",
                    expected="a non-empty list of values",
                )
                return None
            domain = Domain(kind, tuple(values))
        elif kind is FactorKind.BOOLEAN:
            domain = Domain(kind, (False, True))
        else:
            minimum = self.bound(spec.get("min"), kind, "min")
            maximum = self.bound(spec.get("max"), kind, "max")
            min_open = self.exclusive(spec, "min", minimum, kind)
            max_open = self.exclusive(spec, "max", maximum, kind)
            if kind is FactorKind.INTEGER:  # integers keep closed bounds: > 0 is >= 1
                if min_open and minimum is not None:
                    minimum, min_open = int(minimum) + 1, False
                if max_open and maximum is not None:
                    maximum, max_open = int(maximum) - 1, False
            low = NEG_INF if minimum is None else Decimal(minimum)
            high = POS_INF if maximum is None else Decimal(maximum)
            if low > high or (low == high and (min_open or max_open)):
                self.issue(
                    spec.get("min", node),
                    f"inverted range for {factor_id!r}: min {minimum} is above max {maximum}"
                    if low > high
                    else f"empty range for {factor_id!r}: min and max are both {minimum} "
                    "and one of them is exclusive",
                    expected="min <= max (min < max when a bound is exclusive)",
                )
                return None
            domain = Domain(
                kind,
                minimum=NEG_INF if minimum is None else minimum,
                maximum=POS_INF if maximum is None else maximum,
                minimum_open=min_open,
                maximum_open=max_open,
            )
        attribute = self.victim_attribute(factor_id, spec.get("victim"), kind)
        aggregate = self.victims_aggregate(factor_id, spec.get("victims"), kind)
        return Factor(
            id=factor_id,
            domain=domain,
            label=self.text(spec.get("label"), "label"),
            description=self.text(spec.get("description"), "description"),
            victim_attribute=attribute,
            victims_aggregate=aggregate,
            span=self.span(node),
        )

    def victims_aggregate(
        self, factor_id: str, where: Located | None, kind: FactorKind
    ) -> str | None:
        """``victims: count``: the case fact is at least the number of victims recorded."""
        if where is None or where.value is None:
            return None
        name = self.text(where, "victims")
        allowed = CASE_VICTIM_AGGREGATES.get(name)
        if allowed is None or kind not in allowed:
            self.issue(
                where,
                f"factor {factor_id!r} cannot be counted from the victims as {name!r}",
                expected="victims: count on an integer factor",
            )
            return None
        return name

    def victim_attribute(
        self, factor_id: str, where: Located | None, kind: FactorKind
    ) -> str | None:
        """``victim: age``: the factor is read from each potential victim's own record."""
        if where is None or where.value is None:
            return None
        name = self.text(where, "victim")
        if name not in VICTIM_ATTRIBUTES:
            self.issue(
                where,
                f"unknown victim attribute {name!r} for factor {factor_id!r}",
                expected="one of: " + ", ".join(VICTIM_ATTRIBUTES),
            )
            return None
        if kind not in VICTIM_ATTRIBUTES[name]:
            kinds = " or ".join(sorted(k.value for k in VICTIM_ATTRIBUTES[name]))
            self.issue(
                where,
                f"factor {factor_id!r} is {kind.value}, but a victim's {name} is {kinds}",
                expected=f"type: {kinds}",
            )
            return None
        return name

    def exclusive(
        self, spec: Mapping[str, Located], what: str, bound: Number | None, kind: FactorKind
    ) -> bool:
        """``min_exclusive: true``: the bound itself is outside the domain (``(0..1]``)."""
        where = spec.get(f"{what}_exclusive")
        if where is None or where.value is None:
            return False
        if not isinstance(where.value, bool):
            self.issue(where, f"{what}_exclusive must be true or false", expected="true or false")
            return False
        if where.value and bound is None:
            self.issue(
                where, f"{what}_exclusive needs a {what} to exclude", expected=f"a {what} value"
            )
            return False
        return where.value

    def bound(self, where: Located | None, kind: FactorKind, what: str) -> Number | None:
        if where is None or where.value is None:
            return None
        value = where.value
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.issue(where, f"{what} must be a number", expected="a number")
            return None
        if kind is FactorKind.INTEGER:
            if isinstance(value, Decimal):
                if value != value.to_integral_value():
                    self.issue(
                        where, f"{what} of an integer factor must be whole", expected="an integer"
                    )
                    return None
                return int(value)
            return value
        return Decimal(value)
