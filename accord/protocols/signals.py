"""What the protocol app tells the rest: other apps connect to these in their ``ready``, so the
protocol app imports none of them (the case app tells the signatories; docs/architecture.md)."""

from __future__ import annotations

from django.dispatch import Signal

#: A draft was circulated for sign-off, inside the circulation's transaction (a receiver's
#: error rolls the circulation back). Arguments: ``version`` (the circulated
#: ``ProtocolVersion``), ``actor`` (the user who circulated it).
version_circulated = Signal()
