"""The case team page and the prosecution hand-off (issue 11): thin views over
``services.participants`` and the read door; every view declares its access (S8)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.accounts.access import member, member_user
from accord.accounts.models import Agency, Role
from accord.core.model import Sector
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.sharing import door

from . import forms, services
from .models import CaseStage, TaskStatus

CASE_ROLES = tuple(sorted(door.CASE_ROLES))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _form_error(form: Any, error: ValidationError | ConflictError) -> None:
    """The error next to the field it names (else above the form); what was typed is kept."""
    field = error.data.get("field") if isinstance(error, ValidationError) else None
    if isinstance(field, str) and field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


# --- the case team and the prosecution hand-off (issue 11) ------------------------------------

TEAM_ACTIONS = ("add", "remove", "hand_off", "reassign")
OPEN_TASK_LABELS = frozenset({TaskStatus.OPEN.label, TaskStatus.TAKEN.label})


def _agency_label(agency: Agency) -> str:
    return f"{agency.name} ({agency.get_sector_display().lower()})"


def team_notes(view: door.CaseView) -> dict[str, Any]:
    """What the case team section says in words: mandatory reporting for a minor, and the
    VAWA rule on a case a victim service provider opened (with question 1 as guidance)."""
    facts = view.case.values.get("facts") or {}
    ages = [v.values.get("age") for v in view.victims] + [facts.get("victim_age")]
    minor = any(isinstance(age, int) and not isinstance(age, bool) and age < 18 for age in ages)
    sectors = {p["sector_code"] for p in view.participants}
    producer = view.access.agency_sectors.get(view.case.refs.get("produced_by_id") or 0, "")
    guidance: list[str] = []
    if producer == Sector.VICTIM_SERVICES and view.plan is not None:
        for answer in view.plan.values.get("answers", []):
            if answer.get("decision") == "law_enforcement_contact" and answer.get("answered"):
                guidance = [c.get("name", "") for c in answer.get("contacts", []) if c.get("name")]
    lead_id = view.case.refs.get("lead_agency_id", 0)
    return {
        "minor": minor,
        "child_protection_on_case": Sector.CHILD_PROTECTION in sectors,
        "opened_by_provider": producer == Sector.VICTIM_SERVICES,
        "le_guidance": guidance,
        "may_manage": services.may_manage_team(view.access, lead_agency_id=lead_id),
        "may_prosecute": services.may_start_prosecution(view.access, lead_agency_id=lead_id)
        and view.case.values.get("stage")
        in (CaseStage.REFERRAL.label, CaseStage.INVESTIGATION.label),
    }


def _team_forms(
    view: door.CaseView, members: list[Agency], data: Any = None, action: str = ""
) -> dict[str, Any]:
    """The three team forms, bound only for the action posted (what was typed is kept)."""
    lead_id = view.case.refs.get("lead_agency_id", 0)
    on_case = {p["agency_id"]: p["agency"] for p in view.participants}
    add = forms.ParticipantAddForm(data if action == "add" else None)
    forms.choice_field(add, "agency").choices = [("", "Choose an agency")] + [
        (a.pk, _agency_label(a)) for a in members if a.pk not in on_case
    ]
    remove = forms.ParticipantRemoveForm(data if action == "remove" else None)
    forms.choice_field(remove, "agency").choices = [("", "Choose an agency")] + [
        (pk, name) for pk, name in on_case.items() if pk != lead_id
    ]
    forms.choice_field(remove, "reassign_to").choices = [
        ("", "No open tasks to give away"),
        *on_case.items(),
    ]
    hand_off = forms.HandOffForm(
        data if action == "hand_off" else None,
        initial={"expected_version": view.case.refs.get("lock_version")},
    )
    forms.choice_field(hand_off, "agency").choices = [("", "Choose an agency")] + [
        (a.pk, _agency_label(a)) for a in members if a.pk != lead_id
    ]
    return {"add": add, "remove": remove, "hand_off": hand_off}


def _team_post(
    request: HttpRequest, view: door.CaseView, forms_: dict[str, Any], action: str
) -> tuple[bool, int, dict[int, str]]:
    """Run the posted action; (done, status, errors of task rows)."""
    user = member_user(request)
    if action == "reassign":
        task_id = _int(request.POST.get("task")) or 0
        try:
            services.task_reassign(
                actor=user,
                task=task_id,
                agency=_int(request.POST.get("agency")),
                expected_version=_int(request.POST.get("lock_version")),
            )
        except (ValidationError, ConflictError) as error:
            return False, 409 if isinstance(error, ConflictError) else 200, {task_id: error.message}
        messages.success(request, _("Task given to another agency on the case."))
        return True, 302, {}
    form = forms_[action]
    if not form.is_valid():
        return False, 200, {}
    data = form.cleaned_data
    try:
        if action == "add":
            services.participant_add(
                actor=user,
                case=view.case.id,
                agency=data["agency"],
                part=data["part"],
                reason=data["reason"],
            )
            messages.success(request, _("The agency joined the case."))
        elif action == "remove":
            services.participant_remove(
                actor=user,
                case=view.case.id,
                agency=data["agency"],
                reason=data["reason"],
                reassign_to=data["reassign_to"],
            )
            messages.success(request, _("The agency left the case."))
        else:
            services.lead_hand_off(
                actor=user,
                case=view.case.id,
                agency=data["agency"],
                reason=data["reason"],
                expected_version=data["expected_version"],
            )
            messages.success(request, _("The lead was handed off."))
    except (ValidationError, ConflictError) as error:
        _form_error(form, error)
        return False, 409 if isinstance(error, ConflictError) else 200, {}
    return True, 302, {}


@member(*CASE_ROLES)
@require_http_methods(["GET", "POST"])
def case_team(request: HttpRequest, case_id: int) -> HttpResponse:
    """Who is on the case, how and when each joined; the lead's users and coordinators add,
    remove, hand off the lead and give tasks to another participant here."""
    view = door.case_detail(viewer=member_user(request), case_id=case_id, purpose="case team")
    notes = team_notes(view)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        if not notes["may_manage"]:
            raise PermissionDenied(
                _("Only the lead agency and the coordinators change the case team.")
            )
        if action not in TEAM_ACTIONS:
            raise NotFound(_("No such action."))
    members = list(
        Agency.objects.filter(
            task_force_id=view.case.refs.get("task_force_id") or member_user(request).task_force_id,
            is_active=True,
        )
    )
    forms_ = _team_forms(view, members, request.POST if action else None, action)
    status, task_errors = 200, dict[int, str]()
    if action:
        done, status, task_errors = _team_post(request, view, forms_, action)
        if done:
            return redirect("cases:team", case_id=case_id)
    on_case = [(p["agency_id"], p["agency"]) for p in view.participants]
    open_tasks = [
        {"task": t, "error": task_errors.get(t.id, "")}
        for t in view.tasks
        if t.values.get("status") in OPEN_TASK_LABELS
    ]
    return render(
        request,
        "cases/case_team.html",
        {
            "view": view,
            "case": view.case,
            "team": notes,
            "forms": forms_,
            "open_tasks": open_tasks,
            "on_case": on_case,
        },
        status=status,
    )


@member(Role.INVESTIGATOR, Role.PROSECUTOR, Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def case_prosecution(request: HttpRequest, case_id: int) -> HttpResponse:
    """Move to prosecution: the protocol proposes the office; another needs a reason."""
    view = door.case_detail(
        viewer=member_user(request), case_id=case_id, purpose="prosecution form"
    )
    notes = team_notes(view)
    if not notes["may_prosecute"]:
        raise PermissionDenied(
            _(
                "Only the lead agency's investigators or prosecutors and the coordinators move a "
                "case to prosecution, and only from referral or investigation."
            )
        )
    case_model, _access = door.case_access(viewer=member_user(request), case_id=case_id)
    proposal = services.prosecuting_office_proposal(case_model)
    offices = Agency.objects.filter(
        task_force_id=case_model.task_force_id, sector=Sector.PROSECUTION, is_active=True
    )
    form = forms.ProsecutionForm(
        request.POST or None,
        initial={
            "office": proposal.agency.pk if proposal.agency else "",
            "expected_version": view.case.refs.get("lock_version"),
        },
    )
    forms.choice_field(form, "office").choices = [("", "Choose an office")] + [
        (a.pk, a.name + (" (proposed by the protocol)" if a == proposal.agency else ""))
        for a in offices
    ]
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.case_prosecution_start(
                actor=member_user(request),
                case=case_id,
                office=form.cleaned_data["office"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except (ValidationError, ConflictError) as error:
            _form_error(form, error)
            status = 409 if isinstance(error, ConflictError) else 200
        else:
            messages.success(request, _("The case moved to prosecution; the office was told."))
            return redirect("cases:detail", case_id=case_id)
    return render(
        request,
        "cases/stage_prosecution.html",
        {"form": form, "case": view.case, "proposal": proposal},
        status=status,
    )
