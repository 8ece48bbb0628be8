"""Disagreement pages: thin views that parse, call one service or selector, render.

Refused input re-renders the form with everything typed kept (S24).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts.access import member
from accord.accounts.models import Role
from accord.errors import ConflictError, NotFound
from accord.errors import ValidationError as AccordValidationError

from . import selectors, services
from .case_links import case_glimpse
from .deciders import deciders_for
from .forms import AmendmentForm, DecideForm, RaiseForm, WithdrawForm


def _form_error(form, error: AccordValidationError | ConflictError) -> None:
    field = error.data.get("field")
    form.add_error(field if field in form.fields else None, error.message)


@member()
def index(request: HttpRequest) -> HttpResponse:
    viewer = request.user
    visible = selectors.disagreements_visible_to(viewer=viewer)  # type: ignore[arg-type]
    now = timezone.now()
    return render(
        request,
        "conflicts/index.html",
        {
            "groups": selectors.open_by_level(disagreements=visible),
            "history": selectors.closed_history(disagreements=visible),
            "now": now,
            "is_coordinator": viewer.has_role(Role.COORDINATOR),  # type: ignore[union-attr]
        },
    )


@member()
def raise_disagreement(request: HttpRequest) -> HttpResponse:
    task_force = request.user.agency.task_force  # type: ignore[union-attr]
    form = RaiseForm(request.POST or None, task_force=task_force)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            disagreement = services.disagreement_raise(
                actor=request.user,  # type: ignore[arg-type]
                question=data["question"],
                parties=data["parties"],
                case_id=data["case_id"] if data["subject_kind"] == "case" else None,
                protocol_version=data["protocol_version"]
                if data["subject_kind"] == "protocol"
                else None,
                protocol_reference=data["protocol_reference"],
            )
        except AccordValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Disagreement #%(pk)s raised at level 1.") % {"pk": disagreement.pk}
            )
            return redirect("conflicts:detail", pk=disagreement.pk)
    return render(
        request, "conflicts/raise.html", {"form": form}, status=400 if form.errors else 200
    )


def _detail_context(request: HttpRequest, disagreement, **forms):
    viewer = request.user
    now = timezone.now()
    open_ = disagreement.is_open
    task_force = disagreement.task_force
    context = {
        "disagreement": disagreement,
        "now": now,
        "overdue": selectors.is_overdue(disagreement=disagreement, now=now),
        "events": disagreement.events.select_related("actor"),
        "deciders": deciders_for(disagreement=disagreement),
        "case": case_glimpse(viewer=viewer, case_id=disagreement.case_id)  # type: ignore[arg-type]
        if disagreement.case_id
        else None,
        "may_decide": open_ and services.may_decide(user=viewer, disagreement=disagreement),  # type: ignore[arg-type]
        "may_withdraw": open_
        and (viewer.pk == disagreement.raised_by_id or viewer.has_role(Role.COORDINATOR)),  # type: ignore[union-attr]
        "may_link": not open_
        and disagreement.status == "resolved"
        and viewer.has_role(Role.COORDINATOR),  # type: ignore[union-attr]
    }
    context["decide_form"] = forms.get("decide_form") or DecideForm(
        initial={"lock_version": disagreement.lock_version}, task_force=task_force
    )
    context["withdraw_form"] = forms.get("withdraw_form") or WithdrawForm(
        initial={"lock_version": disagreement.lock_version}
    )
    context["amendment_form"] = forms.get("amendment_form") or AmendmentForm(task_force=task_force)
    return context


@member()
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    disagreement = selectors.disagreement_for_viewer(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    return render(request, "conflicts/detail.html", _detail_context(request, disagreement))


@member()
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    disagreement = selectors.disagreement_for_viewer(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    if request.method != "POST":
        return redirect("conflicts:detail", pk=pk)
    form = DecideForm(request.POST, task_force=disagreement.task_force)
    if form.is_valid():
        try:
            services.disagreement_decide(
                actor=request.user,  # type: ignore[arg-type]
                disagreement=disagreement,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                lock_version=form.cleaned_data["lock_version"],
                amendment=form.cleaned_data["amendment"],
            )
        except (AccordValidationError, ConflictError) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("conflicts:detail", pk=pk)
    return render(
        request,
        "conflicts/detail.html",
        _detail_context(request, disagreement, decide_form=form),
        status=409 if any("changed since" in e for e in form.non_field_errors()) else 400,
    )


@member()
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    disagreement = selectors.disagreement_for_viewer(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    if request.method != "POST":
        return redirect("conflicts:detail", pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.disagreement_withdraw(
                actor=request.user,  # type: ignore[arg-type]
                disagreement=disagreement,
                reason=form.cleaned_data["reason"],
                lock_version=form.cleaned_data["lock_version"],
            )
        except (AccordValidationError, ConflictError) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Disagreement withdrawn."))
            return redirect("conflicts:detail", pk=pk)
    return render(
        request,
        "conflicts/detail.html",
        _detail_context(request, disagreement, withdraw_form=form),
        status=400,
    )


@member(Role.COORDINATOR)
def link_amendment(request: HttpRequest, pk: int) -> HttpResponse:
    disagreement = selectors.disagreement_for_viewer(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    if request.method != "POST":
        return redirect("conflicts:detail", pk=pk)
    form = AmendmentForm(request.POST, task_force=disagreement.task_force)
    if form.is_valid():
        try:
            services.disagreement_link_amendment(
                actor=request.user,  # type: ignore[arg-type]
                disagreement=disagreement,
                amendment=form.cleaned_data["amendment"],
            )
        except (AccordValidationError, NotFound) as error:
            form.add_error("amendment", error.message)
        else:
            messages.success(request, _("Linked to the protocol draft."))
            return redirect("conflicts:detail", pk=pk)
    return render(
        request,
        "conflicts/detail.html",
        _detail_context(request, disagreement, amendment_form=form),
        status=400,
    )
