"""The verification report of a stored version: the core's findings plus directory cross-checks.

Every item carries a stable ``key`` (decision + kind + sorted rules + digest of
the box) so an accepted-risk note recorded against it survives re-verification
of the same text, and stops applying once the finding changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.core.model import Protocol
from accord.core.verify import Finding, VerificationReport, finding_to_json, verify_protocol

from . import legal_constants
from .directory_checks import (
    DirectoryFinding,
    check_protocol_references,
    deadline_owner_findings,
)
from .situations import describe_facts, describe_region

#: Seconds the core may spend on one version's verification (the report page waits for it).
VERIFY_TIME_BUDGET = 5.0


def finding_key(finding: Finding) -> str:
    """Stable across runs on the same text: decision, kind, sorted rules, box digest."""
    data = finding_to_json(finding)
    digest_source = json.dumps(
        {"box": data.get("box"), "example": data["example"] if not finding.rules else None},
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(digest_source.encode()).hexdigest()[:12]
    rules = "+".join(sorted(finding.rules))
    return f"{finding.decision or 'protocol'}:{finding.kind}:{rules}:{digest}"


@dataclass(frozen=True)
class ReportItem:
    """One line of the report, whatever found it."""

    key: str
    source: str  # "verification" | "directory" | "members"
    decision: str
    kind: str
    rules: tuple[str, ...]
    severity: str
    message: str
    situation: str = ""  # the region in words (gaps, overlaps)
    example: str = ""  # one concrete situation in words
    example_facts: Mapping[str, Any] = field(default_factory=dict)
    accepted_note: str = ""
    #: Why no accepted-risk note can waive it ("" when one can): the law fixes it.
    not_waivable_because: str = ""
    #: The region (factor id -> values or interval) of a gap or overlap, for grouping.
    box: Mapping[str, Any] | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def waivable(self) -> bool:
        return not self.not_waivable_because

    @property
    def unresolved(self) -> bool:
        return self.is_error and (not self.accepted_note or not self.waivable)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "source": self.source,
            "decision": self.decision,
            "kind": self.kind,
            "rules": list(self.rules),
            "severity": self.severity,
            "message": self.message,
            "situation": self.situation,
            "example": dict(self.example_facts),
            "accepted_risk": self.accepted_note or None,
            "waivable": self.waivable,
        }


@dataclass(frozen=True)
class VersionReport:
    items: tuple[ReportItem, ...]
    complete: bool
    directory_checked: bool
    elapsed_seconds: float

    @property
    def errors(self) -> tuple[ReportItem, ...]:
        return tuple(item for item in self.items if item.is_error)

    @property
    def unresolved(self) -> tuple[ReportItem, ...]:
        return tuple(item for item in self.items if item.unresolved)

    @property
    def warnings(self) -> tuple[ReportItem, ...]:
        return tuple(item for item in self.items if not item.is_error)

    def by_decision(self) -> dict[str, list[ReportItem]]:
        grouped: dict[str, list[ReportItem]] = {}
        for item in self.items:
            grouped.setdefault(item.decision or "", []).append(item)
        return grouped

    def to_json(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "directory_checked": self.directory_checked,
            "errors": len(self.errors),
            "unresolved_errors": len(self.unresolved),
            "warnings": len(self.warnings),
            "findings": [item.to_json() for item in self.items],
        }


_CORE_REPORTS: dict[str, VerificationReport] = {}
_CORE_REPORTS_SIZE = 32


def _core_report(digest: str, protocol: Protocol) -> VerificationReport:
    """The core's verification, cached by the text digest (the same text verifies the
    same). Incomplete reports (time budget spent) are not cached."""
    cached = _CORE_REPORTS.get(digest)
    if cached is not None:
        return cached
    report = verify_protocol(protocol, time_budget=VERIFY_TIME_BUDGET)
    if report.complete:
        if len(_CORE_REPORTS) >= _CORE_REPORTS_SIZE:
            _CORE_REPORTS.pop(next(iter(_CORE_REPORTS)))
        _CORE_REPORTS[digest] = report
    return report


def _core_items(protocol: Protocol, report: VerificationReport) -> list[ReportItem]:
    items = []
    for finding in report.findings:
        example = {key: value for key, value in finding.example.items()}
        items.append(
            ReportItem(
                key=finding_key(finding),
                source="verification",
                decision=finding.decision,
                kind=str(finding.kind),
                rules=tuple(finding.rules),
                severity=finding.severity,
                message=finding.message,
                situation=describe_region(protocol, finding.box) if finding.box else "",
                example=describe_facts(protocol, example),
                example_facts=finding_to_json(finding)["example"],
                box=finding.box,
            )
        )
    return items


def _directory_items(findings: Sequence[DirectoryFinding]) -> list[ReportItem]:
    return [
        ReportItem(
            key=finding.key,
            source="directory",
            decision=finding.decision,
            kind=f"directory-{finding.check}",
            rules=(finding.rule,) if finding.rule else (),
            severity=finding.severity,
            message=finding.message,
            not_waivable_because=str(legal_constants.WHY[legal_constants.MINOR_TO_ADULT_SERVICE])
            if legal_constants.is_minor_to_adult_service(finding)
            else "",
        )
        for finding in findings
    ]


def _law_items(findings: Sequence[DirectoryFinding]) -> list[ReportItem]:
    """Findings the law fixes (see :mod:`legal_constants`): errors no note can waive."""
    return [
        ReportItem(
            key=finding.key,
            source="law",
            decision=finding.decision,
            kind=finding.check,
            rules=(finding.rule,) if finding.rule else (),
            severity="error",
            message=finding.message,
            not_waivable_because=str(legal_constants.WHY[finding.check]),
        )
        for finding in findings
    ]


def _deadline_owner_items(findings: Sequence[DirectoryFinding]) -> list[ReportItem]:
    """Deadlines no member agency can own (checked against the task force's members)."""
    return [
        ReportItem(
            key=finding.key,
            source="members",
            decision=finding.decision,
            kind="deadline-owner",
            rules=(finding.rule,) if finding.rule else (),
            severity=finding.severity,
            message=finding.message,
        )
        for finding in findings
    ]


def _agency_sectors(task_force: Any) -> dict[str, str]:
    from accord.accounts.models import Agency

    return dict(Agency.objects.filter(task_force=task_force).values_list("slug", "sector"))


def build_report(
    *,
    protocol: Protocol,
    digest: str,
    task_force: Any | None,
    accepted: Mapping[str, str] | None = None,
    with_directory: bool = True,
) -> VersionReport:
    """The full report; ``accepted`` maps finding keys to accepted-risk notes."""
    core = _core_report(digest, protocol)
    items = _core_items(protocol, core)
    directory_checked = False
    if with_directory and task_force is not None:
        directory = check_protocol_references(task_force=task_force, protocol=protocol)
        if directory is not None:
            directory_checked = True
            items.extend(_directory_items(directory))
        items.extend(
            _deadline_owner_items(deadline_owner_findings(task_force=task_force, protocol=protocol))
        )
    if task_force is not None:
        items.extend(
            _law_items(
                legal_constants.continued_presence_findings(
                    protocol=protocol, agency_sectors=_agency_sectors(task_force)
                )
            )
        )
    notes = accepted or {}
    if notes:
        items = [
            ReportItem(
                **{
                    **item.__dict__,
                    # a note recorded before the law was checked never waives it
                    "accepted_note": notes.get(item.key, "") if item.waivable else "",
                }
            )
            for item in items
        ]
    order = {"error": 0, "warning": 1}
    items.sort(key=lambda item: (order.get(item.severity, 2), item.decision, item.kind, item.key))
    return VersionReport(
        items=tuple(items),
        complete=core.complete,
        directory_checked=directory_checked,
        elapsed_seconds=core.elapsed_seconds,
    )
