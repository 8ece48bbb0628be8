"""Immigration-records authorization and certifying officials (8 U.S.C. 1367)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.accounts.access import member, member_user
from accord.accounts.models import Agency, Role
from accord.errors import PermissionDenied, ValidationError

from . import forms
from .services.immigration_relief import relief_access_change, relief_access_rows
from .views_base import CASE_ROLES


@member(*CASE_ROLES, Role.SIGNATORY, Role.AUDITOR, recent_auth=True)
@require_http_methods(["GET", "POST"])
def relief_access(request: HttpRequest) -> HttpResponse:
    """Coordinators (every agency) and agency leads (their own) authorize users for
    immigration-relief records and designate certifying officials; each change audited, after
    a recent re-authentication (S7)."""
    user = member_user(request)
    if not (user.has_role(Role.COORDINATOR) or Agency.objects.filter(lead=user).exists()):
        raise PermissionDenied(
            _("Only coordinators and agency leads manage immigration-records access.")
        )
    if request.method == "POST":
        form = forms.ReliefAccessForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Choose a user and a change."), data={"field": "change"})
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
