"""What verification reports: findings, their kinds and severities, the report, its JSON.

Split out of :mod:`accord.core.verify` (which re-exports every name here).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from accord.core.model import Interval, Scalar

__all__ = [
    "ERROR_KINDS",
    "MAX_FINDINGS",
    "Finding",
    "FindingKind",
    "Region",
    "VerificationReport",
    "finding_to_json",
    "report_to_json",
    "severity_of",
]

Region = Mapping[str, tuple[Scalar, ...] | Interval]


class FindingKind(enum.StrEnum):
    GAP = "gap"
    OVERLAP = "overlap"
    SHADOWED = "shadowed"
    SUBSUMED = "subsumed"
    UNUSED_VALUE = "unused-value"
    UNKNOWN_REFERENCE = "unknown-reference"


ERROR_KINDS = frozenset({FindingKind.GAP, FindingKind.OVERLAP, FindingKind.UNKNOWN_REFERENCE})


def severity_of(kind: FindingKind) -> str:
    """Errors leave a case without a (single) answer; warnings mark text with no effect."""
    return "error" if kind in ERROR_KINDS else "warning"


@dataclass(frozen=True)
class Finding:
    decision: str  # decision id ("" for protocol-wide findings such as unused values)
    kind: FindingKind
    rules: tuple[str, ...]  # rule ids involved
    example: Mapping[str, Scalar]  # a concrete situation, factor id -> value
    box: Region | None  # the region (gaps, overlaps)
    message: str  # one line a coordinator understands
    severity: str = "error"


@dataclass(frozen=True)
class VerificationReport:
    findings: tuple[Finding, ...]
    complete: bool  # False when the time budget ran out
    elapsed_seconds: float
    #: Findings found but not listed, beyond :data:`MAX_FINDINGS`: (decision, kind) -> count.
    omitted: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @property
    def omitted_count(self) -> int:
        return sum(self.omitted.values())


#: At most this many findings of one kind are listed per decision; the rest are counted.
#: Bounds memory and report size on adversarial tables (a random 1,500-rule table has
#: thousands of gap boxes); the first ones are the largest gaps, where a fix helps most.
MAX_FINDINGS = 500


# -- JSON ------------------------------------------------------------------------------


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return value
    if isinstance(value, Decimal):
        if value.is_infinite() or value.is_nan():
            return None
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, Interval):
        return {
            "min": _json_number(value.low),
            "max": _json_number(value.high),
            "min_open": value.low_open,
            "max_open": value.high_open,
        }
    if isinstance(value, tuple | list | frozenset | set):
        return [_json_value(item) for item in value]
    return _json_number(value)


def finding_to_json(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "decision": finding.decision,
        "kind": str(finding.kind),
        "rules": list(finding.rules),
        "example": {key: _json_value(value) for key, value in finding.example.items()},
    }
    if finding.box is not None:
        data["box"] = {key: _json_value(value) for key, value in finding.box.items()}
    data["message"] = finding.message
    data["severity"] = finding.severity
    return data


def report_to_json(report: VerificationReport) -> dict[str, Any]:
    return {
        "findings": [finding_to_json(finding) for finding in report.findings],
        "complete": report.complete,
        "omitted": [
            {"decision": decision, "kind": kind, "count": count}
            for (decision, kind), count in report.omitted.items()
        ],
    }
