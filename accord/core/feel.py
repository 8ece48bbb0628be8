"""A subset of FEEL (the DMN expression language) for literal-expression decisions.

Parsed with lark (LALR) once per expression at import; evaluated over a
mapping of names to values. Supported: number, string, boolean and ``null``
literals, names (input data and other decisions, which may contain spaces),
``+ - * / **``, comparisons, ``and``/``or``/``not()``, ``if then else``,
``between``, ``in`` with lists, ranges and unary tests, lists, temporal
literals ``@"..."``, the properties of dates and durations (``.year``...) and
the built-in functions of :data:`FUNCTIONS` (string, number, list and
date/time functions).

Semantics follow the FEEL specification: numbers are decimals (34 digits,
half-even rounding, as IEEE 754 decimal128); ``null`` propagates through
arithmetic; a type mismatch or a failed function gives ``null``, never an
exception; ``and``/``or`` are three-valued; ``=`` with ``null`` on one side is
``false`` (``null = null`` is ``true``), ``<`` with ``null`` is ``null``.

Values: :class:`~decimal.Decimal`, ``str``, ``bool``, ``None``,
:class:`~datetime.date`, :class:`~datetime.datetime`, :class:`~datetime.time`,
:class:`~datetime.timedelta` (days and time duration), :class:`YearsMonths`
(years and months duration) and lists of these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, DecimalException, localcontext
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from accord.core.feel_functions import FUNCTIONS, PROPERTIES, feel_not
from accord.core.feel_values import (
    DECIMAL128,
    Range,
    UnaryTest,
    Value,
    YearsMonths,
    all_true,
    any_true,
    compare,
    format_duration,
    format_value,
    in_test,
    negate,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
    temporal_literal,
)
from accord.core.feel_values import add as _add
from accord.core.feel_values import divide as _divide
from accord.core.feel_values import multiply as _multiply
from accord.core.feel_values import power as _power
from accord.core.feel_values import subtract as _subtract

_GRAMMAR = r"""
?start: expr

?expr: "if" expr "then" expr "else" expr -> if_expr
     | disjunction

?disjunction: conjunction
     | disjunction "or" conjunction -> or_
?conjunction: comparison
     | conjunction "and" comparison -> and_
?comparison: additive
     | additive COMP additive -> compare
     | additive "between" additive "and" additive -> between
     | additive "in" in_target -> in_
?additive: multiplicative
     | additive "+" multiplicative -> add
     | additive "-" multiplicative -> sub
?multiplicative: power
     | multiplicative "*" power -> mul
     | multiplicative "/" power -> div
?power: unary
     | power "**" unary -> pow
?unary: postfix
     | "-" unary -> neg
?postfix: atom
     | postfix "." NAME -> path
?atom: NUMBER -> number
     | STRING -> string
     | "true" -> true
     | "false" -> false
     | "null" -> null
     | NAME -> name
     | NAME "(" [expr ("," expr)*] ")" -> call
     | "not" "(" expr ")" -> not_
     | "(" expr ")"
     | "[" [expr ("," expr)*] "]" -> list
     | range
     | "@" STRING -> temporal
!range: ("[" | "(" | "]") expr ".." expr ("]" | ")" | "[")
?in_target: additive
     | COMP additive -> unary_test
     | "(" in_item ("," in_item)+ ")" -> tests
?in_item: expr
     | COMP additive -> unary_test

COMP: "<=" | ">=" | "!=" | "=" | "<" | ">"
NUMBER: /\d+(\.\d+)?|\.\d+/
STRING: /"(?:[^"\\]|\\.)*"/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
%ignore /\s+/
"""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", maybe_placeholders=False)


class FeelError(ValueError):
    """An expression Accord cannot read: unsupported syntax, an unknown name or function."""


# -- parsing -----------------------------------------------------------------------------------

_STRING_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'"}


def _unescape(token: str) -> str:
    body = token[1:-1]

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.startswith("u"):
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", replace, body)


_WORD = re.compile(r"\w+")


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


@lru_cache(maxsize=16)
def _name_index(names: frozenset[str]) -> Mapping[str, tuple[int, ...]]:
    """First word of a name (or its first character) -> the lengths of the names
    starting with it, longest first."""
    index: dict[str, set[int]] = {}
    for name in names:
        if not name:
            continue
        word = _WORD.match(name)
        index.setdefault(word.group(0) if word else name[0], set()).add(len(name))
    return {key: tuple(sorted(lengths, reverse=True)) for key, lengths in index.items()}


def _substitute_names(text: str, names: Collection[str]) -> tuple[str, dict[str, str]]:
    """``text`` with each known name (which may hold spaces or dashes) replaced by a token.

    FEEL names may contain spaces and some operator characters ("Applicant Age",
    "string length"); only the model knows which words form one name. At each
    place a name may start (not inside a word, not right after a single ``.``),
    the longest known name there wins; string literals are left alone. The work
    is linear in the text for a given set of names, however many names there are.
    """
    known = names if isinstance(names, frozenset) else frozenset(names)
    if not known:
        return text, {}
    index = _name_index(known)
    tokens: dict[str, str] = {}
    by_name: dict[str, str] = {}

    def name_at(piece: str, position: int, key: str) -> str | None:
        """The longest known name starting at ``position`` and ending before a non-word."""
        before = piece[position - 1] if position else ""
        if _is_word(before) or (before == "." and piece[position - 2 : position] != ".."):
            return None  # inside a word, or a property after a single dot
        for length in index.get(key, ()):
            end = position + length
            if end <= len(piece) and not (end < len(piece) and _is_word(piece[end])):
                candidate = piece[position:end]
                if candidate in known:
                    return candidate
        return None

    def substitute(piece: str) -> str:
        out: list[str] = []
        position = 0
        while position < len(piece):
            word = _WORD.match(piece, position)
            key = word.group(0) if word else piece[position]
            name = name_at(piece, position, key)
            if name is not None:
                if name not in by_name:
                    by_name[name] = f"_n{len(by_name)}_"
                    tokens[by_name[name]] = name
                out.append(by_name[name])
                position += len(name)
            else:  # no name starts inside a word: skip it whole
                out.append(key)
                position += len(key)
        return "".join(out)

    pieces: list[str] = []
    position = 0
    for literal in _STRING_TOKEN.finditer(text):
        pieces.append(substitute(text[position : literal.start()]))
        pieces.append(literal.group(0))
        position = literal.end()
    pieces.append(substitute(text[position:]))
    return "".join(pieces), tokens


@dataclass(frozen=True)
class Expression:
    """A parsed FEEL expression: its text, its tree and the names it reads."""

    text: str
    tree: Tree[Token] | Token
    tokens: Mapping[str, str]  # substitution token -> name
    names: tuple[str, ...]  # the variables it reads, in order of first use

    def evaluate(self, context: Mapping[str, Value]) -> Value:
        """The expression's value over ``context`` (a name missing from it is ``null``)."""
        with localcontext(DECIMAL128):
            try:
                return _Evaluator(context, self.tokens).value(self.tree)
            except (DecimalException, ArithmeticError, TypeError, ValueError, RecursionError):
                return None


@lru_cache(maxsize=16)
def _with_functions(names: frozenset[str]) -> frozenset[str]:
    return names | frozenset(FUNCTIONS)


def parse(text: str, names: Collection[str] = ()) -> Expression:
    """Parse ``text``; ``names`` are the variables it may read (input data, decisions).

    Pass the same frozenset for every expression of a model: its name index is
    built once, so parsing stays linear in the text however many names there are.

    Raises :class:`FeelError` naming what could not be read: unsupported syntax,
    an unknown name or function, or a function called with the wrong number of
    arguments.
    """
    known = names if isinstance(names, frozenset) else frozenset(names)
    source, tokens = _substitute_names(text, _with_functions(known))
    try:
        tree = _parser().parse(source)
    except UnexpectedEOF:
        raise FeelError("the expression ends too early") from None
    except UnexpectedCharacters as error:
        raise FeelError(
            f"cannot read {_restore(source[error.pos_in_stream :][:20], tokens)!r}"
        ) from None
    except UnexpectedToken as error:
        if error.token.type == "$END":
            raise FeelError("the expression ends too early") from None
        raise FeelError(f"unexpected {_restore(str(error.token), tokens)!r}") from None
    except LarkError as error:  # pragma: no cover - any other parser complaint
        raise FeelError(str(error).splitlines()[0]) from None
    if _depth(tree) > MAX_DEPTH:
        raise FeelError(f"the expression is nested more than {MAX_DEPTH} levels deep")
    used: list[str] = []
    _check(tree, tokens, known, used)
    return Expression(text, tree, tokens, tuple(used))


#: Deepest expression tree accepted (checking and evaluating walk it recursively).
MAX_DEPTH = 100


def _depth(tree: Tree[Token] | Token) -> int:
    """The depth of the parse tree, walked without recursion."""
    deepest = 0
    stack: list[tuple[Tree[Token] | Token, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, Tree):
            stack.extend((child, depth + 1) for child in node.children if child is not None)
    return deepest


def _restore(text: str, tokens: Mapping[str, str]) -> str:
    for token, name in tokens.items():
        text = text.replace(token, name)
    return text


def _check(
    node: Tree[Token] | Token, tokens: Mapping[str, str], known: Collection[str], used: list[str]
) -> None:
    if isinstance(node, Token):
        return
    if node.data == "name":
        name = tokens.get(str(node.children[0]), str(node.children[0]))
        if name not in known:
            if name in FUNCTIONS:
                raise FeelError(f"the function {name!r} is named but not called")
            raise FeelError(f"unknown name {name!r}")
        if name not in used:
            used.append(name)
        return
    if node.data == "call":
        name = tokens.get(str(node.children[0]), str(node.children[0]))
        if name not in FUNCTIONS:
            raise FeelError(f"unsupported function {name!r}")
        arity = FUNCTIONS[name][1]
        count = len([c for c in node.children[1:] if c is not None])
        if arity is not None and count not in arity:
            expected = " or ".join(str(n) for n in sorted(arity))
            raise FeelError(f"{name}() takes {expected} arguments, not {count}")
        if arity is None and count == 0:
            raise FeelError(f"{name}() needs at least one argument")
        for child in node.children[1:]:
            if child is not None:
                _check(child, tokens, known, used)
        return
    if node.data == "path":
        _check(node.children[0], tokens, known, used)
        prop = str(node.children[1])
        base = node.children[0]
        # ``Decision.output`` reads one output of a table's answer; otherwise a property
        # of a date, time or duration.
        if prop not in PROPERTIES and not (isinstance(base, Tree) and base.data == "name"):
            raise FeelError(f"unsupported property {prop!r}")
        return
    if node.data == "temporal":
        literal = _unescape(str(node.children[0]))
        if temporal_literal(literal) is None:
            raise FeelError(f"@{node.children[0]} is not a date, time or duration")
        return
    for child in node.children:
        if child is not None:
            _check(child, tokens, known, used)


class _NotKnown:
    """A fact nobody knows yet: not FEEL's ``null`` (a known absence) but "any value"."""

    def __repr__(self) -> str:
        return "NOT_KNOWN"


#: Put in a context for a fact not known yet. Anything computed from it is NOT_KNOWN,
#: except what every value would give: ``false and x`` is false, ``true or x`` true, and
#: ``if x then a else b`` is ``a`` when ``a`` and ``b`` are the same. Accord reads a
#: NOT_KNOWN answer as "needs that fact", never as ``null``.
NOT_KNOWN: Any = _NotKnown()


def _same(first: Value, second: Value) -> bool:
    return type(first) is type(second) and bool(first == second)


class _Evaluator:
    def __init__(self, context: Mapping[str, Value], tokens: Mapping[str, str]) -> None:
        self.context = context
        self.tokens = tokens

    def value(self, node: Tree[Token] | Token | None) -> Value:
        if node is None:
            return None
        if isinstance(node, Token):  # pragma: no cover - every token sits in a tree
            return None
        kind = node.data
        children = node.children
        if kind == "number":
            return Decimal(str(children[0]))
        if kind == "string":
            return _unescape(str(children[0]))
        if kind == "true":
            return True
        if kind == "false":
            return False
        if kind == "null":
            return None
        if kind == "name":
            token = str(children[0])
            return self.context.get(self.tokens.get(token, token))
        if kind == "temporal":
            return temporal_literal(_unescape(str(children[0])))
        if kind == "if_expr":
            condition, then, otherwise = children
            test = self.value(condition)
            if test is NOT_KNOWN:  # known only if both branches agree
                first, second = self.value(then), self.value(otherwise)
                return first if _same(first, second) else NOT_KNOWN
            return self.value(then) if test is True else self.value(otherwise)
        if kind == "or_":
            left = self.value(children[0])
            if left is True:
                return True
            right = self.value(children[1])
            if right is not True and NOT_KNOWN in (left, right):
                return NOT_KNOWN
            return any_true([left, right])
        if kind == "and_":
            left = self.value(children[0])
            if left is False:
                return False
            right = self.value(children[1])
            if right is not False and NOT_KNOWN in (left, right):
                return NOT_KNOWN
            return all_true([left, right])
        return self.operation(node)

    def operation(self, node: Tree[Token]) -> Value:
        """Every other node: NOT_KNOWN as soon as an operand is."""
        kind = node.data
        children = node.children
        if kind == "list":
            items = [self.value(child) for child in children if child is not None]
            return NOT_KNOWN if any(item is NOT_KNOWN for item in items) else items
        if kind == "range":
            start, low, _dots, high, end = children
            bounds = (self.value(low), self.value(high))
            if NOT_KNOWN in bounds:
                return NOT_KNOWN
            return Range(bounds[0], bounds[1], str(start) != "[", str(end) != "]")
        if kind == "call":
            token = str(children[0])
            function = FUNCTIONS[self.tokens.get(token, token)][0]
            arguments = [self.value(child) for child in children[1:] if child is not None]
            if any(argument is NOT_KNOWN for argument in arguments):
                return NOT_KNOWN
            return function(*arguments)
        if kind == "in_":
            subject, target = self.value(children[0]), self.test(children[1])
            return NOT_KNOWN if NOT_KNOWN in (subject, target) else in_test(subject, target)
        if kind == "path":
            base, prop = self.value(children[0]), str(children[1])
            if base is NOT_KNOWN:
                return NOT_KNOWN
            if isinstance(base, Mapping):
                return base.get(prop)
            return PROPERTIES[prop](base) if prop in PROPERTIES else None
        operands = [self.value(child) for child in children if isinstance(child, Tree)]
        if any(operand is NOT_KNOWN for operand in operands):
            return NOT_KNOWN
        return self.combine(node, operands)

    def combine(self, node: Tree[Token], operands: list[Value]) -> Value:
        kind = node.data
        children = node.children
        if kind == "not_":
            return feel_not(operands[0])
        if kind == "compare":
            return compare(str(children[1]), operands[0], operands[1])
        if kind == "between":
            subject, low, high = operands
            return all_true([compare(">=", subject, low), compare("<=", subject, high)])
        if kind == "neg":
            return negate(operands[0])
        return _BINARY[kind](operands[0], operands[1])

    def test(self, node: Tree[Token] | Token) -> Value:
        if isinstance(node, Tree) and node.data == "unary_test":
            operator, operand = node.children
            value = self.value(operand)
            return NOT_KNOWN if value is NOT_KNOWN else UnaryTest(str(operator), value)
        if isinstance(node, Tree) and node.data == "tests":
            tests = [self.test(child) for child in node.children]
            return NOT_KNOWN if any(test is NOT_KNOWN for test in tests) else tests
        return self.value(node)


_BINARY: Mapping[str, Callable[[Value, Value], Value]] = {
    "add": _add,
    "sub": _subtract,
    "mul": _multiply,
    "div": _divide,
    "pow": _power,
}


def evaluate(text: str, context: Mapping[str, Value] | None = None) -> Value:
    """Parse and evaluate ``text`` over ``context`` (names are its keys)."""
    context = context or {}
    return parse(text, context.keys()).evaluate(context)


__all__ = [
    "DECIMAL128",
    "FUNCTIONS",
    "NOT_KNOWN",
    "Expression",
    "FeelError",
    "YearsMonths",
    "evaluate",
    "format_duration",
    "format_value",
    "parse",
    "parse_date",
    "parse_date_time",
    "parse_duration",
    "parse_time",
]
