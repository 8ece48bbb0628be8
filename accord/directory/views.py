"""Directory pages: thin views over selectors, search and services.

Every view declares its access (S8); objects of another task force are 404.
Addresses of confidential locations reach templates only through
``location_view``, which consults ``location_address_visible``.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts.models import Role, User
from accord.errors import AccordError, ConflictError
from accord.web.access import member

from . import selectors, services
from .forms import CapacityForm, ImportForm, SearchForm, VersionForm
from .hsds import DirectoryImportError
from .search import directory_search
from .vocabulary import SERVICE_TYPES, language_name


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@member()
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    outcome = None
    if form.is_bound and form.is_valid():
        outcome = directory_search(
            task_force_id=_user(request).task_force_id,  # type: ignore[arg-type]
            query=form.to_query(),
        )
    return render(
        request,
        "directory/search.html",
        {"form": form, "outcome": outcome, "service_types": SERVICE_TYPES},
    )


@member()
def organization_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organizations = (
        selectors.organizations_for(task_force_id=user.task_force_id)  # type: ignore[arg-type]
        .prefetch_related("services")
        .order_by("name")
    )
    return render(request, "directory/organization_list.html", {"organizations": organizations})


@member()
def organization_detail(request: HttpRequest, organization_id: int) -> HttpResponse:
    user = _user(request)
    organization = selectors.organization_get(viewer=user, organization_id=organization_id)
    locations = [
        selectors.location_view(viewer=user, location=location)
        for location in organization.locations.prefetch_related(
            "addresses", "disclosures", "phones", "schedules"
        )
    ]
    return render(
        request,
        "directory/organization_detail.html",
        {
            "organization": organization,
            "phones_24_7": selectors.organization_24_7_phones(organization),
            "phones": organization.phones.all(),
            "contacts": organization.contacts.prefetch_related("phones"),
            "locations": locations,
            "services": organization.services.order_by("name"),
            "stale": selectors.is_stale(last_verified_at=organization.last_verified_at),
            "may_maintain": selectors.may_maintain(viewer=user, organization=organization),
        },
    )


@member()
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    user = _user(request)
    service = selectors.service_get(viewer=user, service_id=service_id)
    locations = [
        selectors.location_view(viewer=user, location=link.location)
        for link in service.at_locations.select_related("location__organization").prefetch_related(
            "location__addresses",
            "location__disclosures",
            "location__phones",
            "location__schedules",
        )
    ]
    may_maintain = selectors.may_maintain(viewer=user, organization=service.organization)
    return render(
        request,
        "directory/service_detail.html",
        {
            "service": service,
            "organization": service.organization,
            "phones_24_7": selectors.organization_24_7_phones(service.organization),
            "languages": [
                (language.code, language.name or language_name(language.code))
                for language in service.languages.all()
            ],
            "service_types": [SERVICE_TYPES.get(t, t) for t in sorted(service.service_type_set)],
            "locations": locations,
            "stale": selectors.is_stale(last_verified_at=service.last_verified_at),
            "may_maintain": may_maintain,
            "capacity_form": CapacityForm(
                initial={
                    "version": service.version,
                    "beds_available": service.beds_available,
                    "beds_total": service.beds_total,
                }
            ),
        },
    )


@member()
@require_POST
def service_capacity(request: HttpRequest, service_id: int) -> HttpResponse:
    user = _user(request)
    service = selectors.service_get(viewer=user, service_id=service_id)
    target = reverse("directory:service", args=[service.pk])
    form = CapacityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Capacity not saved: " + _form_errors(form))
        return HttpResponseRedirect(target)
    try:
        services.capacity_update(
            actor=user,
            service=service,
            expected_version=form.cleaned_data["version"],
            beds_available=form.cleaned_data["beds_available"],
            beds_total=form.cleaned_data.get("beds_total"),
        )
    except ConflictError as error:
        messages.error(request, error.message)
    except AccordError as error:
        if error.code == "forbidden":
            raise
        messages.error(request, f"Capacity not saved: {error.message}")
    else:
        messages.success(request, "Capacity updated.")
    return HttpResponseRedirect(target)


def _verify(request: HttpRequest, *, record, target: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not verified: the form was incomplete.")
        return HttpResponseRedirect(target)
    try:
        services.entry_verify(
            actor=_user(request), record=record, expected_version=form.cleaned_data["version"]
        )
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{record.name} marked verified today.")
    return HttpResponseRedirect(
        (request.POST.get("next_page") == "upkeep" and reverse("directory:upkeep")) or target
    )


@member()
@require_POST
def service_verify(request: HttpRequest, service_id: int) -> HttpResponse:
    service = selectors.service_get(viewer=_user(request), service_id=service_id)
    return _verify(request, record=service, target=reverse("directory:service", args=[service.pk]))


@member()
@require_POST
def organization_verify(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = selectors.organization_get(
        viewer=_user(request), organization_id=organization_id
    )
    return _verify(
        request,
        record=organization,
        target=reverse("directory:organization", args=[organization.pk]),
    )


@member(Role.COORDINATOR)
def upkeep(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    report = selectors.directory_upkeep(task_force=user.agency.task_force)  # type: ignore[union-attr]
    return render(
        request,
        "directory/upkeep.html",
        {"report": report, "stale_days": selectors.stale_after().days},
    )


@member(Role.COORDINATOR, recent_auth=True)
def export(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    records, _summary = services.directory_export(
        actor=user,
        task_force=user.agency.task_force,  # type: ignore[union-attr]
    )
    response = HttpResponse(
        json.dumps(records, indent=2, ensure_ascii=False), content_type="application/json"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="directory-hsds-{stamp}.json"'
    return response


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.directory_import(
                actor=user,
                task_force=user.agency.task_force,  # type: ignore[union-attr]
                source=services.ImportSource(content=upload.read(), name=upload.name[:100]),
                dry_run=form.cleaned_data["dry_run"],
            )
        except DirectoryImportError as error:
            problems = [str(problem) for problem in error.problems]
    return render(
        request,
        "directory/import.html",
        {"form": form, "report": report, "problems": problems},
        status=400 if problems else 200,
    )


def _form_errors(form) -> str:  # type: ignore[no-untyped-def]
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
