"""The keyed hash chain: how one event's hash is computed from its content and its predecessor."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
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


#: One encoder for every hash (``json.dumps`` with these options builds a new one per call).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def _legacy_form(content: Mapping[str, Any]) -> bool:
    """Events written before chains (chain 0, ``chain_seq == seq``) keep their original hash.

    Every other event's hash also covers ``chain`` and ``chain_seq``: changing either moves the
    event out of this form or into it, and both change the hashed message, so an event moved to
    another chain or another place never verifies.
    """
    chain = content.get("chain") or 0
    return chain == 0 and content.get("chain_seq") in (None, content.get("seq"))


def event_hash(*, key: bytes, prev_hash: str, content: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of the canonical JSON of ``content`` chained to ``prev_hash``."""
    payload = {name: _canonical(content.get(name)) for name in HASHED_FIELDS}
    if not _legacy_form(content):
        payload["chain"] = content.get("chain") or 0
        payload["chain_seq"] = content.get("chain_seq")
    message = _ENCODER.encode({"prev": prev_hash, "event": payload}).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


#: The columns ``verify`` reads for each event, in this order (``event_hash_of_row``).
ROW_COLUMNS = ("chain", "chain_seq", "prev_hash", "hash", *HASHED_FIELDS)
_OCCURRED_AT = ROW_COLUMNS.index("occurred_at")
_SEQ = ROW_COLUMNS.index("seq")
_CHAINED = (*HASHED_FIELDS, "chain", "chain_seq")
_CHAINED_AT = tuple(ROW_COLUMNS.index(name) for name in _CHAINED)
_LEGACY_AT = tuple(ROW_COLUMNS.index(name) for name in HASHED_FIELDS)


def event_message_of_row(prev_hash: str, row: Sequence[Any]) -> bytes:
    """The message ``event_hash`` keys, for a row read as a tuple of ``ROW_COLUMNS`` — byte for
    byte the same (a property test holds them together), without a function call per field:
    the dict is built by ``zip`` and encoded, keys sorted, by the C encoder. ``occurred_at`` may
    be a datetime or already its ISO text with microseconds."""
    chain, chain_seq = row[0] or 0, row[1]
    if chain == 0 and chain_seq in (None, row[_SEQ]):
        payload = dict(zip(HASHED_FIELDS, [row[i] for i in _LEGACY_AT], strict=True))
    else:
        payload = dict(zip(_CHAINED, [row[i] for i in _CHAINED_AT], strict=True))
        payload["chain"] = chain
    occurred_at = row[_OCCURRED_AT]
    if isinstance(occurred_at, datetime):
        payload["occurred_at"] = occurred_at.isoformat(timespec="microseconds")
    return _ENCODER.encode({"prev": prev_hash, "event": payload}).encode()


def event_hash_of_row(key: bytes, prev_hash: str, row: Sequence[Any]) -> str:
    """``event_hash`` of a row read as a tuple of ``ROW_COLUMNS`` (verification's fast path)."""
    return hmac.digest(key, event_message_of_row(prev_hash, row), "sha256").hex()


#: The columns of a read event covered by its MAC and its Merkle leaf, in this order.
READ_FIELDS = (*HASHED_FIELDS, "chain", "lane", "lane_seq")
_READ_OCCURRED_AT = READ_FIELDS.index("occurred_at")


def read_entry(row: Sequence[Any]) -> bytes:
    """The canonical bytes of a read event (a tuple of ``READ_FIELDS``): what its MAC keys and
    what its Merkle leaf hashes. Compact JSON, keys sorted; ``occurred_at`` as ISO text."""
    payload = dict(zip(READ_FIELDS, row, strict=True))
    occurred_at = row[_READ_OCCURRED_AT]
    if isinstance(occurred_at, datetime):
        payload["occurred_at"] = occurred_at.isoformat(timespec="microseconds")
    return _ENCODER.encode(payload).encode()


def read_mac(key: bytes, entry: bytes) -> str:
    """A read event's MAC, under the key derived for read events alone."""
    return hmac.digest(derived_key(key, "read-event"), entry, "sha256").hex()


@functools.lru_cache(maxsize=16)
def derived_key(key: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the audit key (HMAC as a PRF, RFC 2104 / HKDF-Expand).

    Separate keys keep a chain-head MAC, a purge-record MAC and a checkpoint signature from ever
    being valid for one another, or for an event hash. Cached (keyed on both arguments): the
    chain head's MAC is computed on every audit write.
    """
    return hmac.new(key, f"accord-audit/{purpose}/v1".encode(), hashlib.sha256).digest()


def record_mac(*, key: bytes, purpose: str, content: Mapping[str, Any]) -> str:
    """HMAC-SHA256, under the key derived for ``purpose``, of the canonical JSON of ``content``."""
    message = _ENCODER.encode({name: _canonical(value) for name, value in content.items()}).encode()
    return hmac.new(derived_key(key, purpose), message, hashlib.sha256).hexdigest()


def head_mac(*, key: bytes, seq: int, hash: str, chain: int = 0) -> str:
    """The chain head's MAC: rewriting the head (to hide a cut tail) needs the audit key.

    Chain 0 keeps the MAC it had before chains existed; every other head's MAC covers its chain,
    so one task force's head cannot stand in for another's.
    """
    content: dict[str, Any] = {"seq": seq, "hash": hash}
    if chain:
        content["chain"] = chain
    return record_mac(key=key, purpose="chain-head", content=content)


def purge_mac(
    *,
    key: bytes,
    through_seq: int,
    through_hash: str,
    cutoff: datetime,
    events_removed: int,
    chain: int = 0,
) -> str:
    """A purge record's MAC: forging one (to hide a cut start) needs the audit key."""
    content: dict[str, Any] = {
        "through_seq": through_seq,
        "through_hash": through_hash,
        "cutoff": cutoff.astimezone(UTC),
        "events_removed": events_removed,
    }
    if chain:
        content["chain"] = chain
    return record_mac(key=key, purpose="purge-record", content=content)


def key_fingerprint(key: bytes) -> str:
    """A short public name for the audit key, so a checkpoint made under another key is told apart."""
    return derived_key(key, "fingerprint").hex()[:16]
