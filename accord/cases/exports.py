"""The case list as a CSV file: exactly the rows and values the viewer sees on the list.

Rows come from ``door.case_list_export`` (released values only, the export audited there as
``EXPORTED`` with field names, never values); every cell goes through the reports' CSV writer,
which neutralizes formula prefixes (S21).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from accord.csv_safe import write_csv
from accord.sharing import door

HEADER = (
    "Case number",
    "Title",
    "Trafficking type",
    "Incident",
    "Stage",
    "Lead agency",
    "Opened",
    "Potential victims",
)


def victim_line(victim: door.Released) -> str:
    """A victim as the list shows one: pseudonym, age, gender, name, serving provider — each
    part only when released."""
    values = victim.values
    parts = [str(values[name]) for name in ("pseudonym", "age", "gender") if values.get(name)]
    text = ", ".join(parts)
    if values.get("legal_name"):
        text += f" — {values['legal_name']}"
    if values.get("serving_provider"):
        text += f" ({values['serving_provider']})"
    return text


def trafficking_type(case: door.Released) -> str:
    facts = case.values.get("facts")
    if not isinstance(facts, dict):
        return ""
    kind = facts.get("trafficking_type")
    return door.TRAFFICKING_TYPE_LABELS.get(str(kind), "") if kind else ""


def case_rows(rows: Sequence[door.CaseWithVictims]) -> list[list[Any]]:
    lines: list[list[Any]] = [list(HEADER)]
    for row in rows:
        values = row.case.values
        opened = row.case.refs.get("opened_at")
        lines.append(
            [
                values.get("number", ""),
                values.get("title", ""),
                trafficking_type(row.case),
                values.get("incident_kind", ""),
                values.get("stage", ""),
                values.get("lead_agency", ""),
                f"{timezone.localtime(opened):%Y-%m-%d %H:%M %Z}" if opened else "",
                "; ".join(victim_line(v) for v in row.victims),
            ]
        )
    return lines


def case_list_csv(*, viewer: Any, query: door.CaseQuery) -> bytes:
    """The CSV bytes of the viewer's case list for ``query`` (audited by the door)."""
    export = door.case_list_export(viewer=viewer, query=query)
    return write_csv(case_rows(export.rows)).encode("utf-8")
