"""Things planned to happen are never planned in the past.

A meeting, operation, hearing, training session or interpreter appointment is scheduled
ahead; a time before now is a typing slip (a wrong year, a.m. for p.m.) and is refused with
an error on the field. Recording something that already happened (an arrest, a signed
release, a session held with its attendance) is not scheduling and may be in the past.
Exactly now is not in the past. Services check it with their injected ``now`` (so the API
is covered); forms check it first to answer on the field.
"""

from __future__ import annotations

from datetime import datetime

from accord.errors import ValidationError

__all__ = ["in_past_message", "refuse_past"]


def in_past_message(what: str) -> str:
    """ "A hearing can't be scheduled in the past." """
    return f"{what} can't be scheduled in the past."


def refuse_past(when: datetime, *, now: datetime, field: str, what: str) -> None:
    """Refuse ``when`` before ``now``, naming ``field``; ``what`` starts the sentence."""
    if when < now:
        raise ValidationError(in_past_message(what), data={"field": field})
