"""Thin views: parse, call one service or one selector, render. Every view declares its access (S8).

The case itself (open, page, facts, timeline) is here; the rest is split by concept into
``views_referrals``, ``views_tasks``, ``views_records``, ``views_edit``,
``views_notifications`` and ``views_relief`` (re-exported below, so ``urls.py`` and
``from accord.cases.views import ...`` keep working).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accord.accounts.access import member, member_agency, member_user
from accord.accounts.models import Role
from accord.core.model import Sector
from accord.errors import ConflictError, ValidationError
from accord.protocols.selectors import protocol_in_force
from accord.protocols.words import ProtocolWords
from accord.sharing import door

from . import forms, selectors, services
from .services.immigration_relief import relief_offers
from .views_base import CASE_ROLES, INTAKE_ROLES, _form_error
from .views_edit import case_stage, operation_edit, victim_edit
from .views_notifications import notifications
from .views_records import (
    RECORD_KINDS,
    _noted_victims,
    _victim_input,
    interpreter_attest,
    interpreter_board,
    interpreter_book,
    operation_act,
    placement_end,
    record_new,
    relief_update,
)
from .views_referrals import referral_act, referral_inbox, referral_new
from .views_relief import relief_access
from .views_tasks import agency_tasks, my_tasks, task_act, unanswered_questions

__all__ = [
    "RECORD_KINDS",
    "agency_tasks",
    "case_detail",
    "case_facts",
    "case_open",
    "case_stage",
    "case_timeline",
    "interpreter_attest",
    "interpreter_board",
    "interpreter_book",
    "my_tasks",
    "notifications",
    "operation_act",
    "operation_edit",
    "placement_end",
    "record_new",
    "referral_act",
    "referral_inbox",
    "referral_new",
    "relief_access",
    "relief_update",
    "task_act",
    "unanswered_questions",
    "victim_edit",
]
from django.utils.translation import gettext

from .views_team import team_notes


@member(*INTAKE_ROLES)
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    version = protocol_in_force(task_force=member_agency(request).task_force)
    if version is None:
        return render(
            request,
            "web/error.html",
            {
                "title": "No protocol in force",
                "message": "A case can be opened once the task force's protocol is in force.",
            },
            status=409,
        )
    protocol = version.protocol
    if request.method == "POST":
        form = forms.IntakeForm(request.POST, protocol=protocol)
        victims = forms.VictimIntakeFormSet(
            request.POST, prefix="victims", form_kwargs={"protocol": protocol}
        )
        if "add_victim" in request.POST:  # one more victim row; nothing is stored yet
            victims = _victims_with_one_more(request, protocol)
        elif form.is_valid() and victims.is_valid():
            case = _intake(request, form, victims, protocol)
            if case is not None:
                messages.success(
                    request,
                    gettext("Case %(number)s opened; the response plan is below.")
                    % {"number": case.number},
                )
                return redirect("cases:detail", case_id=case.pk)
    else:
        form = forms.IntakeForm(
            protocol=protocol, initial={"intake_token": secrets.token_urlsafe(24)}
        )
        victims = forms.VictimIntakeFormSet(
            prefix="victims", initial=[{}], form_kwargs={"protocol": protocol}
        )
    return render(
        request,
        "cases/open.html",
        {
            "form": form,
            "place_field": form[form.place_name],
            "fact_fields": [form[name] for name in form.fact_names()],
            "version": version,
            "victims": victims,
        },
    )


def _victims_with_one_more(request: HttpRequest, protocol: Any) -> Any:
    data = request.POST.copy()
    total = int(data.get("victims-TOTAL_FORMS", "0") or 0)
    data["victims-TOTAL_FORMS"] = str(min(total + 1, 50))
    return forms.VictimIntakeFormSet(data, prefix="victims", form_kwargs={"protocol": protocol})


def _intake(request: HttpRequest, form: Any, victims: Any, protocol: Any) -> Any:
    """Open the case from valid forms; service refusals land on the field they name."""
    data = form.cleaned_data
    people = [f for f in victims.forms if f.cleaned_data and f.has_person()]
    suspects = [services.SuspectInput(name=data["suspect_name"])] if data["suspect_name"] else []
    try:
        return services.case_open(
            actor=member_user(request),
            title=data["title"],
            incident_kind=data["incident_kind"],
            facts=forms.facts_from(data, protocol),
            intake_token=data["intake_token"],
            victims=[_victim_input(f.cleaned_data) for f in people],
            suspects=suspects,
            jurisdiction=data.get("jurisdiction", ""),
            incident_summary=data["incident_summary"],
        )
    except (ValidationError, ConflictError) as error:
        errors = error.data.get("errors") if isinstance(error, ValidationError) else None
        if isinstance(errors, dict) and errors:
            for key, message in errors.items():
                _, index, name = [*key.split("-", 2), "", ""][:3]
                target = (
                    people[int(index)] if index.isdigit() and int(index) < len(people) else None
                )
                if target is not None and name in target.fields:
                    target.add_error(name, message)
                else:
                    form.add_error(None, message)
        else:
            _form_error(form, error)
    return None


@member(*CASE_ROLES)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    view = door.case_detail(viewer=member_user(request), case_id=case_id)
    user = member_user(request)
    became = selectors.answer_tasks(view, view.protocol)
    answers = [
        {
            **answer,
            "tasks": became.get(f"{answer['decision']}:{answer.get('victim_id') or ''}", []),
        }
        for answer in (view.plan.values.get("answers", []) if view.plan else [])
    ]
    people = list(dict.fromkeys(a.get("victim_id") for a in answers if a.get("victim_id")))
    answers.sort(key=lambda a: people.index(a["victim_id"]) + 1 if a.get("victim_id") else 0)
    words = ProtocolWords.for_task_force(user.agency.task_force_id, view.protocol)  # type: ignore[union-attr]
    answers = [words.answer(answer) for answer in answers]
    pseudonyms = {
        v.id: v.values.get("pseudonym", "") for v in view.victims
    }  # whom a record concerns
    return render(
        request,
        "cases/detail.html",
        {
            "view": view,
            "case": view.case,
            "plan": view.plan,
            "answers": answers,
            "is_le": view.access.law_enforcement_or_prosecution,
            "is_vsp": view.access.sector == Sector.VICTIM_SERVICES,
            "agency_id": user.agency_id,
            "is_advocate": user.has_role(Role.ADVOCATE),
            "is_interpreter_coordinator": user.has_role(Role.INTERPRETER_COORDINATOR),
            "links": selectors.case_edit_links(view),
            "team": team_notes(view),
            "now": timezone.now(),
            "relief": relief_offers(user, view.access, view.immigration, pseudonyms),
            "charging": [
                (c, pseudonyms.get(c.refs.get("victim_id") or 0, "")) for c in view.charging
            ],
            "interpreters": selectors.interpreter_lines(view),
            "referrals": selectors.referral_lines(view),
            "may_note": bool(_noted_victims(view, user)),
        },
    )


@member(*CASE_ROLES)
@require_http_methods(["GET", "POST"])
def case_facts(request: HttpRequest, case_id: int) -> HttpResponse:
    view = door.case_detail(viewer=member_user(request), case_id=case_id, purpose="facts form")
    protocol = door.case_protocol(viewer=member_user(request), case_id=view.case.id)
    facts = dict(view.case.values["facts"])
    per_victim = bool(view.victims)  # her own facts are on her record, not the case's
    if request.method == "POST":
        form = forms.FactsForm(
            request.POST, protocol=protocol, facts=facts, case_facts_only=per_victim
        )
        if form.is_valid():
            try:
                plan = services.case_update_facts(
                    actor=member_user(request),
                    case=view.case.id,
                    facts=forms.facts_from(form.cleaned_data, protocol),
                    expected_version=form.cleaned_data["lock_version"],
                )
            except (ValidationError, ConflictError) as error:
                _form_error(form, error)
            else:
                messages.success(
                    request,
                    gettext("Facts saved; the plan was regenerated.")
                    if plan
                    else gettext("Nothing changed."),
                )
                return redirect("cases:detail", case_id=case_id)
    else:
        form = forms.FactsForm(
            protocol=protocol,
            facts=facts,
            case_facts_only=per_victim,
            initial={"lock_version": view.case.refs["lock_version"]},
        )
    return render(
        request, "cases/form.html", {"form": form, "case": view.case, "title": "Change the facts"}
    )


@member(*CASE_ROLES)
def case_timeline(request: HttpRequest, case_id: int) -> HttpResponse:
    case, events = door.case_timeline(viewer=member_user(request), case_id=case_id)
    return render(request, "cases/timeline.html", {"case": case, "events": events})
