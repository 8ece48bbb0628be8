"""Signed checkpoints of the audit chain, kept outside the database (S16).

Everything inside the database can be rewritten by whoever can write to it: a shortened chain
with its head moved back, a database restored from an old backup, an emptied one. A checkpoint
is a small signed statement, "event #N of this chain had hash H", written to a file that is
copied off the machine or mailed to a witness, as Certificate Transparency's signed tree heads
are. ``accord audit verify --checkpoint FILE`` then proves that the history up to #N is still
the one the witness saw: the event must exist with exactly that hash, and the chain must verify
through it.

There is one chain per task force besides chain 0 (``accord.audit.models``): ``seq``/``hash``
name chain 0's end (its ``chain_seq``), and ``chains`` lists every other chain's end as
``[chain, chain_seq, hash]``. Format 1 (chain 0 only, no ``chains``) is still accepted.

The file is human-readable JSON (documented in ``docs/operations.md``)::

    {
      "format": "accord-audit-checkpoint/2",
      "statement": "Event #1234 of the Accord audit chain had the hash below.",
      "seq": 1234,
      "hash": "9f2c...64 hex digits",
      "chains": [[7, 880, "64 hex digits"], [12, 31, "64 hex digits"]],
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

from django.utils.translation import gettext as _

from accord.errors import AccordError

from .chain import key_fingerprint, record_mac

FORMAT = "accord-audit-checkpoint/2"
FORMAT_1 = "accord-audit-checkpoint/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS_1 = ("format", "statement", "seq", "hash", "written_at", "key_fingerprint", "signature")
_FIELDS = (*_FIELDS_1, "chains")
#: Larger than any checkpoint (about 90 bytes a task force); a bigger file is not one.
_MAX_BYTES = 4 * 1024 * 1024


class CheckpointInvalid(AccordError):
    """A checkpoint file cannot be used: unreadable, malformed, or its signature does not hold."""

    default_code = "checkpoint_invalid"


@dataclass(frozen=True)
class Checkpoint:
    """Event ``seq`` of chain 0 had ``hash`` (and each of ``chains``, ``(chain, seq, hash)``,
    likewise) when the checkpoint was written at ``written_at``."""

    seq: int
    hash: str
    written_at: str
    source: str = ""  # where it was read from, for messages
    chains: tuple[tuple[int, int, str], ...] = ()

    @property
    def ends(self) -> tuple[tuple[int, int, str], ...]:
        return ((0, self.seq, self.hash), *self.chains)

    @property
    def label(self) -> str:
        return f"checkpoint {self.source or '(unnamed)'} (#{self.seq}, written {self.written_at})"


def _whole(value: object, *, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _signature(*, key: bytes, fields: dict[str, Any]) -> str:
    return record_mac(key=key, purpose="checkpoint", content=fields)


def checkpoint_dumps(
    *,
    key: bytes,
    seq: int,
    hash: str,
    now: datetime,
    chains: tuple[tuple[int, int, str], ...] = (),
) -> str:
    """The signed checkpoint file's text for event ``seq`` of chain 0 and the other chains' ends."""
    fields: dict[str, Any] = {
        "format": FORMAT,
        "statement": f"Event #{seq} of the Accord audit chain had the hash below.",
        "seq": seq,
        "hash": hash,
        "written_at": now.isoformat(timespec="microseconds"),
        "key_fingerprint": key_fingerprint(key),
        "chains": [[chain, chain_seq, digest] for chain, chain_seq, digest in sorted(chains)],
    }
    fields["signature"] = _signature(key=key, fields=fields)
    return json.dumps(fields, indent=2) + "\n"


def checkpoint_loads(text: str, *, key: bytes, source: str) -> Checkpoint:
    """Parse and check a checkpoint's text; ``CheckpointInvalid`` names ``source`` and the fault."""

    def invalid(why: str) -> CheckpointInvalid:
        return CheckpointInvalid(
            _("%(source)s is not a usable audit checkpoint: %(why)s")
            % {"source": source, "why": why},
            data={"field": "checkpoint"},
        )

    try:
        fields = json.loads(text)
    except ValueError:
        raise invalid("it is not JSON") from None
    if not isinstance(fields, dict):
        raise invalid("it is not a JSON object")
    if fields.get("format") not in (FORMAT, FORMAT_1):
        raise invalid(f'its "format" is not "{FORMAT}"')
    names = _FIELDS if fields["format"] == FORMAT else _FIELDS_1
    absent = [name for name in names if name not in fields]
    extra = sorted(set(fields) - set(names))
    if absent:
        raise invalid(f"it lacks {', '.join(absent)}")
    if extra:
        raise invalid(f"it has unknown fields: {', '.join(extra)}")
    seq, digest, signature = fields["seq"], fields["hash"], fields["signature"]
    if not _whole(seq, least=1):
        raise invalid('"seq" must be a whole number of at least 1')
    chains = fields.get("chains", [])
    if not isinstance(chains, list) or not all(
        isinstance(end, list)
        and len(end) == 3
        and _whole(end[0], least=1)
        and _whole(end[1], least=1)
        and isinstance(end[2], str)
        and _HEX64.fullmatch(end[2])
        for end in chains
    ):
        raise invalid('"chains" must list [task force, event number, 64 hex digits] entries')
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
    return Checkpoint(
        seq=seq,
        hash=digest,
        written_at=fields["written_at"],
        source=source,
        chains=tuple((end[0], end[1], end[2]) for end in chains),
    )


def checkpoint_read(path: Path, *, key: bytes) -> Checkpoint:
    """Read a checkpoint file; every failure is a ``CheckpointInvalid`` naming the file."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError as error:
        raise CheckpointInvalid(
            _("%(path)s: cannot read the checkpoint file (%(value)s)")
            % {"path": path, "value": error.strerror or error},
            data={"field": "checkpoint"},
        ) from None
    if len(data) > _MAX_BYTES:
        raise CheckpointInvalid(
            _("%(path)s is not a usable audit checkpoint: it is larger than any checkpoint")
            % {"path": path},
            data={"field": "checkpoint"},
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointInvalid(
            _("%(path)s is not a usable audit checkpoint: it is not UTF-8 text") % {"path": path},
            data={"field": "checkpoint"},
        ) from None
    return checkpoint_loads(text, key=key, source=str(path))
