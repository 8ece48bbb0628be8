"""FEEL values and operators: literals, arithmetic, comparison, three-valued logic.

Numbers are decimals in :data:`DECIMAL128`; ``null`` (``None``) propagates and a
type mismatch gives ``null``, as the FEEL specification says. :mod:`accord.core.feel`
parses and evaluates expressions with these.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, DecimalException, localcontext
from typing import Any

#: FEEL numbers: IEEE 754 decimal128 (34 significant digits, half-even rounding).
DECIMAL128 = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=6144, Emin=-6143)


@dataclass(frozen=True, order=True)
class YearsMonths:
    """A years and months duration, in months (``P1Y2M`` is 14)."""

    months: int

    def __str__(self) -> str:
        sign = "-" if self.months < 0 else ""
        years, months = divmod(abs(self.months), 12)
        if not years and not months:
            return "P0M"
        return sign + "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")


Value = Any  # Decimal | str | bool | None | date | datetime | time | timedelta | YearsMonths | list


# -- literals and conversions ---------------------------------------------------------------

_DURATION = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
_ZONE = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def parse_duration(text: str) -> dt.timedelta | YearsMonths | None:
    """``P1DT2H`` -> timedelta, ``P1Y2M`` -> :class:`YearsMonths`; ``None`` if not one."""
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "-P") or text.strip().endswith("T"):
        return None
    sign, years, months, days, hours, minutes, seconds = match.groups()
    factor = -1 if sign else 1
    if years or months:
        if days or hours or minutes or seconds:
            return None
        return YearsMonths(factor * (int(years or 0) * 12 + int(months or 0)))
    try:
        delta = dt.timedelta(
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=float(Decimal(seconds or 0)),
        )
    except OverflowError:  # beyond what a duration can hold (about 2.7 million years)
        return None
    return delta * factor


def format_duration(value: dt.timedelta | YearsMonths) -> str:
    """FEEL's text of a duration (``P1DT2H``, ``-PT30M``, ``P1Y2M``)."""
    if isinstance(value, YearsMonths):
        return str(value)
    sign = "-" if value < dt.timedelta(0) else ""
    total = abs(value)
    days = total.days
    seconds = total.seconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "P" + (f"{days}D" if days else "")
    second_text = ""
    if secs or total.microseconds:
        second_text = f"{secs}" + (
            f".{total.microseconds:06d}".rstrip("0") if total.microseconds else ""
        )
    time_part = (
        (f"{hours}H" if hours else "")
        + (f"{minutes}M" if minutes else "")
        + (f"{second_text}S" if second_text else "")
    )
    if time_part:
        text += "T" + time_part
    if text == "P":
        return "PT0S"
    return sign + text


def parse_date(text: str) -> dt.date | None:
    try:
        if not re.match(r"^-?\d{4,}-\d\d-\d\d$", text):
            return None
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_time(text: str) -> dt.time | None:
    try:
        if not re.match(r"^\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$", text):
            return None
        return dt.time.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_date_time(text: str) -> dt.datetime | dt.date | None:
    """``2024-05-01T10:00:00`` (with an optional zone); a bare date is midnight."""
    if "T" not in text:
        day = parse_date(text)
        return None if day is None else dt.datetime.combine(day, dt.time())
    day_text, _, time_text = text.partition("T")
    day = parse_date(day_text)
    moment = parse_time(time_text)
    if day is None or moment is None:
        return None
    return dt.datetime.combine(day, moment)


def temporal_literal(text: str) -> Value:
    """An ``@"..."`` literal: a date, date and time, time or duration."""
    if text.lstrip("-").startswith("P"):
        return parse_duration(text)
    if "T" in text:
        return parse_date_time(text)
    if ":" in text:
        return parse_time(text)
    return parse_date(text)


def format_value(value: Value) -> str | None:
    """FEEL's ``string()`` of a value (``None`` for ``null``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return value
    if isinstance(value, dt.timedelta | YearsMonths):
        return format_duration(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, list):
        return "[" + ", ".join(_list_item_text(item) for item in value) + "]"
    return str(value)


def _list_item_text(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    return format_value(value) or "null"


def kind_of(value: Value) -> str:
    """The FEEL type of a value, for the checks a type mismatch turns into ``null``."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime):
        return "date and time"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dt.timedelta):
        return "days and time duration"
    if isinstance(value, YearsMonths):
        return "years and months duration"
    if isinstance(value, list):
        return "list"
    return "other"


def as_number(value: Value) -> Decimal | None:
    return value if kind_of(value) == "number" else None


def as_integer(value: Value) -> int | None:
    number = as_number(value)
    if number is None or not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


def as_string(value: Value) -> str | None:
    return value if isinstance(value, str) else None


# -- arithmetic and comparison -----------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def add(left: Value, right: Value) -> Value:
    kinds = (kind_of(left), kind_of(right))
    if left is None or right is None:
        return None
    if kinds == ("number", "number"):
        return DECIMAL128.add(left, right)
    if kinds == ("string", "string"):
        return left + right
    if kinds[0] == kinds[1] and kinds[0] == "days and time duration":
        return left + right
    if kinds[0] == kinds[1] and kinds[0] == "years and months duration":
        return YearsMonths(left.months + right.months)
    if kinds[1].endswith("duration") and kinds[0] in ("date", "date and time"):
        left, right = right, left
        kinds = (kinds[1], kinds[0])
    if kinds[1] in ("date", "date and time"):
        if kinds[0] == "years and months duration":
            return _add_months(right, left.months)
        if kinds[0] == "days and time duration":
            if kinds[1] == "date":  # a date plus a duration is a date (its midnight plus it)
                return (dt.datetime.combine(right, dt.time()) + left).date()
            return right + left
    return None


def negate(value: Value) -> Value:
    kind = kind_of(value)
    if kind == "number":
        return DECIMAL128.minus(value)
    if kind == "days and time duration":
        return -value
    if kind == "years and months duration":
        return YearsMonths(-value.months)
    return None


def subtract(left: Value, right: Value) -> Value:
    kinds = (kind_of(left), kind_of(right))
    if left is None or right is None:
        return None
    if kinds == ("number", "number"):
        return DECIMAL128.subtract(left, right)
    if kinds[0] == kinds[1] and kinds[0] in ("date", "date and time"):
        try:
            return left - right
        except TypeError:  # one has a zone, the other not
            return None
    if kinds in (("date", "date and time"), ("date and time", "date")):
        first = dt.datetime.combine(left, dt.time()) if kinds[0] == "date" else left
        second = dt.datetime.combine(right, dt.time()) if kinds[1] == "date" else right
        try:
            return first - second
        except TypeError:
            return None
    if kinds[1].endswith("duration"):
        return add(left, negate(right))
    return None


def multiply(left: Value, right: Value) -> Value:
    kinds = (kind_of(left), kind_of(right))
    if kinds == ("number", "number"):
        return DECIMAL128.multiply(left, right)
    if kinds[0] == "number" and kinds[1].endswith("duration"):
        left, right = right, left
        kinds = (kinds[1], kinds[0])
    if kinds == ("days and time duration", "number"):
        try:
            return left * float(right)
        except (OverflowError, ValueError):
            return None
    if kinds == ("years and months duration", "number"):
        return YearsMonths(int((Decimal(left.months) * right).to_integral_value()))
    return None


def divide(left: Value, right: Value) -> Value:
    kinds = (kind_of(left), kind_of(right))
    try:
        if kinds == ("number", "number"):
            return None if right == 0 else DECIMAL128.divide(left, right)
        if kinds == ("days and time duration", "number"):
            return None if right == 0 else left / float(right)
        if kinds == ("days and time duration", "days and time duration"):
            if not right:
                return None
            return DECIMAL128.divide(
                Decimal(left // dt.timedelta(microseconds=1)),
                Decimal(right // dt.timedelta(microseconds=1)),
            )
        if kinds == ("years and months duration", "number"):
            if right == 0:
                return None
            return YearsMonths(int(DECIMAL128.divide(Decimal(left.months), right)))
        if kinds == ("years and months duration", "years and months duration"):
            if not right.months:
                return None
            return DECIMAL128.divide(Decimal(left.months), Decimal(right.months))
    except (DecimalException, OverflowError, ValueError):
        return None
    return None


def power(left: Value, right: Value) -> Value:
    if kind_of(left) != "number" or kind_of(right) != "number":
        return None
    try:
        with localcontext(DECIMAL128) as context:
            exponent = as_integer(right)
            if exponent is not None:
                return context.power(left, exponent)
            return context.power(left, right)
    except (DecimalException, ArithmeticError):
        return None


ORDERED = frozenset(
    {
        "number",
        "string",
        "date",
        "date and time",
        "time",
        "days and time duration",
        "years and months duration",
    }
)


def equal(left: Value, right: Value) -> bool | None:
    """FEEL ``=``: ``null`` equals only ``null``; values of different types give ``null``."""
    if left is None or right is None:
        return left is None and right is None
    kind = kind_of(left)
    if kind != kind_of(right):
        return None
    if kind == "list":
        if len(left) != len(right):
            return False
        results = [equal(a, b) for a, b in zip(left, right, strict=True)]
        return all_true(results)
    try:
        return bool(left == right)
    except TypeError:
        return None


def compare(operator: str, left: Value, right: Value) -> bool | None:
    if operator == "=":
        return equal(left, right)
    if operator == "!=":
        result = equal(left, right)
        return None if result is None else not result
    if left is None or right is None:
        return None
    kind = kind_of(left)
    if kind != kind_of(right) or kind not in ORDERED:
        return None
    try:
        if operator == "<":
            return bool(left < right)
        if operator == "<=":
            return bool(left <= right)
        if operator == ">":
            return bool(left > right)
        return bool(left >= right)
    except TypeError:  # a zoned and an unzoned time
        return None


def all_true(values: Sequence[Value]) -> bool | None:
    """Three-valued ``and``: false if any is false, true if all are true, else null."""
    if any(value is False for value in values):
        return False
    if all(value is True for value in values):
        return True
    return None


def any_true(values: Sequence[Value]) -> bool | None:
    """Three-valued ``or``: true if any is true, false if all are false, else null."""
    if any(value is True for value in values):
        return True
    if all(value is False for value in values):
        return False
    return None


@dataclass(frozen=True)
class Range:
    low: Value
    high: Value
    low_open: bool
    high_open: bool

    def contains(self, value: Value) -> bool | None:
        above = compare(">" if self.low_open else ">=", value, self.low)
        below = compare("<" if self.high_open else "<=", value, self.high)
        return all_true([above, below])


def in_test(value: Value, test: Value) -> bool | None:
    """``value in test``: a range contains it, a list holds it, or it equals the test."""
    if isinstance(test, Range):
        return test.contains(value)
    if isinstance(test, UnaryTest):
        return compare(test.operator, value, test.operand)
    if isinstance(test, list):
        results = [in_test(value, item) for item in test]
        return any_true(results) if results else False
    return equal(value, test)


@dataclass(frozen=True)
class UnaryTest:
    operator: str
    operand: Value
