"""Signed checkpoints of the audit chain, kept outside the database (S16).

Everything inside the database can be rewritten by whoever can write to it: a shortened chain
with its head moved back, a database restored from an old backup, an emptied one. A checkpoint
is a small signed statement, "event #N of this chain had hash H", written to a file that is
copied off the machine or mailed to a witness, as Certificate Transparency's signed tree heads
are. ``accord audit verify --checkpoint FILE`` then proves that the history up to #N is still
the one the witness saw: the event must exist with exactly that hash, and the chain must verify
through it.

The file is human-readable JSON (documented in ``docs/operations.md``)::

    {
      "format": "accord-audit-checkpoint/1",
      "statement": "Event #1234 of the Accord audit chain had the hash below.",
      "seq": 1234,
      "hash": "9f2c...64 hex digits",
      "written_at": "2026-12-07T06:00:00.000000+00:00",
      "key_fingerprint": "16 hex digits naming the audit key",
      "signature": "64 hex digits: HMAC-SHA256 of the other fields, sorted compact JSON"
    }

The signature uses a key derived from ``ACCORD_AUDIT_KEY`` for checkpoints alone; the key
fingerprint lets ``verify`` say "signed under another key" rather than only "bad signature".
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from accord.errors import AccordError

from .chain import key_fingerprint, record_mac

FORMAT = "accord-audit-checkpoint/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = ("format", "statement", "seq", "hash", "written_at", "key_fingerprint", "signature")
#: Larger than any checkpoint; a bigger file is not one (and is not read whole).
_MAX_BYTES = 4096


class CheckpointInvalid(AccordError):
    """A checkpoint file cannot be used: unreadable, malformed, or its signature does not hold."""

    default_code = "checkpoint_invalid"


@dataclass(frozen=True)
class Checkpoint:
    """Event ``seq`` of the chain had ``hash`` when the checkpoint was written at ``written_at``."""

    seq: int
    hash: str
    written_at: str
    source: str = ""  # where it was read from, for messages

    @property
    def label(self) -> str:
        return f"checkpoint {self.source or '(unnamed)'} (#{self.seq}, written {self.written_at})"


def _signature(*, key: bytes, fields: dict[str, Any]) -> str:
    return record_mac(key=key, purpose="checkpoint", content=fields)


def checkpoint_dumps(*, key: bytes, seq: int, hash: str, now: datetime) -> str:
    """The signed checkpoint file's text for event ``seq`` with ``hash``."""
    fields: dict[str, Any] = {
        "format": FORMAT,
        "statement": f"Event #{seq} of the Accord audit chain had the hash below.",
        "seq": seq,
        "hash": hash,
        "written_at": now.isoformat(timespec="microseconds"),
        "key_fingerprint": key_fingerprint(key),
    }
    fields["signature"] = _signature(key=key, fields=fields)
    return json.dumps(fields, indent=2) + "\n"


def checkpoint_loads(text: str, *, key: bytes, source: str) -> Checkpoint:
    """Parse and check a checkpoint's text; ``CheckpointInvalid`` names ``source`` and the fault."""

    def invalid(why: str) -> CheckpointInvalid:
        return CheckpointInvalid(
            f"{source} is not a usable audit checkpoint: {why}", data={"field": "checkpoint"}
        )

    try:
        fields = json.loads(text)
    except ValueError:
        raise invalid("it is not JSON") from None
    if not isinstance(fields, dict):
        raise invalid("it is not a JSON object")
    if fields.get("format") != FORMAT:
        raise invalid(f'its "format" is not "{FORMAT}"')
    absent = [name for name in _FIELDS if name not in fields]
    extra = sorted(set(fields) - set(_FIELDS))
    if absent:
        raise invalid(f"it lacks {', '.join(absent)}")
    if extra:
        raise invalid(f"it has unknown fields: {', '.join(extra)}")
    seq, digest, signature = fields["seq"], fields["hash"], fields["signature"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise invalid('"seq" must be a whole number of at least 1')
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise invalid('"hash" must be 64 lower-case hex digits')
    if not isinstance(signature, str) or not _HEX64.fullmatch(signature):
        raise invalid('"signature" must be 64 lower-case hex digits')
    if not all(isinstance(fields[name], str) for name in ("written_at", "key_fingerprint")):
        raise invalid('"written_at" and "key_fingerprint" must be text')
    if fields["key_fingerprint"] != key_fingerprint(key):
        raise invalid(
            f"it was signed under another audit key (fingerprint {fields['key_fingerprint']}; "
            f"this installation's is {key_fingerprint(key)})"
        )
    unsigned = {name: value for name, value in fields.items() if name != "signature"}
    if not hmac.compare_digest(_signature(key=key, fields=unsigned), signature):
        raise invalid("its signature does not match its content (edited, or not made by Accord)")
    return Checkpoint(seq=seq, hash=digest, written_at=fields["written_at"], source=source)


def checkpoint_read(path: Path, *, key: bytes) -> Checkpoint:
    """Read a checkpoint file; every failure is a ``CheckpointInvalid`` naming the file."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError as error:
        raise CheckpointInvalid(
            f"{path}: cannot read the checkpoint file ({error.strerror or error})",
            data={"field": "checkpoint"},
        ) from None
    if len(data) > _MAX_BYTES:
        raise CheckpointInvalid(
            f"{path} is not a usable audit checkpoint: it is larger than any checkpoint",
            data={"field": "checkpoint"},
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointInvalid(
            f"{path} is not a usable audit checkpoint: it is not UTF-8 text",
            data={"field": "checkpoint"},
        ) from None
    return checkpoint_loads(text, key=key, source=str(path))
