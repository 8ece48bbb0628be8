"""Directory pages: thin views over selectors, search and services.

Every view declares its access (S8); objects of another task force are 404.
Addresses of confidential locations reach templates only through
``location_views``, which consults ``location_address_visible`` and audits each
disclosure before the page is rendered (a failed audit write answers 503).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts.access import member
from accord.accounts.models import Role, User
from accord.errors import AccordError, ConflictError, NotFound, PermissionDenied, ValidationError

from . import forms, imports, selectors, services
from .forms import CapacityForm, ImportForm, SearchForm, VersionForm
from .hsds import DirectoryImportError
from .models import Location, Organization, Service
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
    return render(
        request,
        "directory/organization_list.html",
        {"organizations": organizations, "may_create": user.has_role(Role.COORDINATOR)},
    )


@member()
def organization_detail(request: HttpRequest, organization_id: int) -> HttpResponse:
    user = _user(request)
    organization = selectors.organization_get(viewer=user, organization_id=organization_id)
    locations = selectors.location_views(
        viewer=user,
        locations=organization.locations.prefetch_related(
            "addresses", "disclosures", "phones", "schedules"
        ),
        purpose="organization page",
    )
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
            "may_add_service": user.has_role(Role.COORDINATOR),
            "may_disclose": organization.agency_id is not None
            and organization.agency_id == user.agency_id,
        },
    )


@member()
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    user = _user(request)
    service = selectors.service_get(viewer=user, service_id=service_id)
    locations = selectors.location_views(
        viewer=user,
        locations=[
            link.location
            for link in service.at_locations.select_related(
                "location__organization"
            ).prefetch_related(
                "location__addresses",
                "location__disclosures",
                "location__phones",
                "location__schedules",
            )
        ],
        purpose="service page",
    )
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
        messages.error(request, _("Capacity not saved: ") + _form_errors(form))
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
        messages.error(request, _("Capacity not saved: %(message)s") % {"message": error.message})
    else:
        messages.success(request, _("Capacity updated."))
    return HttpResponseRedirect(target)


def _verify(request: HttpRequest, *, record, target: str) -> HttpResponse:
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not verified: the form was incomplete."))
        return HttpResponseRedirect(target)
    try:
        services.entry_verify(
            actor=_user(request), record=record, expected_version=form.cleaned_data["version"]
        )
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s marked verified today.") % {"name": record.name})
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
    """Small files are imported while the coordinator waits; large ones go to the worker."""
    user = _user(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content, name = upload.read(), upload.name[:100]
        task_force = user.agency.task_force  # type: ignore[union-attr]
        dry_run = form.cleaned_data["dry_run"]
        try:
            if imports.import_runs_in_background(len(content)):
                run = imports.directory_import_request(
                    actor=user, task_force=task_force, name=name, content=content, dry_run=dry_run
                )
                return redirect("directory:import_status", import_id=run.pk)
            report = services.directory_import(
                actor=user,
                task_force=task_force,
                source=services.ImportSource(content=content, name=name),
                dry_run=dry_run,
            )
        except DirectoryImportError as error:
            problems = [str(problem) for problem in error.problems]
        except ValidationError as error:
            problems = [error.message]
    status = 400 if problems or (request.method == "POST" and form.errors) else 200
    return render(
        request,
        "directory/import.html",
        {
            "form": form,
            "report": report,
            "problems": problems,
            "recent": selectors.directory_imports_recent(viewer=user),
        },
        status=status,
    )


@member(Role.COORDINATOR)
@require_http_methods(["GET"])
def import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """A background import's status; the page polls itself (htmx) until the run ends."""
    run = selectors.directory_import_get(viewer=_user(request), import_id=import_id)
    return render(request, "directory/import_status.html", {"run": run})


def _form_errors(form) -> str:
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


# --- editing the directory ------------------------------------------------------------------

CONFLICT_HELP = (
    "Your input is kept below. Compare it with the entry as it is now (shown above the form), "
    "then save again to replace it with your input, or reload the page to start again from "
    "the current entry."
)


def _require_maintainer(user: User, organization: Organization) -> None:
    if not selectors.may_maintain(viewer=user, organization=organization):
        raise PermissionDenied(
            gettext(
                "Only coordinators and users of this organization's agency may change its entry."
            )
        )


def _form_error(form: django_forms.Form, error: ValidationError) -> None:
    """Put a service's refusal next to the field it names, else at the top of the form."""
    field = error.data.get("field")
    if field == "jurisdictions":
        field = "new_jurisdictions" if "new_jurisdictions" in form.fields else field
    form.add_error(
        field if isinstance(field, str) and field in form.fields else None, error.message
    )


def _version_read(request: HttpRequest, *, default: int) -> int:
    """The version the editor's page was opened at: a refused form keeps it, so fixing a
    typo and saving again cannot overwrite a change made in between."""
    if request.method != "POST":
        return default
    try:
        return max(1, int(request.POST.get("version", "")))
    except ValueError:
        return default


def _service_initial(service: Service) -> dict[str, object]:
    return {
        "version": service.version,
        "name": service.name,
        "description": service.description,
        "service_types": sorted(service.service_type_set),
        "languages": ", ".join(selectors.service_languages(service)),
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "genders": sorted(service.gender_set),
        "citizenship": sorted(service.citizenship_set),
        "trafficking_types": sorted(service.trafficking_type_set),
        "eligibility_description": service.eligibility_description,
        "jurisdictions": list(selectors.service_jurisdictions(service)),
        "is_24_7": service.is_24_7,
        "schedule_notes": selectors.service_schedule_notes(service),
        "status": service.status,
    }


def _service_summary(service: Service) -> list[tuple[str, str]]:
    """The entry as stored now, in words: shown beside the form after a conflict."""
    ages = (
        "all ages"
        if service.minimum_age is None and service.maximum_age is None
        else f"{service.minimum_age if service.minimum_age is not None else 0}-"
        f"{service.maximum_age if service.maximum_age is not None else 'any'}"
    )
    return [
        ("Name", service.name),
        ("Description", service.description or "—"),
        ("Service types", ", ".join(sorted(service.service_type_set)) or "—"),
        ("Languages", ", ".join(selectors.service_languages(service)) or "—"),
        ("Ages", ages),
        ("Genders", ", ".join(sorted(service.gender_set)) or "all"),
        ("Citizenship or status", ", ".join(sorted(service.citizenship_set)) or "any"),
        ("Trafficking types", ", ".join(sorted(service.trafficking_type_set)) or "any"),
        ("Eligibility notes", service.eligibility_description or "—"),
        ("Service area", ", ".join(selectors.service_jurisdictions(service)) or "not limited"),
        ("24/7", "yes" if service.is_24_7 else "no"),
        ("Schedule notes", selectors.service_schedule_notes(service) or "—"),
        ("Status", service.get_status_display()),
    ]


@member()
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    """Maintainers change a service; a stale save is refused and the typed input kept (S23)."""
    user = _user(request)
    service = selectors.service_get(viewer=user, service_id=service_id)
    _require_maintainer(user, service.organization)
    options: dict[str, Any] = {
        "jurisdictions": selectors.known_jurisdictions(task_force_id=service.task_force_id),
        "current_status": service.status,
    }
    status, current = 200, None
    version = _version_read(request, default=service.version)
    if request.method == "POST":
        form = forms.ServiceEditForm(request.POST, **options)
        if not form.is_valid():
            status = 400
        else:
            try:
                services.service_update(
                    actor=user,
                    service=service,
                    expected_version=form.cleaned_data["version"],
                    changes=form.to_changes(),
                )
            except ConflictError as error:
                form.add_error(
                    None,
                    _("%(message)s %(CONFLICT_HELP)s")
                    % {"message": error.message, "CONFLICT_HELP": CONFLICT_HELP},
                )
                current, status = service, 409
                version = service.version  # saving again is now a choice made knowingly
            except ValidationError as error:
                _form_error(form, error)
                status = 400
            else:
                messages.success(request, _("%(name)s: changes saved.") % {"name": service.name})
                return redirect("directory:service", service_id=service.pk)
    else:
        form = forms.ServiceEditForm(initial=_service_initial(service), **options)
    return render(
        request,
        "directory/service_form.html",
        {
            "form": form,
            "organization": service.organization,
            "service": service,
            "version": version,
            "current": _service_summary(current) if current else None,
            "title": f"Edit {service.name}",
        },
        status=status,
    )


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest, organization_id: int) -> HttpResponse:
    user = _user(request)
    organization = selectors.organization_get(viewer=user, organization_id=organization_id)
    options: dict[str, Any] = {
        "jurisdictions": selectors.known_jurisdictions(task_force_id=organization.task_force_id)
    }
    status = 200
    if request.method == "POST":
        form = forms.ServiceCreateForm(request.POST, **options)
        if not form.is_valid():
            status = 400
        else:
            try:
                service = services.service_create(
                    actor=user,
                    organization=organization,
                    slug=form.cleaned_data["slug"],
                    changes=form.to_changes(),
                )
            except ValidationError as error:
                _form_error(form, error)
                status = 400
            else:
                messages.success(
                    request,
                    _("%(name)s added to %(name2)s.")
                    % {"name": service.name, "name2": organization.name},
                )
                return redirect("directory:service", service_id=service.pk)
    else:
        form = forms.ServiceCreateForm(initial={"status": "active"}, **options)
    return render(
        request,
        "directory/service_form.html",
        {
            "form": form,
            "organization": organization,
            "title": f"Add a service to {organization.name}",
        },
        status=status,
    )


def _reach_initial(organization: Organization) -> tuple[list[dict], list[dict]]:
    phones = [
        {
            "id": phone.pk,
            "number": phone.number,
            "extension": phone.extension,
            "type": phone.type if phone.type in services.PHONE_TYPES else "",
            "description": phone.description,
            "is_24_7": phone.is_24_7,
        }
        for phone in organization.phones.order_by("-is_24_7", "pk")
    ]
    contacts = [
        {
            "id": contact.pk,
            "name": contact.name,
            "title": contact.title,
            "department": contact.department,
            "email": contact.email,
        }
        for contact in organization.contacts.order_by("pk")
    ]
    return phones, contacts


def _formset_errors(*formsets: django_forms.BaseFormSet) -> bool:
    return any(not formset.is_valid() for formset in formsets)


@member()
@require_http_methods(["GET", "POST"])
def organization_reach(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Maintainers edit an organization's own phones (24/7 flag) and contacts."""
    user = _user(request)
    organization = selectors.organization_get(viewer=user, organization_id=organization_id)
    _require_maintainer(user, organization)
    status, problems, current = 200, [], None
    version = _version_read(request, default=organization.version)
    if request.method == "POST":
        version_form = forms.VersionForm(request.POST)
        phones = forms.PhoneFormSet(request.POST, prefix="phones")
        contacts = forms.ContactFormSet(request.POST, prefix="contacts")
        if _formset_errors(phones, contacts) or not version_form.is_valid():
            status = 400
            problems.append("Nothing was saved: correct the fields marked below.")
        else:
            try:
                services.organization_reach_update(
                    actor=user,
                    organization=organization,
                    expected_version=version_form.cleaned_data["version"],
                    phones=forms.kept_entries(phones),
                    contacts=forms.kept_entries(contacts),
                )
            except ConflictError as error:
                problems.append(f"{error.message} {CONFLICT_HELP}")
                current, status = organization, 409
                version = organization.version  # saving again is now a choice made knowingly
            except ValidationError as error:
                problems.append(f"Nothing was saved: {error.message}")
                status = 400
            else:
                messages.success(
                    request, _("%(name)s: phones and contacts saved.") % {"name": organization.name}
                )
                return redirect("directory:organization", organization_id=organization.pk)
    else:
        phone_rows, contact_rows = _reach_initial(organization)
        phones = forms.PhoneFormSet(initial=phone_rows, prefix="phones")
        contacts = forms.ContactFormSet(initial=contact_rows, prefix="contacts")
    return render(
        request,
        "directory/organization_reach.html",
        {
            "organization": organization,
            "phones": phones,
            "contacts": contacts,
            "version": version,
            "problems": problems,
            "current_phones": current.phones.all() if current else None,
            "current_contacts": current.contacts.all() if current else None,
            "contact_phones": [
                (contact.name or contact.title, [str(phone) for phone in contact.phones.all()])
                for contact in organization.contacts.prefetch_related("phones")
                if contact.phones.all()
            ],
        },
        status=status,
    )


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    """Coordinators add an organization with its phones (24/7 flag) and contacts."""
    user = _user(request)
    task_force = user.agency.task_force  # type: ignore[union-attr]
    status, problems = 200, []
    if request.method == "POST":
        form = forms.OrganizationCreateForm(request.POST, task_force_id=task_force.pk)
        phones = forms.PhoneFormSet(request.POST, prefix="phones")
        contacts = forms.ContactFormSet(request.POST, prefix="contacts")
        if _formset_errors(phones, contacts) or not form.is_valid():
            status = 400
            problems.append("Nothing was saved: correct the fields marked below.")
        else:
            data = form.cleaned_data
            try:
                organization = services.organization_create(
                    actor=user,
                    task_force=task_force,
                    slug=data["slug"],
                    name=data["name"],
                    description=data["description"],
                    agency=data["agency"],
                    email=data["email"],
                    website=data["website"],
                    phones=forms.kept_entries(phones),
                    contacts=forms.kept_entries(contacts),
                )
            except ValidationError as error:
                _form_error(form, error)
                if error.data.get("field") in ("phones", "contacts"):
                    problems.append(f"Nothing was saved: {error.message}")
                status = 400
            else:
                messages.success(
                    request,
                    _("%(name)s added. Now add its services.") % {"name": organization.name},
                )
                return redirect("directory:organization", organization_id=organization.pk)
    else:
        form = forms.OrganizationCreateForm(task_force_id=task_force.pk)
        phones = forms.PhoneFormSet(prefix="phones")
        contacts = forms.ContactFormSet(prefix="contacts")
    return render(
        request,
        "directory/organization_form.html",
        {"form": form, "phones": phones, "contacts": contacts, "problems": problems},
        status=status,
    )


def _disclosure_location(request: HttpRequest, location_id: int) -> Location:
    """The location, for its provider's users only: to anyone else it does not exist here."""
    location = selectors.location_get(viewer=_user(request), location_id=location_id)
    if not selectors.may_disclose(viewer=_user(request), location=location):
        raise NotFound(gettext("No such location in your task force's directory."))
    return location


@member()
@require_http_methods(["GET", "POST"])
def location_disclosures(request: HttpRequest, location_id: int) -> HttpResponse:
    """Who sees a confidential address now; the provider names another agency here."""
    user = _user(request)
    location = _disclosure_location(request, location_id)
    agencies = selectors.disclosable_agencies(location=location)
    status = 200
    if request.method == "POST":
        form = forms.DisclosureForm(request.POST, agencies=agencies)
        if form.is_valid():
            agency = form.cleaned_data["agency"]
            try:
                services.location_disclose(actor=user, location=location, agency=agency)
            except ValidationError as error:
                _form_error(form, error)
                status = 400
            else:
                messages.success(
                    request,
                    _("%(name)s now sees the address of %(value)s.")
                    % {"name": agency.name, "value": location.name or "it"},
                )
                return redirect("directory:location_disclosures", location_id=location.pk)
        else:
            status = 400
    else:
        form = forms.DisclosureForm(agencies=agencies)
    return render(
        request,
        "directory/location_disclosures.html",
        {
            "location": location,
            "organization": location.organization,
            "audience": selectors.location_address_audience(viewer=user, location=location),
            "form": form,
            "may_add": agencies.exists(),
        },
        status=status,
    )


@member()
@require_POST
def location_disclosure_withdraw(
    request: HttpRequest, location_id: int, agency_id: int
) -> HttpResponse:
    user = _user(request)
    location = _disclosure_location(request, location_id)
    disclosure = location.disclosures.select_related("agency").filter(agency_id=agency_id).first()
    if disclosure is None:
        messages.error(request, _("That agency was not named for this location; nothing changed."))
    else:
        services.location_disclosure_withdraw(
            actor=user, location=location, agency=disclosure.agency
        )
        messages.success(
            request,
            _("%(name)s no longer sees the address (from its next page).")
            % {"name": disclosure.agency.name},
        )
    return redirect("directory:location_disclosures", location_id=location.pk)
