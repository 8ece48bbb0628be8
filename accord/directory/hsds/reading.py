"""Reading HSDS documents: JSON syntax, size and depth limits, and telling organizations from
services."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.core.limits import json_too_deep, too_deep_message, too_large_message

from .schema import ImportProblem, import_limits

# --- reading -------------------------------------------------------------------------------


@dataclass
class Item:
    """One top-level record of a document: an organization or a service."""

    kind: str
    data: dict[str, Any]
    label: str


@dataclass
class ParsedDocument:
    items: list[Item] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_path(path: Path | str) -> ParsedDocument:
    """Read a JSON file, or every ``*.json`` file of a directory (unrecognised shapes skipped)."""
    path = Path(path)
    parsed = ParsedDocument()
    limit = import_limits().max_bytes
    if path.is_dir():
        for child in sorted(path.glob("*.json")):
            if _within_size(child, limit=limit, parsed=parsed):
                _read_one(child.read_bytes(), source=child.name, parsed=parsed, strict=False)
    elif path.is_file():
        if _within_size(path, limit=limit, parsed=parsed):
            _read_one(path.read_bytes(), source=path.name, parsed=parsed, strict=True)
    else:
        parsed.problems.append(ImportProblem(str(path), "", "no such file or directory"))
    return parsed


def read_bytes(content: bytes, *, source: str) -> ParsedDocument:
    parsed = ParsedDocument()
    _read_one(content, source=source, parsed=parsed, strict=True)
    return parsed


def _within_size(path: Path, *, limit: int, parsed: ParsedDocument) -> bool:
    size = path.stat().st_size
    if size > limit:
        parsed.problems.append(ImportProblem(path.name, "", too_large_message(size, limit)))
        return False
    return True


def _read_one(content: bytes, *, source: str, parsed: ParsedDocument, strict: bool) -> None:
    """Parse one JSON document, refusing an oversized or over-deep one before ``json.loads``.

    ``json.loads`` recurses once per level and a 50,000-deep document of
    brackets ends in RecursionError (a 500), so the depth is scanned first.
    """
    limits = import_limits()
    if len(content) > limits.max_bytes:
        parsed.problems.append(
            ImportProblem(source, "", too_large_message(len(content), limits.max_bytes))
        )
        return
    deep_line = json_too_deep(content, limits.max_depth)
    if deep_line is not None:
        parsed.problems.append(
            ImportProblem(source, f"line {deep_line}", too_deep_message(limits.max_depth))
        )
        return
    try:
        document = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        parsed.problems.append(ImportProblem(source, "", "not UTF-8 text"))
        return
    except json.JSONDecodeError as exc:
        parsed.problems.append(
            ImportProblem(
                source, f"line {exc.lineno} column {exc.colno}", f"malformed JSON: {exc.msg}"
            )
        )
        return
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        records = document["contents"]
    elif isinstance(document, list):
        records = document
    else:
        records = [document]
    items: list[Item] = []
    for index, record in enumerate(records):
        kind = classify(record)
        label = _label(source, index if record is not document else None, record)
        if kind is None:
            if not strict:
                parsed.skipped.append(f"{source} (not an HSDS organization or service)")
                return
            parsed.problems.append(
                ImportProblem(label, "", "not an HSDS organization or service record")
            )
            continue
        items.append(Item(kind=kind, data=record, label=label))
    parsed.items.extend(items)


ORGANIZATION_MARKERS = frozenset(
    [
        "services",
        "locations",
        "contacts",
        "phones",
        "website",
        "email",
        "tax_status",
        "tax_id",
        "legal_status",
        "year_incorporated",
        "programs",
        "funding",
        "organization_identifiers",
        "alternate_name",
        "logo",
        "parent_organization_id",
    ]
)


def classify(record: object) -> str | None:
    """``service``, ``organization`` or None, from the keys the record has."""
    if not isinstance(record, dict):
        return None
    keys = set(record)
    if "service" in keys or "location" in keys:
        return None  # service-at-location: not an import shape Accord takes
    if "status" in keys:
        return "service"
    if "location_type" in keys or "taxonomy" in keys or "code" in keys:
        return None
    if keys & ORGANIZATION_MARKERS or (keys <= {"id", "name", "description"} and "id" in keys):
        return "organization"
    return None


def _label(source: str, index: int | None, record: object) -> str:
    where = source if index is None else f"{source}[{index}]"
    if isinstance(record, dict):
        name = record.get("name")
        ident = record.get("id")
        bits = [f"id {ident}" if ident else "", f"“{name}”" if isinstance(name, str) else ""]
        return f"{where} " + " ".join(bit for bit in bits if bit) if any(bits) else where
    return where
