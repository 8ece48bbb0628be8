"""Referrals on a case: send one, act on one, and the advocate's inbox of referrals awaiting
a decision."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts.access import member, member_agency, member_user
from accord.accounts.models import Agency, Role
from accord.core.model import Sector
from accord.errors import ConflictError, NotFound, ValidationError
from accord.sharing import door

from . import forms, services
from .views_base import _form_error, _int


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
            messages.success(request, gettext("Referral sent."))
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
            raise ValidationError(
                gettext("Say why the referral is declined."), data={"field": "reason"}
            )
        referral = services.referral_decline(reason=form.cleaned_data["reason"], **kwargs)
    elif action == "complete":
        referral = services.referral_complete(**kwargs)
    else:
        raise NotFound(gettext("No such action."))
    messages.success(
        request, gettext("Referral %(status)s.") % {"status": referral.get_status_display().lower()}
    )
    if request.POST.get("next") == reverse("cases:referral_inbox"):
        return redirect("cases:referral_inbox")
    return redirect("cases:detail", case_id=referral.case_id)


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
