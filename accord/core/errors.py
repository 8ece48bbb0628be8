"""Errors of the protocol core.

Every error a person can cause with a protocol file, a DMN file or a set of
facts is one of these; each carries a stable ``code``, structured ``data`` and
a message written for the person who must fix it. None of them is ever shown
as a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from accord.errors import AccordError


class ProtocolError(AccordError):
    """Base of every error raised by the protocol core."""

    default_code = "protocol_error"


@dataclass(frozen=True, order=True)
class LoadIssue:
    """One mistake in a file: where it is (1-based line and column), what is
    wrong, and what was expected there."""

    file: str
    line: int
    column: int
    message: str
    expected: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        return text

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "expected": self.expected,
        }


class LoadError(ProtocolError):
    """A protocol or DMN file could not be loaded; ``issues`` lists every
    mistake found (sorted by position), not just the first."""

    default_code = "protocol_invalid"

    def __init__(self, issues: Iterable[LoadIssue], *, code: str | None = None) -> None:
        self.issues: tuple[LoadIssue, ...] = tuple(sorted(issues))
        count = len(self.issues)
        header = f"{count} error{'s' if count != 1 else ''} in protocol"
        message = "\n".join([header + ":", *(f"  {issue}" for issue in self.issues)])
        super().__init__(
            message,
            code=code,
            data={"issues": [issue.to_json() for issue in self.issues]},
        )


class UnsupportedDMNError(LoadError):
    """A DMN file uses a construct Accord does not interpret (named in the issues)."""

    default_code = "dmn_unsupported"


class FactError(ProtocolError):
    """A fact names no factor, or holds a value outside its factor's domain."""

    default_code = "fact_invalid"

    def __init__(self, problems: Sequence[str], *, factors: Sequence[str] = ()) -> None:
        self.problems = tuple(problems)
        message = "; ".join(self.problems)
        super().__init__(message, data={"problems": list(self.problems), "factors": list(factors)})


class EvaluationError(ProtocolError):
    """A table could not give an answer its hit policy allows (e.g. UNIQUE with
    two matching rules, ANY with differing outputs)."""

    default_code = "evaluation_failed"


__all__ = [
    "EvaluationError",
    "FactError",
    "LoadError",
    "LoadIssue",
    "ProtocolError",
    "UnsupportedDMNError",
]
