"""Edit pages (S23: optimistic versions; S24: a refused save keeps what was typed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.accounts.access import member, member_user
from accord.accounts.models import Role
from accord.errors import ConflictError, PermissionDenied, ValidationError

from . import forms, selectors, services
from .views_base import _form_error

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
        raise PermissionDenied(_("You may not change this record."))
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
