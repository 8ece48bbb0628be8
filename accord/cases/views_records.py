"""Records on a case (operations, charges, relief, placements, safety, notes) and interpreter
bookings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts.access import member, member_user
from accord.accounts.models import Role
from accord.core.model import Sector
from accord.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from accord.sharing import door

from . import forms, services
from .models import SafetyInstrument
from .services.immigration_relief import relief_offers
from .views_base import _form_error, _int


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
        raise NotFound(_("No such record kind."))
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
        raise NotFound(_("No such record kind."))
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
        raise ValidationError(_("The task force has not configured a safety instrument yet."))
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
        raise NotFound(_("No such record kind."))
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
            messages.success(request, _("%(title)s: saved.") % {"title": title})
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
        raise NotFound(_("No such action."))
    messages.success(
        request,
        _("Operation %(name)s: %(status)s.")
        % {"name": operation.name, "status": operation.get_status_display().lower()},
    )
    return redirect("cases:detail", case_id=operation.case_id)


@member(Role.INVESTIGATOR, Role.PROSECUTOR, Role.ADVOCATE)
@require_POST
def relief_update(request: HttpRequest, relief_id: int) -> HttpResponse:
    form = forms.ReliefUpdateForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Choose a status."), data={"field": "status"})
    relief = services.immigration_relief_update(
        actor=member_user(request),
        relief_id=relief_id,
        status=form.cleaned_data["status"],
        expires_on=form.cleaned_data["expires_on"],
        expected_version=_int(request.POST.get("lock_version")),
    )
    messages.success(request, _("Immigration relief updated."))
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
                messages.success(
                    request,
                    _("Interpreter booked for the %(language)s request.")
                    % {"language": row.language},
                )
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
        raise PermissionDenied(_("The suspects' names are not released to you."))
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
            messages.success(request, _("The interpreter's conflict attestation is confirmed."))
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
    messages.success(request, _("Placement ended; its bed is free again."))
    return redirect("cases:detail", case_id=placement.case_id)


@member(Role.INTERPRETER_COORDINATOR)
def interpreter_board(request: HttpRequest) -> HttpResponse:
    """The task force's open interpreter requests (request fields only, never the victim)."""
    rows = door.interpreter_board(viewer=member_user(request))
    return render(request, "cases/interpreter_board.html", {"rows": rows, "now": timezone.now()})
