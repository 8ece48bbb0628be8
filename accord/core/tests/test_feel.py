"""The FEEL subset: values of expressions, null semantics, decimals, dates, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.feel import (
    DECIMAL128,
    NOT_KNOWN,
    FeelError,
    YearsMonths,
    evaluate,
    format_value,
    parse,
)

D = Decimal

CASES: list[tuple[str, dict[str, Any], Any]] = [
    # literals
    ("42", {}, D(42)),
    ("-1.5", {}, D("-1.5")),
    (".5 + 1", {}, D("1.5")),
    ('"a \\"quoted\\" word"', {}, 'a "quoted" word'),
    ("true", {}, True),
    ("null", {}, None),
    # arithmetic, precedence, decimals
    ("1 + 2 * 3", {}, D(7)),
    ("(1 + 2) * 3", {}, D(9)),
    ("-10 - -5", {}, D(-5)),
    ("5 + 2 ** 5", {}, D(37)),
    ("10 ** -2", {}, D("0.01")),
    ("1.2 * 10 ** 3", {}, D(1200)),
    ("0.1 + 0.2", {}, D("0.3")),  # decimals, not binary floats
    ("1 / 3", {}, D("0.3333333333333333333333333333333333")),  # 34 digits
    ("2 / 3", {}, D("0.6666666666666666666666666666666667")),  # half-even rounding
    ("10 / 4", {}, D("2.5")),
    # null and type mismatches give null
    ("null + 1", {}, None),
    ("1 - null", {}, None),
    ("null * 2", {}, None),
    ("1 / 0", {}, None),
    ('"a" + 1', {}, None),
    ("true + 1", {}, None),
    ('"a" * 2', {}, None),
    ("x + 1", {"x": None}, None),
    # comparisons
    ("1 < 2", {}, True),
    ("2 <= 2", {}, True),
    ('"apple" < "banana"', {}, True),
    ("1 = 1.0", {}, True),
    ("1 != 2", {}, True),
    ('1 = "1"', {}, None),
    ("1 < null", {}, None),
    ("null = null", {}, True),
    ("1 = null", {}, False),
    ("null != 1", {}, True),
    ("true < false", {}, None),
    ("x between 1 and 5", {"x": D(5)}, True),
    ("x between 1 and 5", {"x": D("5.01")}, False),
    # three-valued logic
    ("true and null", {}, None),
    ("false and null", {}, False),
    ("null or true", {}, True),
    ("null or false", {}, None),
    ('true and "yes"', {}, None),
    ("not(true)", {}, False),
    ("not(null)", {}, None),
    ("not(1)", {}, None),
    # if then else: only true takes the then branch
    ('if x > 10 then "big" else "small"', {"x": D(11)}, "big"),
    ('if x > 10 then "big" else "small"', {"x": None}, "small"),
    ("if null then 1 else 2", {}, D(2)),
    # in: lists, ranges, unary tests
    ("x in [1..10]", {"x": D(10)}, True),
    ("x in [1..10)", {"x": D(10)}, False),
    ("x in (1..10]", {"x": D(1)}, False),
    ("x in ]1..10[", {"x": D(5)}, True),
    ("x in (1, 2, 3)", {"x": D(2)}, True),
    ("x in [1, 2, 3]", {"x": D(4)}, False),
    ("x in (< 0, > 100)", {"x": D(101)}, True),
    ("x in >= 18", {"x": D(18)}, True),
    ('x in ("red", "green")', {"x": "blue"}, False),
    ("x in [1..10]", {"x": None}, None),
    # names with spaces and keywords inside
    ("Monthly Income * 12", {"Monthly Income": D(1000)}, D(12000)),
    ("Age in Years >= 18", {"Age in Years": D(18)}, True),
    ("x in [Low Age..High Age]", {"x": D(5), "Low Age": D(1), "High Age": D(9)}, True),
    ("Monthly Income*2", {"Monthly Income": D(2)}, D(4)),
    # string functions
    ('string length("héllo")', {}, D(5)),
    ('substring("foobar", 3)', {}, "obar"),
    ('substring("foobar", 3, 2)', {}, "ob"),
    ('substring("foobar", -2, 1)', {}, "a"),
    ('substring("foobar", 0)', {}, None),
    ('upper case("aBc")', {}, "ABC"),
    ('lower case("aBc")', {}, "abc"),
    ('contains("foobar", "ob")', {}, True),
    ('starts with("foobar", "fo")', {}, True),
    ('ends with("foobar", "r")', {}, True),
    ('substring before("foobar", "bar")', {}, "foo"),
    ('substring after("foobar", "ob")', {}, "ar"),
    ("string(1.50)", {}, "1.50"),
    ("string(true)", {}, "true"),
    ("string(null)", {}, None),
    ('string(date("2026-03-01"))', {}, "2026-03-01"),
    ("string length(42)", {}, None),
    ('number("12.5")', {}, D("12.5")),
    ('number("twelve")', {}, None),
    # number functions
    ("decimal(1.125, 2)", {}, D("1.12")),  # half-even
    ("decimal(1.135, 2)", {}, D("1.14")),
    ("decimal(1/3, 2)", {}, D("0.33")),
    ("floor(-1.5)", {}, D(-2)),
    ("ceiling(1.01)", {}, D(2)),
    ("abs(-3)", {}, D(3)),
    ("modulo(-7, 3)", {}, D(2)),
    ("min([3, 1, 2])", {}, D(1)),
    ("max(3, 1, 2)", {}, D(3)),
    ("sum([1, 2.5, 3])", {}, D("6.5")),
    ("mean([1, 2, 3, 4])", {}, D("2.5")),
    ("count([1, 2, 3])", {}, D(3)),
    ("sum([])", {}, None),
    ('max(1, "a")', {}, None),
    ('min(["b", "a"])', {}, "a"),
    ("list contains([1, 2], 2)", {}, True),
    # dates, times, durations
    ('date("2026-02-28") + duration("P1D")', {}, dt.date(2026, 3, 1)),
    ('date("2028-02-28") + duration("P1D")', {}, dt.date(2028, 2, 29)),  # leap year
    ('date("2026-01-31") + duration("P1M")', {}, dt.date(2026, 2, 28)),
    ('date("2026-03-01") - date("2026-02-01")', {}, dt.timedelta(days=28)),
    ('(date("2026-12-31") - date("2026-01-01")).days', {}, D(364)),
    ('date("2026-03-01") - duration("P1Y")', {}, dt.date(2025, 3, 1)),
    ('date("2026-03-01") > date("2026-02-28")', {}, True),
    ('date("2026-03-01") = date(2026, 3, 1)', {}, True),
    ('date("2026-03-01") < 5', {}, None),
    ('date("2026-02-30")', {}, None),
    ('date("not a date")', {}, None),
    ('date("2026-05-06").month', {}, D(5)),
    ('date("2026-12-07").weekday', {}, D(1)),  # a Monday
    (
        'date and time("2026-12-07T13:00:00") - date and time("2026-12-07T09:30:00")',
        {},
        dt.timedelta(hours=3, minutes=30),
    ),
    ('date and time("2026-12-07T23:59:59") < date and time("2026-12-08T00:00:00")', {}, True),
    ('date and time("2026-12-07T10:00:00Z").hour', {}, D(10)),
    ('date(date and time("2026-12-07T10:00:00"))', {}, dt.date(2026, 12, 7)),
    ('time("10:30:00") < time("11:00:00")', {}, True),
    ('duration("P1DT2H") + duration("PT30M")', {}, dt.timedelta(days=1, hours=2, minutes=30)),
    ('duration("P1Y2M")', {}, YearsMonths(14)),
    ('duration("P1Y") + duration("P2M")', {}, YearsMonths(14)),
    ('duration("PT1H") * 2', {}, dt.timedelta(hours=2)),
    ('duration("P2D") / duration("P1D")', {}, D(2)),
    ('duration("P1D") > duration("PT23H")', {}, True),
    ('duration("P1Y") > duration("P1D")', {}, None),  # different kinds do not compare
    ('years and months duration(date("2020-01-15"), date("2026-03-14"))', {}, YearsMonths(73)),
    ('duration("nonsense")', {}, None),
    ('@"2026-12-07"', {}, dt.date(2026, 12, 7)),
    ('@"P3D"', {}, dt.timedelta(days=3)),
    ('d + duration("P7D")', {"d": dt.date(2026, 12, 31)}, dt.date(2027, 1, 7)),
    # lists
    ("[1, 2, 3]", {}, [D(1), D(2), D(3)]),
    ("[1, 2] = [1, 2]", {}, True),
    # a table's multi-output answer read by name
    ("Routing.agency", {"Routing": {"agency": "hsi"}}, "hsi"),
    ("Routing.agency", {"Routing": {"agency": "hsi"}, "agency": "other"}, "hsi"),
]


@pytest.mark.parametrize(("text", "context", "expected"), CASES, ids=[c[0] for c in CASES])
def test_expression_value(text: str, context: dict[str, Any], expected: Any) -> None:
    result = evaluate(text, context)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("1.10"), "1.10"),
        (dt.timedelta(days=1, hours=2), "P1DT2H"),
        (dt.timedelta(0), "PT0S"),
        (-dt.timedelta(minutes=30), "-PT30M"),
        (YearsMonths(14), "P1Y2M"),
        (YearsMonths(0), "P0M"),
        ([D(1), "a", None], '[1, "a", null]'),
    ],
)
def test_format_value(value: Any, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(
    ("text", "names", "message"),
    [
        ("1 +", (), "ends too early"),
        ("Age > ", ("Age",), "ends too early"),
        ("Agee > 18", ("Age",), "unknown name 'Agee'"),
        ("foo(1)", (), "unsupported function 'foo'"),
        ("string length(1, 2)", (), "takes 1 arguments, not 2"),
        ("max()", (), "at least one argument"),
        ("{a: 1}", (), "cannot read"),
        ("for x in [1, 2] return x", ("x",), "unexpected"),
        ('@"soon"', (), "is not a date, time or duration"),
        ("string length", (), "is named but not called"),
        ('date("2026-01-01").fortnight', (), "unsupported property 'fortnight'"),
        ('substring(string: "a", start position: 1)', (), "cannot read"),
    ],
)
def test_unsupported_expressions_are_refused_naming_the_problem(
    text: str, names: tuple[str, ...], message: str
) -> None:
    with pytest.raises(FeelError, match=message):
        parse(text, names)


def test_an_expression_nested_too_deeply_is_refused_not_a_crash() -> None:
    with pytest.raises(FeelError, match="nested more than 100 levels"):
        parse("1" + " + 1" * 5000)
    with pytest.raises(FeelError, match="nested more than 100 levels"):
        parse("not(" * 500 + "true" + ")" * 500)
    assert evaluate("1" + " + 1" * 90) == 91
    assert evaluate("(" * 3000 + "1" + ")" * 3000) == 1  # parentheses add no depth


def test_a_duration_too_long_to_hold_is_null_or_refused() -> None:
    assert evaluate('duration("PT99999999999999999999H")') is None
    with pytest.raises(FeelError, match="is not a date, time or duration"):
        parse('@"PT99999999999999999999H"')


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "1",
                ".5",
                '"s"',
                "x",
                "(",
                ")",
                "[",
                "]",
                "..",
                ",",
                "+",
                "-",
                "*",
                "/",
                "**",
                "<",
                "=",
                "!=",
                "and",
                "or",
                "not",
                "if",
                "then",
                "else",
                "in",
                "between",
                "date",
                "@",
                ".",
                "upper case",
                "null",
                "true",
                "{",
                ":",
                "?",
                "'",
            ]
        ),
        max_size=12,
    )
)
def test_any_text_parses_or_is_refused_with_a_feel_error(pieces: list[str]) -> None:
    text = " ".join(pieces)
    try:
        expression = parse(text, ["x"])
    except FeelError:
        return
    expression.evaluate({"x": D(1)})


def test_parse_lists_the_names_an_expression_reads_in_order() -> None:
    expression = parse("b + a * b + upper case(c)", ["a", "b", "c", "unused"])
    assert expression.names == ("b", "a", "c")


def test_a_name_inside_a_string_literal_is_text() -> None:
    assert evaluate('"Monthly Income: " + string(Monthly Income)', {"Monthly Income": D(5)}) == (
        "Monthly Income: 5"
    )


# -- properties --------------------------------------------------------------------------------

numbers = st.decimals(
    min_value=D("-1e12"), max_value=D("1e12"), allow_nan=False, allow_infinity=False, places=6
)


def _literal(number: Decimal) -> str:
    text = format(number, "f")
    return f"({text})" if text.startswith("-") else text


@settings(max_examples=150, deadline=None)
@given(numbers, numbers, st.sampled_from(["+", "-", "*", "/"]))
def test_arithmetic_agrees_with_decimal128(left: Decimal, right: Decimal, operator: str) -> None:
    result = evaluate(f"{_literal(left)} {operator} {_literal(right)}")
    with localcontext(DECIMAL128):
        if operator == "/" and right == 0:
            expected = None
        else:
            expected = {
                "+": lambda: left + right,
                "-": lambda: left - right,
                "*": lambda: left * right,
                "/": lambda: left / right,
            }[operator]()
    assert result == expected


@settings(max_examples=150, deadline=None)
@given(numbers, numbers, numbers)
def test_comparison_is_a_total_order_on_numbers(a: Decimal, b: Decimal, c: Decimal) -> None:
    context = {"a": a, "b": b, "c": c}
    below, equal, above = (evaluate(f"a {op} b", context) for op in ("<", "=", ">"))
    assert [below, equal, above].count(True) == 1  # exactly one holds
    assert evaluate("a <= b or b <= a", context) is True
    if evaluate("a <= b and b <= c", context):
        assert evaluate("a <= c", context) is True


truth = st.sampled_from([True, False, None])


@given(truth, truth)
def test_and_or_are_three_valued_and_commutative(a: bool | None, b: bool | None) -> None:
    context = {"a": a, "b": b}
    conjunction = evaluate("a and b", context)
    disjunction = evaluate("a or b", context)
    assert conjunction == evaluate("b and a", context)
    assert disjunction == evaluate("b or a", context)
    if False in (a, b):
        assert conjunction is False
    elif None in (a, b):
        assert conjunction is None
    else:
        assert conjunction is True
    assert evaluate("not(a or b)", context) == evaluate("not(a) and not(b)", context)  # De Morgan
    assert disjunction is (True if True in (a, b) else None if None in (a, b) else False)


values = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    st.text(max_size=5),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.timedeltas(min_value=dt.timedelta(days=-999), max_value=dt.timedelta(days=999)),
    st.builds(YearsMonths, st.integers(-100, 100)),
    st.lists(numbers, max_size=3),
)
operators = st.sampled_from(
    ["+", "-", "*", "/", "**", "<", "<=", ">", ">=", "=", "!=", "and", "or", "in"]
)
functions = st.sampled_from(
    [
        "string length(a)",
        "substring(a, b)",
        "upper case(a)",
        "contains(a, b)",
        "string(a)",
        "decimal(a, b)",
        "floor(a)",
        "abs(a)",
        "min(a, b)",
        "sum(a)",
        "date(a)",
        "date and time(a)",
        "duration(a)",
        "not(a)",
        "modulo(a, b)",
        "a.year",
        "a.days",
    ]
)


@settings(max_examples=300, deadline=None)
@given(values, values, operators, functions)
def test_any_values_of_any_types_give_a_value_or_null_never_an_exception(
    a: Any, b: Any, operator: str, function: str
) -> None:
    context = {"a": a, "b": b}
    evaluate(f"a {operator} b", context)
    evaluate(function, context)
    evaluate(f"if a {operator} b then a else b", context)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12))
def test_substring_over_the_whole_length_is_the_string(text: str) -> None:
    context = {"s": text}
    assert evaluate("string length(s)", context) == len(text)
    if text:
        assert evaluate("substring(s, 1, string length(s))", context) == text
        assert evaluate("substring(s, -1)", context) == text[-1]


# -- facts not known yet -----------------------------------------------------------------------

NOT_KNOWN_CASES: list[tuple[str, Any]] = [
    ('if x >= 18 then "adult" else "minor"', NOT_KNOWN),  # not "minor"
    ("x + 1", NOT_KNOWN),
    ("x = null", NOT_KNOWN),
    ("string length(x)", NOT_KNOWN),
    ("x in [1..10]", NOT_KNOWN),
    ("[x, 1]", NOT_KNOWN),
    ("false and x > 1", False),
    ("x > 1 and false", False),
    ("true or x > 1", True),
    ("x > 1 or true", True),
    ("true and x > 1", NOT_KNOWN),
    ('if x > 1 then "same" else "same"', "same"),
    ("if x > 1 then 1 else 2", NOT_KNOWN),
    ("not(x)", NOT_KNOWN),
]


@pytest.mark.parametrize(("text", "expected"), NOT_KNOWN_CASES, ids=[c[0] for c in NOT_KNOWN_CASES])
def test_a_fact_not_known_yet_is_not_null(text: str, expected: Any) -> None:
    result = parse(text, ["x"]).evaluate({"x": NOT_KNOWN})
    assert result == expected
    assert type(result) is type(expected)


TEMPLATES = [
    "x + y",
    "x > y",
    "x > y and y > 0",
    "y > 0 or x > 0",
    "y < 0 and x > 0",
    "if x > y then 1 else 2",
    "if y > 0 then x else y",
    "if x > 0 then y else y",
    "if y > 0 then 1 else x",
    "x in [y..10]",
    "y between 0 and 5 or x = 1",
    "not(y > 0) and x",
    "max(y, 3)",
    "y * 0 + 1",
]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(TEMPLATES),
    st.one_of(st.none(), numbers),
    st.lists(st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=3)), min_size=1),
)
def test_an_answer_given_without_a_fact_holds_whatever_the_fact_turns_out_to_be(
    template: str, y: Decimal | None, completions: list[Any]
) -> None:
    expression = parse(template, ["x", "y"])
    answer = expression.evaluate({"x": NOT_KNOWN, "y": y})
    if answer is NOT_KNOWN:
        return
    for x in completions:
        assert expression.evaluate({"x": x, "y": y}) == answer
