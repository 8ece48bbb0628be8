"""Thin views: parse, call one service or one selector, render. Every view declares its access (S8)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts.access import member, member_agency, member_user
from accord.accounts.models import Agency, Role
from accord.core.model import Sector
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.protocols.selectors import protocol_in_force
from accord.protocols.words import ProtocolWords
from accord.sharing import door

from . import forms, selectors, services
from .models import SafetyInstrument
from .notifications import notification_mark_read, notifications_mark_all_read
from .services.immigration_relief import relief_access_change, relief_access_rows, relief_offers
from .views_team import team_notes

CASE_ROLES = tuple(sorted(door.CASE_ROLES))
INTAKE_ROLES = (Role.INVESTIGATOR, Role.ADVOCATE, Role.COORDINATOR, Role.PROSECUTOR)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _form_error(form: Any, error: ValidationError | ConflictError) -> None:
    field = error.data.get("field") if isinstance(error, ValidationError) else None
    if isinstance(field, str) and f"fact_{field}" in form.fields:
        form.add_error(f"fact_{field}", error.message)
    elif isinstance(field, str) and field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


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
                messages.success(request, f"Case {case.number} opened; the response plan is below.")
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
                    "Facts saved; the plan was regenerated." if plan else "Nothing changed.",
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


# --- referrals --------------------------------------------------------------------------------


@member(Role.INVESTIGATOR, Role.ADVOCATE)
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, case_id: int) -> HttpResponse:
    view = door.case_detail(viewer=member_user(request), case_id=case_id, purpose="referral form")
    form = forms.ReferralForm(request.POST or None)
    forms.choice_field(form, "victim").choices = [
        (v.id, v.values["pseudonym"]) for v in view.victims
    ]
    receivers = [
        (a.slug, f"{a.name} ({a.get_sector_display()})")
        for a in Agency.objects.filter(
            task_force_id=member_user(request).task_force_id,
            is_active=True,
            sector__in=[Sector.VICTIM_SERVICES, Sector.LEGAL_SERVICES, Sector.CHILD_PROTECTION],
        ).exclude(pk=member_agency(request).pk)
    ]
    forms.choice_field(form, "to_agency").choices = receivers
    forms.choice_field(form, "to_service").choices = services.referral_service_choices(
        actor=member_user(request), agency_slugs=[slug for slug, _ in receivers]
    )
    service_widget = form.fields["to_service"].widget
    if isinstance(service_widget, forms.AgencyServiceSelect):
        service_widget.agency_of = services.referral_service_agencies(actor=member_user(request))
    if request.method == "GET":
        _referral_preselect(
            form, view, victim_id=_int(request.GET.get("victim")), receivers=receivers
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_send(
                actor=member_user(request),
                case=case_id,
                victim_id=form.cleaned_data["victim"],
                to_agency_slug=form.cleaned_data["to_agency"],
                to_service=form.cleaned_data["to_service"],
                message=form.cleaned_data["message"],
            )
        except (ValidationError, ConflictError) as error:
            _form_error(form, error)
        else:
            messages.success(request, "Referral sent.")
            return redirect("cases:detail", case_id=case_id)
    return render(
        request, "cases/form.html", {"form": form, "case": view.case, "title": "Send a referral"}
    )


def _referral_preselect(
    form: forms.ReferralForm,
    view: door.CaseView,
    *,
    victim_id: int | None,
    receivers: list[tuple[str, str]],
) -> None:
    """Pre-select the victim (``?victim=``, else the first) and the provider and service the
    response plan's referral answer names for her, as far as the viewer may read the plan."""
    known = [v.id for v in view.victims]
    victim_id = victim_id if victim_id in known else (known[0] if known else None)
    if victim_id is None:
        return
    form.fields["victim"].initial = victim_id
    answers = view.plan.values.get("answers") if view.plan is not None else None
    agency, service = services.referral_suggestion(
        protocol=view.protocol, answers=answers or [], victim_id=victim_id
    )
    if agency in {slug for slug, _ in receivers}:
        form.fields["to_agency"].initial = agency
        form.fields["to_service"].initial = service


@member(Role.ADVOCATE)
@require_POST
def referral_act(request: HttpRequest, referral_id: int, action: str) -> HttpResponse:
    version = _int(request.POST.get("lock_version"))
    kwargs: dict[str, Any] = {
        "actor": member_user(request),
        "referral_id": referral_id,
        "expected_version": version,
    }
    if action == "accept":
        referral = services.referral_accept(**kwargs)
    elif action == "decline":
        form = forms.DeclineForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Say why the referral is declined.", data={"field": "reason"})
        referral = services.referral_decline(reason=form.cleaned_data["reason"], **kwargs)
    elif action == "complete":
        referral = services.referral_complete(**kwargs)
    else:
        raise NotFound("No such action.")
    messages.success(request, f"Referral {referral.get_status_display().lower()}.")
    if request.POST.get("next") == reverse("cases:referral_inbox"):
        return redirect("cases:referral_inbox")
    return redirect("cases:detail", case_id=referral.case_id)


# --- tasks ------------------------------------------------------------------------------------


@member(*CASE_ROLES)
def my_tasks(request: HttpRequest) -> HttpResponse:
    return _board_page(request, "mine", None, "My tasks")


@member(*CASE_ROLES)
def agency_tasks(request: HttpRequest) -> HttpResponse:
    """The agency's tasks; a coordinator may ask for another agency's (``?agency=<id>``) or the
    whole task force's (``?agency=all``), as the dashboard's counts link them."""
    user = request.user
    wanted = request.GET.get("agency", "")
    if user.has_role(Role.COORDINATOR) and wanted:  # type: ignore[union-attr]
        agency_id = None if wanted == "all" else _int(wanted)
        agency = (
            Agency.objects.filter(pk=agency_id, task_force_id=user.task_force_id).first()  # type: ignore[union-attr]
            if agency_id is not None
            else None
        )
        if agency_id is not None and agency is None:
            raise NotFound("No such agency.")
        title = f"Tasks of {agency.name}" if agency else "Open tasks of the task force"
        return _board_page(request, "task force", agency_id, title)
    return _board_page(request, "agency", None, f"Tasks of {user.agency.name}")  # type: ignore[union-attr]


#: The words a filtered board's heading adds, per filter parameter value.
TASK_FILTER_WORDS = {
    "today": "due today",
    "overdue": "overdue",
    "unassigned": "not taken by anyone",
    "escalated": "escalated",
}


def _board_page(
    request: HttpRequest, which: str, agency_id: int | None, title: str
) -> HttpResponse:
    """A page of a task board (50 open tasks), narrowed by the dashboard's filters (``due``,
    ``assigned=none``, ``escalated=1``) with the same predicate the dashboard counts with;
    ``after`` continues after the last task of the previous page."""
    due = request.GET.get("due", "")
    task_filter = door.TaskFilter(
        due=due if due in ("today", "overdue") else "",
        unassigned=request.GET.get("assigned") == "none",
        escalated=request.GET.get("escalated") == "1",
    )
    zone = door.local_zone(request.user.agency.task_force)  # type: ignore[union-attr]
    after = request.GET.get("after", "")
    board = door.filtered_board(
        viewer=request.user,  # type: ignore[arg-type]
        which=which,
        task_filter=task_filter,
        zone=zone,
        after=after,
        agency_id=agency_id,
    )
    words = [TASK_FILTER_WORDS[task_filter.due]] if task_filter.due else []
    words += ["not taken by anyone"] if task_filter.unassigned else []
    words += ["escalated"] if task_filter.escalated else []
    return render(
        request,
        "cases/board.html",
        {
            "board": board,
            "title": title + (f": {', '.join(words)}" if words else ""),
            "filtered": task_filter.active,
            "zone": zone,
            "first_page": _page_url(request, ""),
            "next_page": _page_url(request, board.next_after) if board.next_after else "",
            "later_page": bool(after),
        },
    )


def _page_url(request: HttpRequest, after: str) -> str:
    """This list's address with its filters, at the page starting after ``after``."""
    query = request.GET.copy()
    query.pop("after", None)
    if after:
        query["after"] = after
    encoded = query.urlencode()
    return request.path + (f"?{encoded}" if encoded else "")


@member(*CASE_ROLES)
@require_POST
def task_act(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    version = _int(request.POST.get("lock_version"))
    if action == "take":
        task = services.task_take(
            actor=member_user(request), task_id=task_id, expected_version=version
        )
    elif action == "complete":
        task = services.task_complete(
            actor=member_user(request), task_id=task_id, expected_version=version
        )
    else:
        raise NotFound("No such action.")
    messages.success(request, f"Task {task.get_status_display().lower()}: {task.title}")
    target = request.POST.get("next", "")
    return redirect(
        target
        if target.split("?")[0] in ("/cases/tasks/mine/", "/cases/tasks/agency/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
        else "cases:my_tasks"
    )


# --- records on a case ------------------------------------------------------------------------


def _victim_choices(view: door.CaseView) -> list[tuple[int, str]]:
    return [(v.id, v.values["pseudonym"]) for v in view.victims]


def _victim_input(d: dict[str, Any]) -> services.VictimInput:
    return services.VictimInput(**{k: v for k, v in d.items() if v not in (None, "")})


RECORD_KINDS: dict[str, tuple[str, Callable[..., Any], Callable[..., Any]]] = {
    # kind: (title, form factory(view, request, data), save(request, case_id, cleaned))
    "victim": (
        "Add a potential victim",
        lambda view, req, data: forms.VictimForm(data),
        lambda req, cid, d: services.victim_add(actor=req.user, case=cid, data=_victim_input(d)),
    ),
    "suspect": (
        "Record a suspect",
        lambda view, req, data: forms.SuspectForm(data),
        lambda req, cid, d: services.suspect_add(
            actor=req.user, case=cid, data=services.SuspectInput(**d)
        ),
    ),
    "note": (
        "Add an investigative note",
        lambda view, req, data: forms.NoteForm(data),
        lambda req, cid, d: services.note_add(actor=req.user, case=cid, text=d["text"]),
    ),
    "sensitive": (
        "Record grand jury, tax or wiretap material",
        lambda view, req, data: forms.SensitiveForm(data),
        lambda req, cid, d: services.sensitive_material_add(actor=req.user, case=cid, **d),
    ),
    "operation": (
        "Plan an operation",
        lambda view, req, data: forms.OperationForm(data),
        lambda req, cid, d: services.operation_plan(
            actor=req.user,
            case=cid,
            **{
                **d,
                "genders": [g.strip() for g in d["genders"].split(",") if g.strip()],
                "languages": [g.strip() for g in d["languages"].split(",") if g.strip()],
            },
        ),
    ),
    "placement": (
        "Record a placement",
        lambda view, req, data: _placement_form(view, req, data),
        lambda req, cid, d: services.placement_record(
            actor=req.user, victim_id=d.pop("victim"), **d
        ),
    ),
    "interpreter": (
        "Request an interpreter",
        lambda view, req, data: forms.InterpreterForm(data),
        lambda req, cid, d: services.interpreter_request_create(actor=req.user, case=cid, **d),
    ),
    "immigration": (
        "Record immigration relief",
        lambda view, req, data: _relief_form(view, req, data),
        lambda req, cid, d: services.immigration_relief_create(
            actor=req.user, victim_id=d.pop("victim"), **d
        ),
    ),
    "charging": (
        "Record a charging decision",
        lambda view, req, data: _with_victims(forms.ChargingForm(data), view),
        lambda req, cid, d: services.charging_record(
            actor=req.user, victim_id=d.pop("victim"), **d
        ),
    ),
    "safety": (
        "Safety assessment",
        lambda view, req, data: _safety_form(view, req, data),
        lambda req, cid, d: services.safety_assessment_record(
            actor=req.user,
            victim_id=d.pop("victim"),
            instrument_id=d.pop("instrument_id"),
            answers={k[2:]: v for k, v in d.items() if k.startswith("q_")},
        ),
    ),
    "advocate_note": (
        "Add a privileged advocate note",
        lambda view, req, data: _advocate_note_form(view, req, data),
        lambda req, cid, d: services.advocate_note_add(
            actor=req.user, victim_id=d["victim"], text=d["text"]
        ),
    ),
}


def _relief_form(view: door.CaseView, request: HttpRequest, data: Any) -> Any:
    """Only the kinds the signer table lets this viewer open on this case (none: 404)."""
    kinds = relief_offers(member_user(request), view.access, [])["kinds"]
    if not kinds:
        raise NotFound("No such record kind.")
    form = _with_victims(forms.ReliefForm(data), view)
    forms.choice_field(form, "kind").choices = kinds
    return form


def _noted_victims(view: door.CaseView, user: Any) -> list[tuple[int, str]]:
    """The victims this viewer's provider serves: the ones its advocates write notes about."""
    if not (user.has_role(Role.ADVOCATE) and view.access.sector == Sector.VICTIM_SERVICES):
        return []
    return [
        (v.id, v.values["pseudonym"])
        for v in view.victims
        if v.refs.get("serving_provider_id") == user.agency_id
        or (v.refs.get("serving_provider_id") is None and view.access.serving_provider)
    ]


def _advocate_note_form(view: door.CaseView, request: HttpRequest, data: Any) -> Any:
    victims = _noted_victims(view, member_user(request))
    if not victims:
        raise NotFound("No such record kind.")
    form = forms.AdvocateNoteForm(data)
    forms.choice_field(form, "victim").choices = victims
    return form


def _with_victims(form: Any, view: door.CaseView) -> Any:
    forms.choice_field(form, "victim").choices = _victim_choices(view)
    return form


def _placement_form(view: door.CaseView, request: HttpRequest, data: Any) -> Any:
    """Services by name from the directory; the protocol's answer for the chosen victim (from
    ?victim=, else the first) is pre-selected; the override field only for coordinators."""
    form = _with_victims(forms.PlacementForm(data), view)
    forms.choice_field(form, "service").choices = services.placement_service_choices(
        actor=member_user(request)
    )
    if not member_user(request).has_role(Role.COORDINATOR):
        del form.fields["override_reason"]
    victim_id = _int(request.GET.get("victim")) or (view.victims[0].id if view.victims else None)
    if data is None and victim_id is not None:
        form.fields["victim"].initial = victim_id
        form.fields["service"].initial = services.placement_suggestion(
            actor=member_user(request),
            victim_id=victim_id,
        )
    return form


def _safety_form(view: door.CaseView, request: HttpRequest, data: Any) -> Any:
    instrument = (
        SafetyInstrument.objects.filter(
            task_force_id=member_user(request).task_force_id,
            is_active=True,
        )
        .order_by("-created_at")
        .first()
    )
    if instrument is None:
        raise ValidationError("The task force has not configured a safety instrument yet.")
    form = _with_victims(forms.SafetyForm(data, questions=instrument.questions), view)
    form.instrument_id = instrument.pk
    return form


@member(
    Role.INVESTIGATOR,
    Role.PROSECUTOR,
    Role.ADVOCATE,
    Role.INTERPRETER_COORDINATOR,
    Role.COORDINATOR,
)
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    if kind not in RECORD_KINDS:
        raise NotFound("No such record kind.")
    title, make_form, save = RECORD_KINDS[kind]
    view = door.case_detail(viewer=member_user(request), case_id=case_id, purpose=f"{kind} form")
    form = make_form(view, request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if kind == "safety":
            data["instrument_id"] = form.instrument_id
        try:
            save(request, case_id, data)
        except (ValidationError, ConflictError) as error:
            _form_error(form, error)
        else:
            messages.success(request, f"{title}: saved.")
            return redirect("cases:detail", case_id=case_id)
    return render(request, "cases/form.html", {"form": form, "case": view.case, "title": title})


@member(Role.INVESTIGATOR)
@require_POST
def operation_act(request: HttpRequest, operation_id: int, action: str) -> HttpResponse:
    version = _int(request.POST.get("lock_version"))
    actor = member_user(request)
    if action == "notify":
        operation = services.operation_notify_committee(actor=actor, operation_id=operation_id)
    elif action == "ready":
        operation = services.operation_mark_ready(
            actor=actor, operation_id=operation_id, expected_version=version
        )
    elif action == "exception":
        operation = services.operation_exception_record(
            actor=actor,
            operation_id=operation_id,
            reason=request.POST.get("reason", ""),
            expected_version=version,
        )
    elif action == "end":
        operation = services.operation_end(
            actor=actor, operation_id=operation_id, expected_version=version
        )
    else:
        raise NotFound("No such action.")
    messages.success(
        request, f"Operation {operation.name}: {operation.get_status_display().lower()}."
    )
    return redirect("cases:detail", case_id=operation.case_id)


@member(Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE)
@require_POST
def relief_update(request: HttpRequest, relief_id: int) -> HttpResponse:
    form = forms.ReliefUpdateForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Choose a status.", data={"field": "status"})
    relief = services.immigration_relief_update(
        actor=member_user(request),
        relief_id=relief_id,
        status=form.cleaned_data["status"],
        expires_on=form.cleaned_data["expires_on"],
        expected_version=_int(request.POST.get("lock_version")),
    )
    messages.success(request, "Immigration relief updated.")
    return redirect("cases:detail", case_id=relief.case_id)


@member(Role.INTERPRETER_COORDINATOR, Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE)
@require_http_methods(["GET", "POST"])
def interpreter_book(request: HttpRequest, request_id: int) -> HttpResponse:
    """Book an interpreter; the suspects' names and the conflict attestation appear only to a
    user the sharing rules let see the suspects. Errors keep what was typed."""
    user = member_user(request)
    row = door.interpreter_request_for_booking(viewer=user, request_id=request_id)
    suspects = door.suspects_for_attestation(viewer=user, case_id=row.case_id)
    make = {"attest": suspects is not None, "court": row.court_certified_required}
    status = 200
    if request.method == "POST":
        form = forms.InterpreterAssignForm(request.POST, **make)
        if form.is_valid():
            try:
                booked = services.interpreter_assign(
                    actor=user,
                    request_id=request_id,
                    expected_version=_int(request.POST.get("lock_version")),
                    **form.cleaned_data,
                )
            except ConflictError as error:
                form.add_error(None, error.message)
                status = 409
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, f"Interpreter booked for the {row.language} request.")
                if user.has_role(Role.INTERPRETER_COORDINATOR):
                    return redirect("cases:interpreter_board")
                return redirect("cases:detail", case_id=booked.case_id)
    else:
        form = forms.InterpreterAssignForm(**make)
    return render(
        request,
        "cases/interpreter_book.html",
        {"form": form, "row": row, "suspects": suspects},
        status=status,
    )


@member(Role.INVESTIGATOR)
@require_http_methods(["GET", "POST"])
def interpreter_attest(request: HttpRequest, request_id: int) -> HttpResponse:
    """The investigating agency confirms a booked interpreter's conflict attestation, with the
    suspects' names in front of it."""
    user = member_user(request)
    row = door.interpreter_request_for_booking(viewer=user, request_id=request_id)
    suspects = door.suspects_for_attestation(viewer=user, case_id=row.case_id)
    if suspects is None:
        raise PermissionDenied("The suspects' names are not released to you.")
    form = forms.InterpreterAttestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.interpreter_attestation_confirm(
                actor=user,
                request=request_id,
                expected_version=_int(request.POST.get("lock_version")),
                **form.cleaned_data,
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, "The interpreter's conflict attestation is confirmed.")
            return redirect("cases:detail", case_id=row.case_id)
    return render(
        request,
        "cases/interpreter_attest.html",
        {"form": form, "row": row, "suspects": suspects},
        status=status,
    )


@member(Role.INVESTIGATOR, Role.ADVOCATE, Role.COORDINATOR)
@require_POST
def placement_end(request: HttpRequest, placement_id: int) -> HttpResponse:
    """The person left the placement; its bed goes back to the directory."""
    placement = services.placement_end(
        actor=member_user(request),
        placement=placement_id,
        expected_version=_int(request.POST.get("lock_version")),
    )
    messages.success(request, "Placement ended; its bed is free again.")
    return redirect("cases:detail", case_id=placement.case_id)


@member(Role.INTERPRETER_COORDINATOR)
def interpreter_board(request: HttpRequest) -> HttpResponse:
    """The task force's open interpreter requests (request fields only, never the victim)."""
    rows = door.interpreter_board(viewer=member_user(request))
    return render(request, "cases/interpreter_board.html", {"rows": rows, "now": timezone.now()})


# --- edit pages (S23: optimistic versions; S24: a refused save keeps what was typed) ----------

CONFLICT_MESSAGE = (
    "Someone else saved this record after you opened it, so your change was NOT stored. What "
    "you typed is kept below, with the value stored now shown under each field that differs. "
    "Save again to store your values over theirs, or go back to the case to start again."
)


def _shown(value: Any) -> str:
    """A stored value as the conflict note shows it (only values the viewer was released)."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _differs(stored: Any, typed: Any) -> bool:
    empty = (None, "")
    if stored in empty and typed in empty:
        return False
    return stored != typed


def _edit_page(
    request: HttpRequest,
    *,
    edit: selectors.RecordEdit,
    form_class: type[forms.VersionedForm],
    initial: dict[str, Any],
    save: Callable[[dict[str, Any], int], Any],
    title: str,
    saved: str,
) -> HttpResponse:
    """One record's edit form: offered fields only, the version read, a conflict that keeps
    the typed input, field errors named, and nothing stored unless all of it is."""
    if not edit.editable:
        raise PermissionDenied("You may not change this record.")
    stored = {name: initial.get(name) for name in edit.editable}
    version = edit.record.refs["lock_version"]
    conflict: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        form.keep(edit.editable)
        if form.is_valid():
            typed = {name: form.cleaned_data[name] for name in edit.editable}
            try:
                save(typed, form.cleaned_data["expected_version"])
            except ConflictError:
                conflict = {
                    name: _shown(stored[name])
                    for name in edit.editable
                    if _differs(stored[name], typed[name])
                }
                rebound = request.POST.copy()
                rebound["expected_version"] = str(version)
                form = form_class(rebound)
                form.keep(edit.editable)
                form.is_valid()
                form.add_error(None, CONFLICT_MESSAGE)
                status = 409
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, saved)
                return redirect("cases:detail", case_id=edit.case.id)
    else:
        form = form_class(initial={**stored, "expected_version": version})
        form.keep(edit.editable)
    rows = [(form[name], conflict.get(name)) for name in form.fields if name != "expected_version"]
    return render(
        request,
        "cases/edit.html",
        {
            "form": form,
            "rows": rows,
            "case": edit.case,
            "title": title,
            "conflict": bool(conflict) or status == 409,
        },
        status=status,
    )


@member(Role.INVESTIGATOR, Role.ADVOCATE)
@require_http_methods(["GET", "POST"])
def victim_edit(request: HttpRequest, victim_id: int) -> HttpResponse:
    edit = selectors.victim_for_edit(viewer=member_user(request), victim_id=victim_id)
    pseudonym = edit.record.values.get("pseudonym", "")
    return _edit_page(
        request,
        edit=edit,
        form_class=forms.VictimEditForm,
        initial=dict(edit.record.values),
        save=lambda typed, version: services.victim_update(
            actor=member_user(request),
            victim_id=victim_id,
            changes=typed,
            expected_version=version,
        ),
        title=f"Potential victim {pseudonym}",
        saved=f"Record of {pseudonym} saved.",
    )


@member(Role.INVESTIGATOR, Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def case_stage(request: HttpRequest, case_id: int) -> HttpResponse:
    edit = selectors.case_for_stage(viewer=member_user(request), case_id=case_id)
    return _edit_page(
        request,
        edit=edit,
        form_class=forms.StageForm,
        initial={"stage": edit.record.values["stage_code"]},
        save=lambda typed, version: services.case_stage_set(
            actor=member_user(request),
            case=case_id,
            stage=typed["stage"],
            expected_version=version,
        ),
        title="Change the case stage",
        saved="Stage saved; the response plan follows it.",
    )


@member(Role.INVESTIGATOR)
@require_http_methods(["GET", "POST"])
def operation_edit(request: HttpRequest, operation_id: int) -> HttpResponse:
    edit = selectors.operation_for_edit(viewer=member_user(request), operation_id=operation_id)
    name = edit.record.values.get("name", "")
    return _edit_page(
        request,
        edit=edit,
        form_class=forms.OperationPlanForm,
        initial=dict(edit.record.values),
        save=lambda typed, version: services.operation_update(
            actor=member_user(request),
            operation_id=operation_id,
            changes=typed,
            expected_version=version,
        ),
        title=f"Plan of operation {name}",
        saved=f"Plan of operation {name} saved.",
    )


@member()
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The inbox: newest first, each entry linking to its item; mark one or all read (POST)."""
    if request.method == "POST":
        if request.POST.get("all"):
            notifications_mark_all_read(user=request.user)  # type: ignore[arg-type]
        else:
            notification_mark_read(
                user=member_user(request), notification_id=_int(request.POST.get("id")) or 0
            )
        return redirect("cases:notifications")
    rows = door.notifications_for(viewer=request.user, limit=100)  # type: ignore[arg-type]
    return render(
        request,
        "cases/notifications.html",
        {
            "notifications": [{**row, "link": _notification_link(request, row)} for row in rows],
            "unread": sum(1 for row in rows if not row["read_at"]),
            "zone": door.local_zone(request.user.agency.task_force),  # type: ignore[union-attr]
        },
    )


def _notification_link(request: HttpRequest, row: dict[str, Any]) -> tuple[str, str] | None:
    """(words, url) of the item a notification is about: an undecided referral to the viewer's
    agency opens the referral inbox; anything else on a case opens the case at the item."""
    case_id = row.get("case_id")
    undecided_referral = row.get("item_kind") == "referral" and not row.get("resolved_at")
    if undecided_referral and request.user.has_role(Role.ADVOCATE):  # type: ignore[union-attr]
        return "Accept or decline", f"{reverse('cases:referral_inbox')}#referral-{row['item_id']}"
    if not case_id:
        return None
    url = reverse("cases:detail", args=[case_id])
    if row.get("item_kind") == "task":
        return "Open the task", f"{url}#task-{row['item_id']}"
    return "Open the case", url


# --- the dashboard's lists: referral inbox, unanswered questions ------------------------------


@member(Role.ADVOCATE)
def referral_inbox(request: HttpRequest) -> HttpResponse:
    """Referrals sent to the advocate's agency awaiting its decision, oldest first."""
    return render(
        request,
        "cases/referral_inbox.html",
        {
            "rows": door.referral_inbox(viewer=request.user),  # type: ignore[arg-type]
            "decline_form": forms.DeclineForm(),
            "zone": door.local_zone(request.user.agency.task_force),  # type: ignore[union-attr]
        },
    )


@member(Role.COORDINATOR)
def unanswered_questions(request: HttpRequest) -> HttpResponse:
    """Open cases whose plan could not answer a question: someone must decide by hand."""
    after = request.GET.get("after", "")
    page = door.unanswered_questions(viewer=request.user, after=after)  # type: ignore[arg-type]
    return render(
        request,
        "cases/unanswered.html",
        {
            "rows": page.rows,
            "first_page": _page_url(request, ""),
            "next_page": _page_url(request, page.next_after) if page.next_after else "",
            "later_page": bool(after),
        },
    )


# --- immigration-records authorization and certifying officials (8 U.S.C. 1367) --------------


@member(*CASE_ROLES, Role.SIGNATORY, Role.AUDITOR, recent_auth=True)
@require_http_methods(["GET", "POST"])
def relief_access(request: HttpRequest) -> HttpResponse:
    """Coordinators (every agency) and agency leads (their own) authorize users for
    immigration-relief records and designate certifying officials; each change audited, after
    a recent re-authentication (S7)."""
    user = member_user(request)
    if not (user.has_role(Role.COORDINATOR) or Agency.objects.filter(lead=user).exists()):
        raise PermissionDenied(
            "Only coordinators and agency leads manage immigration-records access."
        )
    if request.method == "POST":
        form = forms.ReliefAccessForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Choose a user and a change.", data={"field": "change"})
        done = relief_access_change(
            actor=user,
            user_id=form.cleaned_data["user"],
            change=form.cleaned_data["change"],
        )
        messages.success(request, done)
        return redirect("cases:relief_access")
    return render(
        request,
        "cases/relief_access.html",
        {"rows": relief_access_rows(actor=user)},
    )
