"""The keyed hash chain: how one event's hash is computed from its content and its predecessor."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
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


# ``verify``'s message builders below fill a template whose keys are already in the encoder's
# (sorted) order with each value encoded as the C encoder encodes it inside the dict: text by
# ``encode_basestring_ascii``, a whole number by ``int.__repr__``, ``None`` as ``null``, and any
# other value (a tampered column of another type) by the encoder itself, so the bytes are the
# same for every value. The JSON columns come already encoded (``canonical_json``).
_text = json.encoder.encode_basestring_ascii
_json = _ENCODER.encode


def _template(names: Sequence[str], *, prev: bool) -> str:
    body = ",".join(f"{_text(name)}:%s" for name in sorted(names))
    return '{"event":{' + body + '},"prev":%s}' if prev else "{" + body + "}"


_MESSAGE = _template(_CHAINED, prev=True)
_LEGACY_MESSAGE = _template(HASHED_FIELDS, prev=True)


def canonical_json(value: Any, known: dict[str, str], loads: Callable[[str], Any]) -> str:
    """A JSON column's value as the canonical encoder writes it; a stored text is decoded once
    and remembered in ``known`` (field lists and details repeat)."""
    if value.__class__ is str:
        text = known.get(value)
        if text is None:
            text = known[value] = _json(loads(value))
        return text
    return _json(value)


def event_message_of_text(row: Sequence[Any], fields: str, detail: str) -> bytes:
    """``event_message_of_row(row[2], row)`` for a row of ``ROW_COLUMNS`` whose ``occurred_at``
    is its ISO text, given the canonical JSON of its ``fields`` and ``detail`` (``verify``'s
    hot loop: no dict, no sorting, no key encoded per event)."""
    (chain, chain_seq, prev, _, seq, at, event, outcome, actor, username, agency, roles, tf,
     subject, request, ip, otype, oid, _, purpose, _) = row  # fmt: skip
    t, j = _text, _json
    values = (
        "null" if agency is None else repr(agency) if agency.__class__ is int else j(agency),
        "null" if actor is None else repr(actor) if actor.__class__ is int else j(actor),
        t(roles) if roles.__class__ is str else j(roles),
        t(username) if username.__class__ is str else j(username),
    )
    rest = (
        detail,
        t(event) if event.__class__ is str else j(event),
        fields,
        t(ip) if ip.__class__ is str else j(ip),
        t(oid) if oid.__class__ is str else j(oid),
        t(otype) if otype.__class__ is str else j(otype),
        t(at) if at.__class__ is str else j(at),
        t(outcome) if outcome.__class__ is str else j(outcome),
        t(purpose) if purpose.__class__ is str else j(purpose),
        t(request) if request.__class__ is str else j(request),
        repr(seq) if seq.__class__ is int else j(seq),
        "null" if subject is None else repr(subject) if subject.__class__ is int else j(subject),
        "null" if tf is None else repr(tf) if tf.__class__ is int else j(tf),
        t(prev) if prev.__class__ is str else j(prev),
    )
    chain = chain or 0
    if chain == 0 and chain_seq in (None, seq):
        return (_LEGACY_MESSAGE % (*values, *rest)).encode()
    position = (
        repr(chain) if chain.__class__ is int else j(chain),
        "null" if chain_seq is None else repr(chain_seq) if chain_seq.__class__ is int else j(chain_seq),
    )  # fmt: skip
    return (_MESSAGE % (*values, *position, *rest)).encode()


#: The columns of a read event covered by its MAC and its Merkle leaf, in this order.
READ_FIELDS = (*HASHED_FIELDS, "chain", "lane", "lane_seq")
_READ_OCCURRED_AT = READ_FIELDS.index("occurred_at")
_ENTRY = _template(READ_FIELDS, prev=False)


def read_entry_of_text(row: Sequence[Any], fields: str, detail: str) -> bytes:
    """``read_entry(row)`` for a row of ``READ_FIELDS`` whose ``occurred_at`` is its ISO text,
    given the canonical JSON of its ``fields`` and ``detail`` (as ``event_message_of_text``)."""
    (seq, at, event, outcome, actor, username, agency, roles, tf, subject, request, ip, otype,
     oid, _, purpose, _, chain, lane, lane_seq) = row  # fmt: skip
    t, j = _text, _json
    return (
        _ENTRY
        % (
            "null" if agency is None else repr(agency) if agency.__class__ is int else j(agency),
            "null" if actor is None else repr(actor) if actor.__class__ is int else j(actor),
            t(roles) if roles.__class__ is str else j(roles),
            t(username) if username.__class__ is str else j(username),
            "null" if chain is None else repr(chain) if chain.__class__ is int else j(chain),
            detail,
            t(event) if event.__class__ is str else j(event),
            fields,
            t(ip) if ip.__class__ is str else j(ip),
            "null" if lane is None else repr(lane) if lane.__class__ is int else j(lane),
            "null"
            if lane_seq is None
            else repr(lane_seq)
            if lane_seq.__class__ is int
            else j(lane_seq),
            t(oid) if oid.__class__ is str else j(oid),
            t(otype) if otype.__class__ is str else j(otype),
            t(at) if at.__class__ is str else j(at),
            t(outcome) if outcome.__class__ is str else j(outcome),
            t(purpose) if purpose.__class__ is str else j(purpose),
            t(request) if request.__class__ is str else j(request),
            "null" if seq is None else repr(seq) if seq.__class__ is int else j(seq),
            "null"
            if subject is None
            else repr(subject)
            if subject.__class__ is int
            else j(subject),
            "null" if tf is None else repr(tf) if tf.__class__ is int else j(tf),
        )
    ).encode()


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
