"""The audit trail as a CSV file for auditors: the rows their page shows, every page of them.

Reading the trail is itself recorded: the download writes ``AUDIT_LOG_READ`` (it is a read of
the trail, found with the page reads) and ``EXPORTED`` (every export is), both before the file
is handed out, so a failed audit write means no file (S17). Cells go through the reports' CSV
writer, which neutralizes formula prefixes (S21): user names and purposes are typed by people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from accord.csv_safe import write_csv

from .events import AuditEventType, event_label
from .selectors import AuditFilter, audit_events_for_agency
from .services import audit_record

#: At most this many events in one file; the file says when it stopped.
MAX_ROWS = 50_000
HEADER = (
    "Number",
    "Time (UTC)",
    "Event",
    "Outcome",
    "Person",
    "Object type",
    "Object",
    "Fields",
    "Purpose",
    "Request",
)


def event_rows(events: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """CSV rows for events given as dicts of ``DISPLAY_FIELDS`` (chain events and reads)."""
    rows: list[list[Any]] = [list(HEADER)]
    for event in events:
        rows.append(
            [
                event["seq"],
                f"{event['occurred_at']:%Y-%m-%d %H:%M:%S}",
                event_label(event["event"]),
                event_label(event["outcome"]),
                event["actor_username"],
                event["object_type"],
                event["object_id"],
                ", ".join(event["fields"] or ()),
                event["purpose"],
                event["request_id"],
            ]
        )
    return rows


def audit_log_csv(*, actor: Any, filters: AuditFilter) -> bytes:
    """The auditor's agency's events matching ``filters``, newest first, as CSV; audited."""
    events = list(
        audit_events_for_agency(agency_id=actor.agency_id, filters=filters)[: MAX_ROWS + 1]
    )
    truncated = len(events) > MAX_ROWS
    events = events[:MAX_ROWS]
    rows = event_rows(events)
    if truncated:
        rows.append([f"Stopped at {MAX_ROWS} events: narrow the dates to get the rest."])
    detail = {
        "format": "csv",
        "filters": {k: str(v) for k, v in filters.__dict__.items() if v},
        "events": len(events),
        "truncated": truncated,
    }
    for event_type in (AuditEventType.AUDIT_LOG_READ, AuditEventType.EXPORTED):
        audit_record(
            event=event_type,
            actor=actor,
            object_type="audit.audit_log",
            subject_agency_id=actor.agency_id,
            purpose="audit trail CSV",
            detail=detail,
        )
    return write_csv(rows).encode("utf-8")
