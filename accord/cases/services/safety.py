"""Safety assessments: the task force's own screen, recorded by the serving provider."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import Role, User
from accord.audit.events import AuditEventType
from accord.core.model import FieldClass, Sector
from accord.errors import PermissionDenied, ValidationError

from ..models import SafetyAssessment, SafetyInstrument, Task
from ._common import audit, event_add, now_or, require_member, require_role
from ._per_victim import victim_for as _victim_for


class InstrumentSettings(TypedDict):
    """An instrument as ``safety_instrument_save`` takes it (keyword arguments)."""

    name: str
    threshold: int
    questions: list[dict[str, Any]]


EXAMPLE_INSTRUMENT: InstrumentSettings = {
    "name": "Example County safety screen (example only)",
    "threshold": 8,
    "questions": [
        {
            "id": "threats",
            "text": "Has the person who exploited you threatened to hurt or kill you or your family?",
            "weight": 3,
        },
        {"id": "weapon", "text": "Does that person have access to a weapon?", "weight": 3},
        {
            "id": "knows_where",
            "text": "Does that person know where you are staying now?",
            "weight": 2,
        },
        {
            "id": "documents",
            "text": "Does that person hold your identity or travel documents?",
            "weight": 1,
        },
        {"id": "debt", "text": "Does that person claim you owe them money?", "weight": 1},
        {
            "id": "escalation",
            "text": "Has the violence or control become worse recently?",
            "weight": 2,
        },
        {
            "id": "children",
            "text": "Has that person threatened to take or harm children?",
            "weight": 2,
        },
    ],
}


def safety_instrument_save(
    *,
    actor: User,
    name: str,
    questions: Sequence[Mapping[str, Any]],
    threshold: int,
    now: datetime | None = None,
) -> SafetyInstrument:
    now = now_or(now)
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only a coordinator configures the safety instrument."))
    ids = [q.get("id") for q in questions]
    if not questions or any(
        not q.get("id") or not q.get("text") or int(q.get("weight", -1)) < 0 for q in questions
    ):
        raise ValidationError(
            _("Each question needs an id, a text and a weight of 0 or more."),
            data={"field": "questions"},
        )
    if len(set(ids)) != len(ids):
        raise ValidationError(_("Question ids must be unique."), data={"field": "questions"})
    with transaction.atomic():
        instrument = SafetyInstrument.objects.create(
            task_force_id=require_member(actor).task_force_id,
            name=name,
            questions=[dict(q) for q in questions],
            threshold=threshold,
            created_at=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=instrument,
            fields=["questions", "threshold"],
        )
    return instrument


def safety_assessment_record(
    *,
    actor: User,
    victim_id: int,
    instrument_id: int,
    answers: Mapping[str, bool],
    now: datetime | None = None,
) -> SafetyAssessment:
    """An advocate of the serving provider records the screen; the danger-assessment task is done."""
    from .task import task_complete_for

    now = now_or(now)
    victim, case, access = _victim_for(actor, victim_id)
    require_role(
        actor,
        access,
        roles=(Role.ADVOCATE,),
        sectors={Sector.VICTIM_SERVICES},
        action="record a safety assessment",
    )
    if victim.serving_provider_id not in (None, actor.agency_id):
        raise PermissionDenied(
            _("Only the serving provider's advocates assess this person's safety.")
        )
    instrument = SafetyInstrument.objects.filter(
        pk=instrument_id, task_force_id=case.task_force_id, is_active=True
    ).first()
    if instrument is None:
        raise ValidationError(
            _("Choose the task force's safety instrument."), data={"field": "instrument"}
        )
    known = {q["id"]: int(q["weight"]) for q in instrument.questions}
    unknown = set(answers) - set(known)
    if unknown:
        raise ValidationError(
            _("Unknown questions: %(value)s.") % {"value": ", ".join(sorted(unknown))},
            data={"field": sorted(unknown)[0]},
        )
    score = sum(weight for qid, weight in known.items() if answers.get(qid))
    with transaction.atomic():
        assessment = SafetyAssessment.objects.create(
            case=case,
            produced_by=require_member(actor),
            created_at=now,
            victim=victim,
            instrument=instrument,
            answers={k: bool(v) for k, v in answers.items()},
            score=score,
            above_threshold=score >= instrument.threshold,
            assessed_by=actor,
            assessed_at=now,
        )
        for task in Task.objects.filter(case=case, deadline_id="danger-assessment"):
            task_complete_for(task=task, actor=actor, now=now)
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="safety_assessed",
            summary=f"Safety assessment of {victim.pseudonym} recorded",
            field_class=FieldClass.VSP_CONFIDENTIAL,
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.RECORD_CREATED,
            record=assessment,
            fields=["answers", "score"],
        )
    return assessment
