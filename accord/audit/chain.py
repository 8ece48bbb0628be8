"""The keyed hash chain: how one event's hash is computed from its content and its predecessor."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64

#: The columns covered by the hash, in a fixed order. Adding a column means a new chain version.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "event",
    "outcome",
    "actor_id",
    "actor_username",
    "actor_agency_id",
    "actor_roles",
    "task_force_id",
    "subject_agency_id",
    "request_id",
    "ip_address",
    "object_type",
    "object_id",
    "fields",
    "purpose",
    "detail",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def event_hash(*, key: bytes, prev_hash: str, content: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of the canonical JSON of ``content`` chained to ``prev_hash``."""
    payload = {name: _canonical(content.get(name)) for name in HASHED_FIELDS}
    message = json.dumps(
        {"prev": prev_hash, "event": payload}, sort_keys=True, separators=(",", ":"), default=str
    ).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
