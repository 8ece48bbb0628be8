"""Potential victims: recording them (at intake or later), changing and removing their records.

Each victim's own facts (age or age range, gender, citizenship, languages, arrested or
charged) answer the questions about her; adding, changing or removing a victim regenerates the
plan, shows what changed, and makes (or cancels) the duties that follow, such as child
protection and the HHS notification for a foreign-national minor added later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, Role, User
from accord.audit.events import AuditEventType
from accord.core.model import UNKNOWN, Protocol, Sector
from accord.core.victims import victim_fact_problems
from accord.errors import NotFound, PermissionDenied, ValidationError

from ..evaluation import LOCAL_LANGUAGES, interpreter_needed, victim_facts, victim_languages
from ..models import Case, PotentialVictim, ResponsePlan, Task
from ._common import (
    audit,
    bump,
    check_version,
    event_add,
    locked,
    now_or,
    require_case,
    require_member,
    require_role,
)

#: How long after a victim is recorded her first interview is pencilled in for the interpreter.
INTERVIEW_WITHIN = timedelta(hours=24)
#: The proceeding an interpreter is first requested for.
FIRST_PROCEEDING = "victim_interview"


@dataclass(frozen=True)
class VictimInput:
    """One potential victim as intake (or a later form) records her."""

    pseudonym: str = ""
    legal_name: str = ""
    date_of_birth: str = ""
    contact: str = ""
    current_location: str = ""
    needs: str = ""
    age: int | None = None
    age_low: int | None = None
    age_high: int | None = None
    gender: str = ""
    citizenship: str = ""
    language: str = ""
    interpreter_needed: bool | None = None
    arrested: bool | None = None
    charged: bool | None = None


#: The fields of a victim's record a form may set (``VictimInput`` and the edit form alike).
VICTIM_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(VictimInput))
VSP_FIELDS = frozenset({"legal_name", "date_of_birth", "contact", "current_location", "needs"})
#: What a victim's record says about her -> the form field it comes from.
ATTRIBUTE_FIELDS: Mapping[str, str] = {
    "age": "age",
    "gender": "gender",
    "citizenship": "citizenship",
    "charged": "charged",
    "arrested": "arrested",
    "interpreter_needed": "interpreter_needed",
}


def victims_check(
    protocol: Protocol, victims: Sequence[VictimInput], *, prefix: str = "victims"
) -> None:
    """Refuse (naming the field: ``victims-2-age``) a victim fact outside the protocol's
    domain, or an inverted age range; nothing is stored when one victim is wrong."""
    errors: dict[str, str] = {}
    for index, data in enumerate(victims):
        name = f"{prefix}-{index}-" if prefix else ""
        if data.age is not None and (data.age_low is not None or data.age_high is not None):
            errors[f"{name}age"] = "Give an exact age or a range, not both."
        attributes = _attributes(data)
        for attribute, problem in victim_fact_problems(protocol, attributes).items():
            field = ATTRIBUTE_FIELDS.get(attribute, attribute)
            if attribute == "age" and data.age is None:
                field = "age_low"
            errors[f"{name}{field}"] = problem
    if errors:
        first = next(iter(errors))
        raise ValidationError(
            _("Some potential victims' facts are outside what the protocol allows: ")
            + "; ".join(f"{k}: {v}" for k, v in errors.items()),
            data={"field": first, "errors": errors},
        )


def _attributes(data: VictimInput) -> dict[str, Any]:
    age: Any = data.age
    if age is None and (data.age_low is not None or data.age_high is not None):
        age = (data.age_low, data.age_high)
    return {
        "age": age,
        "gender": data.gender or None,
        "citizenship": data.citizenship or None,
        "charged": data.charged,
        "arrested": data.arrested,
        "interpreter_needed": data.interpreter_needed,
    }


def victim_build(
    *, case: Case, data: VictimInput, index: int, agency: Agency, now: datetime
) -> PotentialVictim:
    """A victim's record (not saved): her own facts only, never another victim's."""
    return PotentialVictim(
        case=case,
        produced_by=agency,
        created_at=now,
        pseudonym=(data.pseudonym or f"Victim {index}").strip()[:60],
        legal_name=data.legal_name,
        date_of_birth=data.date_of_birth,
        contact=data.contact,
        current_location=data.current_location,
        needs=data.needs,
        age=data.age,
        age_low=data.age_low,
        age_high=data.age_high,
        gender=data.gender,
        citizenship=data.citizenship,
        language=data.language,
        interpreter_needed=data.interpreter_needed,
        arrested=data.arrested,
        charged=data.charged,
        serving_provider=agency if agency.sector == Sector.VICTIM_SERVICES else None,
    )


def victims_from_case_facts(
    protocol: Protocol, facts: Mapping[str, Any], victims: Sequence[VictimInput]
) -> list[VictimInput]:
    """Intake facts about a victim (the older one-victim form, the API) describe the FIRST
    victim: facts her record leaves empty come from them. Never the others: one 17-year-old
    must not make every victim a minor."""
    if not victims:
        return []
    data = victims[0]
    values = {}
    for factor_id, attribute in protocol.victim_factors().items():
        field = ATTRIBUTE_FIELDS.get(attribute)
        fact = facts.get(factor_id)
        if field is None or fact in (None, UNKNOWN) or getattr(data, field) not in (None, ""):
            continue
        if attribute == "age" and (data.age_low is not None or data.age_high is not None):
            continue
        values[field] = fact
    if not values:
        return list(victims)
    first = VictimInput(**{**{f: getattr(data, f) for f in VICTIM_FIELDS}, **values})
    return [first, *victims[1:]]


def interpreter_requests_for(
    *, actor: User, case: Case, victims: Sequence[PotentialVictim], now: datetime
) -> list[Any]:
    """An interpreter request for each language a victim needs and the case has none for yet,
    for her first interview, paid as the protocol's interpreter question says."""
    from accord.cases.services import interpreter_request_create

    if not actor.has_role(
        Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE, Role.INTERPRETER_COORDINATOR
    ):
        return []  # a coordinator's intake: the plan's interpreter task asks the case agent
    requested = {
        language.lower() for language in case.interpreterrequests.values_list("language", flat=True)
    }
    made = []
    for victim in victims:
        if not interpreter_needed(victim):
            continue
        for language in victim_languages(victim):
            if language.lower() in requested or language.lower() in LOCAL_LANGUAGES:
                continue
            requested.add(language.lower())
            made.append(
                interpreter_request_create(
                    actor=actor,
                    case=case,
                    proceeding=FIRST_PROCEEDING,
                    language=language,
                    scheduled_for=victim.created_at + INTERVIEW_WITHIN,
                    victim_id=victim.pk,
                    now=now,
                )
            )
    return made


def _after_victims_changed(
    *, actor: User, case: Case, now: datetime, added: Sequence[PotentialVictim] = ()
) -> ResponsePlan:
    """Regenerate the plan from every victim's facts; duties follow (new ones made, ones that
    no longer apply cancelled) and the plan's changes list the new duties by name."""
    from .cases import _plan_store, _tasks_follow

    case = Case.objects.select_related("protocol_version", "lead_agency").get(pk=case.pk)
    before = set(Task.objects.filter(case=case).values_list("pk", flat=True))
    plan, evaluation = _plan_store(actor=actor, case=case, agency=require_member(actor), now=now)
    _tasks_follow(actor=actor, case=case, evaluation=evaluation, now=now)
    interpreter_requests_for(actor=actor, case=case, victims=added, now=now)
    new_tasks = Task.objects.filter(case=case).exclude(pk__in=before).order_by("due_at", "pk")
    duties = [
        {"decision": "", "question": "New duty", "before": "", "after": task.title, "kind": "duty"}
        for task in new_tasks
    ]
    if duties:
        plan.changes = [*plan.changes, *duties]
        plan.save(update_fields=["changes"])
    return plan


def _next_victim_index(case: Case) -> int:
    """The number of the next "Victim N" of a case, under the case row's lock.

    Two people adding a victim at the same moment wait for each other (the lock) and a
    removed victim's number is not handed out again to the next one (no two "Victim 2").
    """
    locked(Case, case.pk)
    names = set(case.potentialvictims.values_list("pseudonym", flat=True))
    index = len(names) + 1
    while f"Victim {index}" in names:
        index += 1
    return index


def victim_add(
    *, actor: User, case: Case | int, data: VictimInput, now: datetime | None = None
) -> PotentialVictim:
    """Record a potential victim on an open case; her plan and duties follow at once."""
    now = now_or(now)
    case, access = require_case(actor, case)
    require_role(
        actor, access, roles=(Role.INVESTIGATOR, Role.ADVOCATE), action="add a potential victim"
    )
    victims_check(case.protocol_version.protocol, [data], prefix="")
    with transaction.atomic():
        victim = victim_build(
            case=case,
            data=data,
            index=_next_victim_index(case),
            agency=require_member(actor),
            now=now,
        )
        victim.save()
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="victim_added",
            summary=f"Potential victim {victim.pseudonym} recorded",
            victim=victim,
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.VICTIM_ADDED,
            record=victim,
            fields=[
                f
                for f in ("legal_name", "date_of_birth", "contact", "current_location", "needs")
                if getattr(victim, f)
            ],
        )
        _after_victims_changed(actor=actor, case=case, now=now, added=[victim])
    return victim


def victim_update(
    *,
    actor: User,
    victim_id: int,
    changes: Mapping[str, Any],
    expected_version: int | None,
    now: datetime | None = None,
) -> PotentialVictim:
    """Change a victim's record: the serving provider's advocates the victim-service fields, the
    producing agency the whole record, each only fields they are shown (``permissions``). When
    the serving provider changes confidential fields, the record's provenance becomes the
    provider (the provider now holds the information, VAWA confidentiality applies). A change
    of her facts regenerates the plan and its duties."""
    from accord.sharing.door import release

    from .permissions import victim_fields_editable

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
        roles=(Role.INVESTIGATOR, Role.ADVOCATE),
        action="change a potential victim's record",
    )
    unknown = set(changes) - set(VICTIM_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(value)s.") % {"value": ", ".join(sorted(unknown))},
            data={"field": sorted(unknown)[0]},
        )
    editable = victim_fields_editable(
        access,
        produced_by_id=victim.produced_by_id,
        serving_provider_id=victim.serving_provider_id,
        visible=release(access, victim).values,
    )
    refused = sorted(set(changes) - set(editable))
    if refused:
        raise PermissionDenied(
            _("You may not change these fields of this record: ")
            + ", ".join(name.replace("_", " ") for name in refused)
            + _(
                ". The serving provider's advocates keep the victim-service fields; the agency "
                "that recorded the victim keeps the rest."
            ),
            data={"field": refused[0], "fields": refused},
        )
    merged = VictimInput(**{f: changes.get(f, getattr(victim, f)) for f in VICTIM_FIELDS})
    victims_check(case.protocol_version.protocol, [merged], prefix="")
    touching_vsp = VSP_FIELDS & set(changes)
    with transaction.atomic():
        victim = locked(PotentialVictim, victim.pk)
        check_version(victim, expected_version)
        changed = [k for k, v in changes.items() if getattr(victim, k) != v]
        if not changed:
            return victim
        before = victim_facts(victim).attributes
        for key in changed:
            setattr(victim, key, changes[key])
        fields_changed = list(changed)
        if touching_vsp and victim.serving_provider_id == actor.agency_id:
            victim.produced_by_id = require_member(actor).pk
            fields_changed.append("produced_by")
        bump(victim, fields_changed)
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="victim_updated",
            summary=f"Record of {victim.pseudonym} updated",
            victim=victim,
            now=now,
        )
        audit(actor=actor, event=AuditEventType.VICTIM_UPDATED, record=victim, fields=changed)
        if victim_facts(victim).attributes != before:
            _after_victims_changed(actor=actor, case=case, now=now, added=[victim])
    return victim


def victim_remove(
    *,
    actor: User,
    victim_id: int,
    reason: str,
    expected_version: int | None,
    now: datetime | None = None,
) -> None:
    """Remove a potential victim recorded by mistake (the agency that recorded her, or a
    coordinator), with a reason; refused once records hang off her (a referral, a placement,
    a release...). Her open duties are cancelled and the plan regenerated."""
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
        roles=(Role.INVESTIGATOR, Role.ADVOCATE, Role.COORDINATOR),
        participant=not actor.has_role(Role.COORDINATOR),
        action="remove a potential victim",
    )
    if victim.produced_by_id != actor.agency_id and not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(
            _("Only the agency that recorded this person (or a coordinator) may remove her."),
            data={"action": "remove a potential victim"},
        )
    if not reason.strip():
        raise ValidationError(_("Say why the record is removed."), data={"field": "reason"})
    with transaction.atomic():
        victim = locked(PotentialVictim, victim.pk)
        check_version(victim, expected_version)
        from ..models import (
            ChargingRecord,
            ImmigrationRelief,
            InterpreterRequest,
            InterpreterStatus,
            SafetyAssessment,
        )

        interpreting = InterpreterRequest.objects.filter(victim=victim)
        linked = [
            name
            for name, query in (
                ("referrals", victim.referrals.all()),
                ("placements", victim.placements.all()),
                ("releases", victim.releases.all()),
                ("charging records", ChargingRecord.objects.filter(victim=victim)),
                ("safety assessments", SafetyAssessment.objects.filter(victim=victim)),
                (
                    "immigration-relief records"
                    if actor.immigration_relief_authorized
                    else "other records",  # S11: never betray that a relief record exists
                    ImmigrationRelief.objects.filter(victim=victim),
                ),
                (
                    "booked interpreters",
                    interpreting.exclude(status=InterpreterStatus.REQUESTED),
                ),
            )
            if query.exists()
        ]
        if linked:
            raise ValidationError(
                _(
                    "%(pseudonym)s has %(value)s on record: the record stays. Correct her "
                    "facts instead."
                )
                % {"pseudonym": victim.pseudonym, "value": ", ".join(linked)},
                data={"field": "victim", "linked": linked},
            )
        pseudonym, pk = victim.pseudonym, victim.pk
        interpreting.update(victim=None, status=InterpreterStatus.CANCELLED)
        Task.objects.filter(case=case, anchor_ref__startswith=f"victim:{pk}").filter(
            status__in=["open", "taken"]
        ).update(status="cancelled")
        victim.delete()
        event_add(
            case=case,
            actor=actor,
            agency=require_member(actor),
            kind="victim_removed",
            summary=f"Record of {pseudonym} removed: {reason.strip()[:200]}",
            now=now,
        )
        audit(
            actor=actor,
            event=AuditEventType.VICTIM_REMOVED,
            record=case,
            fields=["potentialvictim"],
            detail={"victim_id": pk},
        )
        _after_victims_changed(actor=actor, case=case, now=now)
