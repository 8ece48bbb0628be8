"""Protocol pages: thin views that parse, call one service or selector, and render.

Every view declares who may use it (S8). Protocol versions are shared by the
whole task force, so any member may read them; writes are the coordinator's,
sign-off the signatory's, and privileged steps need recent re-authentication (S7).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts.access import member
from accord.accounts.models import Role
from accord.core import LoadError, LoadIssue
from accord.core.model import Sector
from accord.errors import ConflictError, NotFound
from accord.errors import ValidationError as AccordValidationError

from . import editor_directory, report_groups, selectors, services
from .diff import diff_protocols
from .drills import Scenario, compare_drill, run_drill
from .forms import (
    AcceptRiskForm,
    BringIntoForceForm,
    DmnImportForm,
    ScenarioForm,
    SignOffForm,
    VersionEditForm,
    VersionNewForm,
)
from .handbook import (
    _table,
    build_handbook,
    handbook_export,
    handbook_view_record,
    render_handbook_html,
)
from .models import ProtocolStatus, ProtocolVersion


def _user(request: HttpRequest) -> Any:
    return request.user


def _detail_url(version: ProtocolVersion) -> str:
    return reverse("protocols:detail", args=[version.number])


def numbered_lines(text: str, issues: Sequence[LoadIssue]) -> list[dict[str, Any]]:
    """The text as numbered lines, each with the loader's messages for it (shown inline)."""
    by_line: dict[int, list[LoadIssue]] = {}
    for issue in issues:
        by_line.setdefault(max(issue.line, 1), []).append(issue)
    lines = text.splitlines() or [""]
    beyond = [issue for line, found in by_line.items() if line > len(lines) for issue in found]
    rows: list[dict[str, Any]] = [
        {"number": n, "text": line, "issues": by_line.get(n, [])}
        for n, line in enumerate(lines, start=1)
    ]
    if beyond:
        rows[-1]["issues"] = [*rows[-1]["issues"], *beyond]
    return rows


def _issue_context(text: str, error: LoadError) -> dict[str, Any]:
    return {"issues": error.issues, "lines": numbered_lines(text, error.issues)}


# -- list, create, edit -------------------------------------------------------------------


@member()
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    task_force = user.agency.task_force
    return render(
        request,
        "protocols/index.html",
        {
            "versions": selectors.protocol_versions(task_force=task_force),
            "in_force": selectors.protocol_in_force(task_force=task_force),
            "awaiting": selectors.awaiting_sign_off(user=user)
            if user.has_role(Role.SIGNATORY)
            else [],
            "is_coordinator": user.has_role(Role.COORDINATOR),
        },
    )


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def version_new(request: HttpRequest) -> HttpResponse:
    form = VersionNewForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["yaml_text"]
        try:
            version = services.protocol_version_create(
                actor=_user(request),
                task_force=_user(request).agency.task_force,
                yaml_text=text,
                title=form.cleaned_data.get("title") or None,
            )
        except LoadError as error:
            context.update(_issue_context(text, error))
            return render(request, "protocols/version_new.html", context, status=400)
        messages.success(
            request, _("Version %(number)s stored as a draft.") % {"number": version.number}
        )
        return HttpResponseRedirect(_detail_url(version))
    return render(
        request, "protocols/version_new.html", context, status=400 if form.errors else 200
    )


@member(Role.COORDINATOR)
@require_POST
def version_copy_in_force(request: HttpRequest) -> HttpResponse:
    version = services.protocol_version_copy_in_force(
        actor=_user(request), task_force=_user(request).agency.task_force
    )
    messages.success(
        request,
        _("Version %(number)s is a copy of the version in force.") % {"number": version.number},
    )
    return HttpResponseRedirect(reverse("protocols:edit", args=[version.number]))


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.version_get(viewer=_user(request), number=number)
    if version.status != ProtocolStatus.DRAFT:
        messages.warning(request, _("Only drafts can be edited; copy the version to change it."))
        return HttpResponseRedirect(_detail_url(version))
    initial = {
        "title": version.title,
        "yaml_text": version.yaml_text,
        "lock_version": version.lock_version,
    }
    form = VersionEditForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {"version": version, "form": form, "dmn_form": DmnImportForm()}
    status = 200
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["yaml_text"]
        try:
            services.protocol_version_update(
                actor=_user(request),
                version=version,
                yaml_text=text,
                expected_lock_version=form.cleaned_data["lock_version"],
                title=form.cleaned_data["title"],
            )
        except LoadError as error:
            context.update(_issue_context(text, error))
            status = 400
        except ConflictError as error:
            context["conflict"] = error.message
            status = 409
        else:
            messages.success(request, _("Version %(number)s saved.") % {"number": version.number})
            return HttpResponseRedirect(_detail_url(version))
    elif form.errors:
        status = 400
    return render(request, "protocols/version_edit.html", context, status=status)


@member(Role.COORDINATOR)
@require_POST
def version_dmn_import(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.version_get(viewer=_user(request), number=number)
    form = DmnImportForm(request.POST, request.FILES)
    context: dict[str, Any] = {
        "version": version,
        "form": VersionEditForm(
            initial={
                "title": version.title,
                "yaml_text": version.yaml_text,
                "lock_version": version.lock_version,
            }
        ),
        "dmn_form": form,
    }
    if form.is_valid():
        dmn_text = form.cleaned_data["dmn_file"]
        try:
            services.protocol_dmn_import(
                actor=_user(request),
                version=version,
                dmn_text=dmn_text,
                decision_id=form.cleaned_data["decision_id"],
            )
        except LoadError as error:
            context["dmn_issues"] = error.issues
            context["dmn_lines"] = numbered_lines(dmn_text, error.issues)
            return render(request, "protocols/version_edit.html", context, status=400)
        messages.success(
            request,
            _("Decision %(decision_id)s imported from DMN.")
            % {"decision_id": form.cleaned_data["decision_id"]},
        )
        return HttpResponseRedirect(_detail_url(version))
    return render(request, "protocols/version_edit.html", context, status=400)


# -- reading a version ----------------------------------------------------------------------


@member()
@require_http_methods(["GET"])
def version_detail(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    version = selectors.version_get(viewer=user, number=number)
    report = selectors.version_report(version=version)
    protocol = version.protocol
    return render(
        request,
        "protocols/version_detail.html",
        {
            "version": version,
            "protocol": protocol,
            "report": report,
            "tables": [_table(protocol, d) for d in protocol.decisions.values()],
            "sign_offs": selectors.sign_off_status(version=version),
            "base": selectors.diff_base(version=version),
            "is_coordinator": user.has_role(Role.COORDINATOR),
            "is_signatory": user.has_role(Role.SIGNATORY),
            "force_form": BringIntoForceForm(),
        },
    )


@member()
@require_http_methods(["GET"])
def version_report(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    version = selectors.version_get(viewer=user, number=number)
    report = selectors.version_report(version=version)
    if request.GET.get("format") == "json":
        response = JsonResponse({"version": version.number, **report.to_json()})
        if request.GET.get("download"):
            response["Content-Disposition"] = (
                f'attachment; filename="verification-version-{version.number}.json"'
            )
        return response
    return render(
        request,
        "protocols/version_report.html",
        {
            "version": version,
            "report": report,
            "sections": report_groups.grouped_items(version.protocol, report.items),
            "can_accept": user.has_role(Role.COORDINATOR)
            and version.status == ProtocolStatus.DRAFT,
        },
    )


@member(Role.COORDINATOR)
@require_POST
def version_accept_risk(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.version_get(viewer=_user(request), number=number)
    form = AcceptRiskForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a note saying why the finding is accepted."))
    else:
        try:
            services.finding_accept_risk(
                actor=_user(request),
                version=version,
                finding_key=form.cleaned_data["finding_key"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Accepted-risk note recorded."))
        except AccordValidationError as error:
            messages.error(request, error.message)
    return HttpResponseRedirect(reverse("protocols:report", args=[version.number]))


@member()
@require_http_methods(["GET"])
def version_diff(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    version = selectors.version_get(viewer=user, number=number)
    against_number = request.GET.get("against")
    base: ProtocolVersion | None
    if against_number:
        try:
            base = selectors.version_get(viewer=user, number=int(against_number))
        except ValueError as error:
            raise NotFound(gettext("No such protocol version.")) from error
    else:
        base = selectors.diff_base(version=version)
    diff = diff_protocols(base.protocol, version.protocol) if base is not None else None
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "from": base.number if base else None,
                "to": version.number,
                **(diff.to_json() if diff else {}),
            }
        )
    return render(
        request,
        "protocols/version_diff.html",
        {
            "version": version,
            "base": base,
            "diff": diff,
            "versions": selectors.protocol_versions(task_force=user.agency.task_force),
        },
    )


# -- circulation and sign-off ---------------------------------------------------------------


def _confirm(
    request: HttpRequest,
    version: ProtocolVersion,
    *,
    heading: str,
    explanation: str,
    button: str,
    form: Any = None,
) -> HttpResponse:
    """The confirmation step of a privileged POST (also where re-authentication returns to)."""
    return render(
        request,
        "protocols/confirm.html",
        {
            "version": version,
            "heading": heading,
            "explanation": explanation,
            "button": button,
            "form": form,
        },
    )


@member(Role.COORDINATOR, recent_auth=True)
@require_http_methods(["GET", "POST"])
def version_circulate(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.version_get(viewer=_user(request), number=number)
    if request.method == "GET":
        if version.status == ProtocolStatus.DRAFT:
            circulation = editor_directory.circulation(version)
            if circulation["blocked"]:
                # Say why before anyone confirms: the law's findings first, with their reason.
                return render(
                    request,
                    "protocols/circulate_refused.html",
                    {"version": version, "circulation": circulation},
                )
        return _confirm(
            request,
            version,
            heading=_("Circulate version %(number)s") % {"number": version.number},
            explanation=str(
                _(
                    "Every member agency's signatory will be asked to approve or object. "
                    "The text cannot be edited while it circulates."
                )
            ),
            button=str(_("Circulate for sign-off")),
        )
    try:
        services.protocol_version_circulate(actor=_user(request), version=version)
    except AccordValidationError:
        messages.error(request, _("The draft was not circulated: see why below."))
        return HttpResponseRedirect(reverse("protocols:circulate", args=[version.number]))
    messages.success(
        request,
        _("Version %(number)s circulated to every member agency's signatory.")
        % {"number": version.number},
    )
    return HttpResponseRedirect(_detail_url(version))


@member(Role.COORDINATOR, recent_auth=True)
@require_http_methods(["GET", "POST"])
def version_withdraw(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.version_get(viewer=_user(request), number=number)
    if request.method == "GET":
        return _confirm(
            request,
            version,
            heading=f"Withdraw version {version.number}",
            explanation="The version stays readable but can never come into force.",
            button="Withdraw this version",
        )
    services.protocol_version_withdraw(actor=_user(request), version=version)
    messages.success(request, _("Version %(number)s withdrawn.") % {"number": version.number})
    return HttpResponseRedirect(_detail_url(version))


@member(Role.SIGNATORY, recent_auth=True)
@require_http_methods(["GET", "POST"])
def version_sign_off(request: HttpRequest, number: int) -> HttpResponse:
    user = _user(request)
    version = selectors.version_get(viewer=user, number=number)
    status = selectors.sign_off_status(version=version)
    mine = next((row.sign_off for row in status.rows if row.agency.pk == user.agency_id), None)
    initial = {"decision": mine.decision, "comment": mine.comment} if mine else None
    form = SignOffForm(request.POST or None, initial=initial)
    http_status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_off_record(
                actor=user,
                version=version,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except AccordValidationError as error:
            form.add_error(
                error.data.get("field") if error.data.get("field") in form.fields else None,
                error.message,
            )
            http_status = 400
        else:
            messages.success(
                request,
                _("Your agency's decision on version %(number)s is recorded.")
                % {"number": version.number},
            )
            return HttpResponseRedirect(_detail_url(version))
    elif form.errors:
        http_status = 400
    base = selectors.diff_base(version=version)
    return render(
        request,
        "protocols/sign_off.html",
        {
            "version": version,
            "form": form,
            "mine": mine,
            "base": base,
            "diff": diff_protocols(base.protocol, version.protocol) if base else None,
            "report": selectors.version_report(version=version),
            "sign_offs": status,
        },
        status=http_status,
    )


@member(Role.COORDINATOR, recent_auth=True)
@require_http_methods(["GET", "POST"])
def version_bring_into_force(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.version_get(viewer=_user(request), number=number)
    if request.method == "GET":
        return _confirm(
            request,
            version,
            heading=f"Bring version {version.number} into force",
            explanation="Every member agency has approved. The version in force now is superseded.",
            button="Bring into force",
            form=BringIntoForceForm(),
        )
    form = BringIntoForceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the effective date."))
        return HttpResponseRedirect(_detail_url(version))
    try:
        services.protocol_version_bring_into_force(
            actor=_user(request),
            version=version,
            effective_date=form.cleaned_data["effective_date"],
        )
    except AccordValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Version %(number)s is in force.") % {"number": version.number})
    return HttpResponseRedirect(_detail_url(version))


# -- handbook --------------------------------------------------------------------------------


def _handbook_version(request: HttpRequest, number: int | None) -> ProtocolVersion:
    user = _user(request)
    if number is not None:
        return selectors.version_get(viewer=user, number=number)
    version = selectors.protocol_in_force(task_force=user.agency.task_force)
    if version is None:
        raise NotFound(gettext("No version is in force yet."))
    return version


def _sector(request: HttpRequest) -> str | None:
    sector = request.GET.get("sector") or None
    if sector and sector not in {s.value for s in Sector}:
        raise NotFound(gettext("No such sector."))
    return sector


@member()
@require_http_methods(["GET"])
def handbook(request: HttpRequest, number: int | None = None) -> HttpResponse:
    version = _handbook_version(request, number)
    sector = _sector(request)
    book = build_handbook(version=version, sector=sector)
    handbook_view_record(actor=_user(request), version=version, sector=sector)
    return render(
        request,
        "protocols/handbook.html",
        {
            "version": version,
            "handbook_html": render_handbook_html(book, standalone=False),
            "sector": sector,
            "sectors": [(s.value, s.value.replace("_", " ").capitalize()) for s in Sector],
        },
    )


@member(recent_auth=True)
@require_http_methods(["GET"])
def handbook_pdf(request: HttpRequest, number: int | None = None) -> HttpResponse:
    version = _handbook_version(request, number)
    sector = _sector(request)
    pdf = handbook_export(actor=_user(request), version=version, sector=sector)
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = f"-{sector}" if sector else ""
    response["Content-Disposition"] = (
        f'attachment; filename="protocol-v{version.number}{suffix}.pdf"'
    )
    return response


# -- drills ----------------------------------------------------------------------------------


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def drills(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    task_force = user.agency.task_force
    form = ScenarioForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.drill_scenario_save(
                actor=user,
                task_force=task_force,
                name=form.cleaned_data["name"],
                facts=form.cleaned_data["facts"],
                notes=form.cleaned_data["notes"],
            )
        except AccordValidationError as error:
            form.add_error(
                error.data.get("field") if error.data.get("field") in form.fields else None,
                error.message,
            )
            status = 400
        else:
            messages.success(request, _("Scenario saved."))
            return HttpResponseRedirect(reverse("protocols:drills"))
    elif form.errors:
        status = 400
    return render(
        request,
        "protocols/drills.html",
        {
            "form": form,
            "scenarios": selectors.drill_scenarios(task_force_id=task_force.pk),
            "versions": selectors.protocol_versions(task_force=task_force),
            "in_force": selectors.protocol_in_force(task_force=task_force),
        },
        status=status,
    )


@member(Role.COORDINATOR)
@require_POST
def drill_scenario_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    scenario = selectors.drill_scenarios(task_force_id=user.task_force_id).filter(pk=pk).first()
    if scenario is None:
        raise NotFound(gettext("No such scenario."))
    services.drill_scenario_delete(actor=user, scenario=scenario)
    messages.success(request, _("Scenario deleted."))
    return HttpResponseRedirect(reverse("protocols:drills"))


@member(Role.COORDINATOR)
@require_http_methods(["GET"])
def drill_run(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    task_force = user.agency.task_force

    def version_param(name: str) -> ProtocolVersion | None:
        raw = request.GET.get(name)
        if not raw:
            return None
        try:
            return selectors.version_get(viewer=user, number=int(raw))
        except ValueError as error:
            raise NotFound(gettext("No such protocol version.")) from error

    version = version_param("version") or selectors.protocol_in_force(task_force=task_force)
    if version is None:
        raise NotFound(gettext("Choose a version to drill."))
    compare = version_param("compare")
    scenarios = [
        Scenario(name=s.name, facts=s.facts, notes=s.notes)
        for s in selectors.drill_scenarios(task_force_id=task_force.pk)
    ]
    context: dict[str, Any] = {"version": version, "compare": compare, "scenarios": scenarios}
    if compare is not None:
        context["compared"] = compare_drill(compare.protocol, version.protocol, scenarios)
    else:
        context["runs"] = run_drill(version.protocol, scenarios)
    return render(request, "protocols/drill_result.html", context)
