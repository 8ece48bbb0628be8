"""FEEL's built-in functions and the properties of dates, times and durations.

A function given arguments of the wrong type answers ``null``, never raises.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from accord.core.feel_values import (
    DECIMAL128,
    ORDERED,
    Value,
    YearsMonths,
    as_integer,
    as_number,
    as_string,
    equal,
    format_value,
    kind_of,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
)

# -- built-in functions --------------------------------------------------------------------------


def _substring(text: Value, start: Value, length: Value = ...) -> Value:
    string, first = as_string(text), as_integer(start)
    if string is None or first is None or first == 0:
        return None
    chars = list(string)  # code points
    index = first - 1 if first > 0 else len(chars) + first
    if index < 0 or index > len(chars):
        return None
    if length is ...:
        return "".join(chars[index:])
    count = as_integer(length)
    if count is None or count < 0:
        return None
    return "".join(chars[index : index + count])


def _string_function(name: str, method: Callable[[str, str], Value]) -> Callable[..., Value]:
    def function(text: Value, match: Value) -> Value:
        first, second = as_string(text), as_string(match)
        if first is None or second is None:
            return None
        return method(first, second)

    function.__name__ = name
    return function


def _numbers(arguments: Sequence[Value]) -> list[Decimal] | None:
    items = arguments[0] if len(arguments) == 1 and isinstance(arguments[0], list) else arguments
    if not items or any(kind_of(item) != "number" for item in items):
        return None
    return list(items)


def _comparables(arguments: Sequence[Value]) -> list[Value] | None:
    items = arguments[0] if len(arguments) == 1 and isinstance(arguments[0], list) else arguments
    if not items:
        return None
    kinds = {kind_of(item) for item in items}
    if len(kinds) != 1 or not kinds <= ORDERED:
        return None
    return list(items)


def _min(*arguments: Value) -> Value:
    items = _comparables(arguments)
    return None if items is None else min(items)


def _max(*arguments: Value) -> Value:
    items = _comparables(arguments)
    return None if items is None else max(items)


def _sum(*arguments: Value) -> Value:
    items = _numbers(arguments)
    if items is None:
        return None
    total = Decimal(0)
    for item in items:
        total = DECIMAL128.add(total, item)
    return total


def _mean(*arguments: Value) -> Value:
    items = _numbers(arguments)
    total = _sum(*arguments)
    return None if items is None else DECIMAL128.divide(total, Decimal(len(items)))


def _count(items: Value) -> Value:
    return Decimal(len(items)) if isinstance(items, list) else None


def _decimal(number: Value, scale: Value) -> Value:
    value, places = as_number(number), as_integer(scale)
    if value is None or places is None or not -6111 <= places <= 6176:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN, context=DECIMAL128)


def _rounded(rounding: str) -> Callable[[Value], Value]:
    def function(number: Value) -> Value:
        value = as_number(number)
        if value is None:
            return None
        return value.to_integral_value(rounding=rounding) + Decimal(0)

    return function


def _abs(value: Value) -> Value:
    kind = kind_of(value)
    if kind == "number":
        return abs(value)
    if kind == "days and time duration":
        return abs(value)
    if kind == "years and months duration":
        return YearsMonths(abs(value.months))
    return None


def _modulo(dividend: Value, divisor: Value) -> Value:
    first, second = as_number(dividend), as_number(divisor)
    if first is None or second is None or second == 0:
        return None
    # FEEL: the result has the sign of the divisor (floored division).
    quotient = DECIMAL128.divide(first, second).to_integral_value(rounding=ROUND_FLOOR)
    return DECIMAL128.subtract(first, DECIMAL128.multiply(second, quotient))


def _string_of(value: Value) -> Value:
    return format_value(value)


def _number_of(text: Value) -> Value:
    string = as_string(text)
    if string is None or not re.match(r"^-?\d+(\.\d+)?$", string.strip()):
        return None
    return Decimal(string.strip())


def _date(*arguments: Value) -> Value:
    if len(arguments) == 1:
        (value,) = arguments
        if isinstance(value, str):
            return parse_date(value)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return None
    if len(arguments) == 3:
        parts = [as_integer(argument) for argument in arguments]
        if any(part is None for part in parts):
            return None
        try:
            return dt.date(*parts)  # type: ignore[arg-type]
        except ValueError:
            return None
    return None


def _date_and_time(*arguments: Value) -> Value:
    if len(arguments) == 1 and isinstance(arguments[0], str):
        return parse_date_time(arguments[0])
    if len(arguments) == 2:
        day, moment = arguments
        if kind_of(day) in ("date", "date and time") and kind_of(moment) == "time":
            return dt.datetime.combine(day if kind_of(day) == "date" else day.date(), moment)
    return None


def _time(value: Value) -> Value:
    if isinstance(value, str):
        return parse_time(value)
    if isinstance(value, dt.datetime):
        return value.timetz()
    return None


def _duration(text: Value) -> Value:
    string = as_string(text)
    return None if string is None else parse_duration(string)


def _years_and_months(start: Value, end: Value) -> Value:
    if kind_of(start) not in ("date", "date and time") or kind_of(end) not in (
        "date",
        "date and time",
    ):
        return None
    first = start.date() if isinstance(start, dt.datetime) else start
    last = end.date() if isinstance(end, dt.datetime) else end
    months = (last.year - first.year) * 12 + last.month - first.month
    if months > 0 and last.day < first.day:
        months -= 1
    elif months < 0 and last.day > first.day:
        months += 1
    return YearsMonths(months)


def feel_not(value: Value) -> Value:
    return (not value) if isinstance(value, bool) else None


def _list_contains(items: Value, item: Value) -> Value:
    if not isinstance(items, list):
        return None
    return any(equal(existing, item) is True for existing in items)


#: Built-in functions by FEEL name, with the argument counts each accepts.
FUNCTIONS: Mapping[str, tuple[Callable[..., Value], frozenset[int] | None]] = {
    "string length": (lambda s: None if as_string(s) is None else Decimal(len(s)), frozenset({1})),
    "substring": (_substring, frozenset({2, 3})),
    "upper case": (lambda s: None if as_string(s) is None else s.upper(), frozenset({1})),
    "lower case": (lambda s: None if as_string(s) is None else s.lower(), frozenset({1})),
    "contains": (_string_function("contains", lambda a, b: b in a), frozenset({2})),
    "starts with": (_string_function("starts with", str.startswith), frozenset({2})),
    "ends with": (_string_function("ends with", str.endswith), frozenset({2})),
    "substring before": (
        _string_function("substring before", lambda a, b: a.partition(b)[0] if b in a else ""),
        frozenset({2}),
    ),
    "substring after": (
        _string_function("substring after", lambda a, b: a.partition(b)[2] if b in a else ""),
        frozenset({2}),
    ),
    "string": (_string_of, frozenset({1})),
    "number": (_number_of, frozenset({1})),
    "decimal": (_decimal, frozenset({2})),
    "floor": (_rounded(ROUND_FLOOR), frozenset({1})),
    "ceiling": (_rounded(ROUND_CEILING), frozenset({1})),
    "abs": (_abs, frozenset({1})),
    "modulo": (_modulo, frozenset({2})),
    "min": (_min, None),
    "max": (_max, None),
    "sum": (_sum, None),
    "mean": (_mean, None),
    "count": (_count, frozenset({1})),
    "list contains": (_list_contains, frozenset({2})),
    "date": (_date, frozenset({1, 3})),
    "date and time": (_date_and_time, frozenset({1, 2})),
    "time": (_time, frozenset({1})),
    "duration": (_duration, frozenset({1})),
    "years and months duration": (_years_and_months, frozenset({2})),
}

PROPERTIES: Mapping[str, Callable[[Value], Value]] = {
    "year": lambda v: Decimal(v.year) if kind_of(v) in ("date", "date and time") else None,
    "month": lambda v: Decimal(v.month) if kind_of(v) in ("date", "date and time") else None,
    "day": lambda v: Decimal(v.day) if kind_of(v) in ("date", "date and time") else None,
    "weekday": lambda v: (
        Decimal(v.isoweekday()) if kind_of(v) in ("date", "date and time") else None
    ),
    "hour": lambda v: Decimal(v.hour) if kind_of(v) in ("time", "date and time") else None,
    "minute": lambda v: Decimal(v.minute) if kind_of(v) in ("time", "date and time") else None,
    "second": lambda v: Decimal(v.second) if kind_of(v) in ("time", "date and time") else None,
    "years": lambda v: (
        Decimal(int(v.months / 12)) if kind_of(v) == "years and months duration" else None
    ),
    "months": lambda v: (
        Decimal(int(abs(v.months) % 12) * (1 if v.months >= 0 else -1))
        if kind_of(v) == "years and months duration"
        else None
    ),
    "days": lambda v: Decimal(_dt_part(v, "days")) if kind_of(v).startswith("days") else None,
    "hours": lambda v: Decimal(_dt_part(v, "hours")) if kind_of(v).startswith("days") else None,
    "minutes": lambda v: Decimal(_dt_part(v, "minutes")) if kind_of(v).startswith("days") else None,
    "seconds": lambda v: Decimal(_dt_part(v, "seconds")) if kind_of(v).startswith("days") else None,
}


def _dt_part(value: dt.timedelta, part: str) -> int:
    sign = -1 if value < dt.timedelta(0) else 1
    total = int(abs(value).total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return sign * {"days": days, "hours": hours, "minutes": minutes, "seconds": seconds}[part]
