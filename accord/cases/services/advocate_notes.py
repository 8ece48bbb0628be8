"""Privileged advocate notes: a provider's counseling and case-management notes about a victim.

Class ``vsp-privileged`` (``accord.sharing.policy``): only the advocates of the provider that
wrote a note ever read it. Only the victim's serving provider's advocates write them, so the
notes live where the counseling happens; nothing else (a release, a sharing rule, a
coordinator's standing) moves them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import Role, User
from accord.audit.events import AuditEventType
from accord.core.model import FieldClass, Sector
from accord.errors import NotFound, PermissionDenied, ValidationError

from ..models import AdvocateNote, PotentialVictim
from ._common import audit, event_add, now_or, require_case, require_member, require_role

#: The longest note accepted (a note is a session's record, not a file).
MAX_NOTE_LENGTH = 20_000


def advocate_note_add(
    *, actor: User, victim_id: int, text: str, now: datetime | None = None
) -> AdvocateNote:
    """An advocate of the victim's serving provider records a counseling or case-management
    note; it is the provider's privileged record and never leaves it."""
    now = now_or(now)
    victim = PotentialVictim.objects.filter(
        pk=victim_id, case__task_force_id=actor.task_force_id
    ).first()
    if victim is None:
        raise NotFound(_("No such potential victim."))
    case, access = require_case(actor, victim.case_id)
    require_role(
        actor,
        access,
        roles=(Role.ADVOCATE,),
        sectors={Sector.VICTIM_SERVICES},
        action="write a privileged advocate note",
    )
    serving = victim.serving_provider_id or (actor.agency_id if access.serving_provider else None)
    if serving != actor.agency_id:
        raise PermissionDenied(
            _(
                "Only the advocates of this person's serving provider write privileged notes "
                "about them."
            ),
            data={"action": "write a privileged advocate note"},
        )
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the note."), data={"field": "text"})
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(
            _("A note holds at most %(max_note_length)s characters.")
            % {"max_note_length": format(MAX_NOTE_LENGTH, ",")},
            data={"field": "text"},
        )
    with transaction.atomic():
        note = AdvocateNote.objects.create(
            case=case,
            produced_by=require_member(actor),
            created_at=now,
            victim=victim,
            author=actor,
            text=text,
        )
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="advocate_note_added",
            summary=f"Privileged advocate note about {victim.pseudonym} recorded",
            field_class=FieldClass.PRIVILEGED,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.ADVOCATE_NOTE_ADDED,
            record=note,
            fields=["text"],
        )
    return note
