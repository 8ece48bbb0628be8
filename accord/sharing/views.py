"""Sharing pages: "why can I see this?" and the release pages. Thin: parse, one selector or
service, render.

The release pages are for advocates of the victim's serving provider (and, for one
release's record, the auditors of that provider). Anyone else asking for a victim or a
release gets 404, whether it exists or not (S8). The victim and the case are read
through the door; a refused form keeps what was typed and stores nothing (S24).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.accounts.access import member
from accord.accounts.models import Role, User
from accord.errors import NotFound
from accord.errors import ValidationError as AccordValidationError
from accord.zones import local_time

from . import door, selectors, wording
from .forms import (
    LanguageForm,
    ReleaseForm,
    RevokeForm,
    WordingForm,
    show_service_errors,
)
from .services import (
    WordingInput,
    consent_max_days,
    consent_record,
    consent_revoke,
    consent_text_add,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@member()
def why(
    request: HttpRequest, case_id: int, kind: str, record_id: int, field_name: str
) -> HttpResponse:
    """Name the basis of one field (rule and its note, release, own agency) or the reason it is
    withheld. Auditors may add ``?user=<id>`` for a user of their own agency."""
    subject = None
    if request.GET.get("user"):
        try:
            subject_id = int(request.GET["user"])
        except ValueError:
            raise NotFound(_("No such user.")) from None
        subject = User.objects.filter(pk=subject_id).select_related("agency").first()
        if subject is None:
            raise NotFound(_("No such user."))
    explanation = door.field_explanation(
        viewer=request.user,  # type: ignore[arg-type]
        case_id=case_id,
        kind=kind,
        record_id=record_id,
        field_name=field_name,
        subject=subject,
    )
    template = "sharing/_why.html" if getattr(request, "htmx", False) else "sharing/why.html"
    return render(request, template, {"why": explanation})


# --- release pages ----------------------------------------------------------------------------


def _revoke_prefix(release_id: int) -> str:
    return f"revoke-{release_id}"


def _victim_page(
    request: HttpRequest,
    victim: door.ServedVictim,
    *,
    refused: RevokeForm | None = None,
    refused_id: int | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = selectors.releases_of_victim(viewer=_user(request), victim=victim)
    entries = [
        (
            row,
            refused
            if refused is not None and row.id == refused_id
            else RevokeForm(prefix=_revoke_prefix(row.id)),
        )
        for row in rows
    ]
    return render(
        request,
        "sharing/victim_releases.html",
        {"victim": victim, "entries": entries},
        status=status,
    )


@member(Role.ADVOCATE)
@require_http_methods(["GET"])
def victim_releases(request: HttpRequest, victim_id: int) -> HttpResponse:
    """One victim's releases recorded by the viewer's agency, each with a revoke form."""
    victim = door.served_victim(viewer=_user(request), victim_id=victim_id)
    return _victim_page(request, victim)


@member(Role.ADVOCATE)
@require_http_methods(["GET", "POST"])
def release_new(request: HttpRequest, victim_id: int) -> HttpResponse:
    """Record a release: the advocate chooses the victim's language, the victim reads (or is
    read) the task force's wording in it, names the agencies, the categories, the purpose and
    the expiry ("Show the text" fills them in), and signs."""
    user = _user(request)
    victim = door.served_victim(viewer=user, victim_id=victim_id)
    choice = selectors.release_wording_choice(
        task_force_id=victim.facts.task_force_id,
        victim_languages=victim.languages,
        requested=request.GET.get("language", ""),
    )
    text = choice.chosen
    context: dict[str, object] = {"victim": victim, "consent_text": text, "form": None}
    if text is None:
        return render(
            request,
            "sharing/release_new.html",
            context,
            status=400 if request.method == "POST" else 200,
        )
    form = ReleaseForm(
        request.POST or None,
        request.FILES or None,
        task_force_id=victim.facts.task_force_id,
        producer_id=user.agency_id,  # type: ignore[arg-type]
        consent_text=text,
        age_known=victim.age is not None,
    )
    language_form = LanguageForm(initial={"language": text.language_code}, texts=choice.texts)
    context.update(
        form=form,
        max_days=consent_max_days(),
        language_form=language_form,
        from_victim=choice.from_victim,
    )
    valid = request.method == "POST" and form.is_valid()
    data = form.cleaned_data if valid else {}
    shown = data.get("consent_text") or text
    context.update(
        consent_text=shown,
        text_preview=selectors.release_preview(
            viewer=user,
            consent_text=shown,
            recipients=list(data.get("recipients") or ()),
            categories=list(data.get("categories") or ()),
            expires_at=form.expires_at() if valid else None,
        ),
    )
    if valid and "preview" not in request.POST:
        try:
            release = consent_record(
                actor=user,
                victim=victim.facts,
                recipients=list(data["recipients"]),
                categories=list(data["categories"]),
                purpose=data["purpose"],
                expires_at=form.expires_at(),
                consent_text=data["consent_text"],
                signature_method=data["signature_method"],
                signed_form=data.get("signed_form"),
                signer_typed_name=data["signer_typed_name"],
                signer_agreed=data["signer_agreed"],
                signer_ip=request.META.get("REMOTE_ADDR", ""),
                victim_is_minor=form.minor_answer(),
                guardian_name=data["guardian_name"],
                guardian_relationship=data["guardian_relationship"],
                guardian_attested_non_abusive=data["guardian_attested_non_abusive"],
            )
        except AccordValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Release #%(pk)s recorded; it is in effect until %(local_time)s.")
                % {
                    "pk": release.pk,
                    "local_time": local_time(release.expires_at, timezone.get_current_timezone()),
                },
            )
            return redirect("sharing:release_detail", release_id=release.pk)
    return render(request, "sharing/release_new.html", context, status=400 if form.errors else 200)


@member(Role.ADVOCATE)
@require_http_methods(["POST"])
def release_revoke(request: HttpRequest, release_id: int) -> HttpResponse:
    """Revoke at once: the recipients' next request no longer shows the records."""
    user = _user(request)
    release = selectors.release_to_revoke(viewer=user, release_id=release_id)
    victim = door.served_victim(viewer=user, victim_id=release.victim_id)
    form = RevokeForm(request.POST, prefix=_revoke_prefix(release.pk))
    if not form.is_valid():
        return _victim_page(request, victim, refused=form, refused_id=release.pk, status=400)
    consent_revoke(actor=user, consent=release, reason=form.cleaned_data["reason"])
    messages.success(
        request,
        _("Release #%(pk)s revoked: the named agencies no longer see the records.")
        % {"pk": release.pk},
    )
    return redirect("sharing:victim_releases", victim_id=victim.id)


@member(Role.ADVOCATE, Role.AUDITOR)
@require_http_methods(["GET"])
def release_detail(request: HttpRequest, release_id: int) -> HttpResponse:
    """Everything recorded about one release (the signed form only as a download link)."""
    user = _user(request)
    detail = selectors.release_detail(viewer=user, release_id=release_id)
    return render(
        request,
        "sharing/release_detail.html",
        {"release": detail, "is_advocate": user.has_role(Role.ADVOCATE)},
    )


@member(Role.ADVOCATE, recent_auth=True)
@require_http_methods(["GET"])
def release_signed_form(request: HttpRequest, release_id: int) -> HttpResponse:
    """The uploaded signed form, as an attachment never rendered inline (audited as an export)."""
    form = selectors.signed_form_export(viewer=_user(request), release_id=release_id)
    response = HttpResponse(form.content, content_type=form.content_type)
    response["Content-Disposition"] = f'attachment; filename="{form.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member(Role.ADVOCATE)
@require_http_methods(["GET"])
def releases_index(request: HttpRequest) -> HttpResponse:
    """The agency's releases in effect; those expiring within 7 days first (only those with
    ``?expiring=1``, as the dashboard's count links it)."""
    user = _user(request)
    return render(
        request,
        "sharing/releases_index.html",
        {
            "releases": selectors.agency_releases(viewer=user),
            "is_provider": door.is_provider_advocate(user),
            "expiring_only": request.GET.get("expiring") == "1",
        },
    )


@member(Role.ADVOCATE, Role.AUDITOR)
@require_http_methods(["GET"])
def release_print(request: HttpRequest, release_id: int) -> HttpResponse:
    """The release as the victim was shown it, in their language, laid out for paper with
    signature lines (audited as a print)."""
    printable = selectors.release_printable(viewer=_user(request), release_id=release_id)
    return render(request, "sharing/release_print.html", {"printable": printable})


@member(Role.ADVOCATE, Role.AUDITOR)
@require_http_methods(["GET"])
def revocation_notice_print(request: HttpRequest, release_id: int) -> HttpResponse:
    """The revocation notice, in the release's language, for the victim to keep."""
    printable = selectors.release_printable(
        viewer=_user(request), release_id=release_id, notice=True
    )
    return render(request, "sharing/release_print.html", {"printable": printable})


# --- the victim-facing wording (coordinators) -------------------------------------------------


@member(Role.COORDINATOR)
@require_http_methods(["GET"])
def wording_index(request: HttpRequest) -> HttpResponse:
    """The languages victims can read a release in, each with its newest wording."""
    user = _user(request)
    return render(
        request,
        "sharing/wording_index.html",
        {"texts": selectors.consent_texts_current(task_force_id=user.task_force_id or 0)},
    )


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def wording_new(request: HttpRequest) -> HttpResponse:
    """Add a language (or, with ``?from=<code>``, a new version of one, prefilled)."""
    user = _user(request)
    initial = selectors.wording_initial(
        task_force_id=user.task_force_id or 0, code=request.GET.get("from", "")
    )
    form = WordingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            text = consent_text_add(
                actor=user,
                entry=WordingInput(
                    language=data["language"],
                    language_code=data["language_code"],
                    text=data["text"],
                    revocation_notice=data["revocation_notice"],
                    category_words=form.category_words(),
                    signature_label=data["signature_label"],
                    guardian_signature_label=data["guardian_signature_label"],
                    date_label=data["date_label"],
                ),
            )
        except AccordValidationError as error:
            show_service_errors(form, error, names={})
        else:
            messages.success(
                request,
                _(
                    "%(language)s added (version %(version)s): new releases can be "
                    "recorded in it. Releases already recorded keep the text they were "
                    "shown."
                )
                % {"language": text.language, "version": text.version},
            )
            return redirect("sharing:wording")
    return render(
        request,
        "sharing/wording_new.html",
        {
            "form": form,
            "release_placeholders": wording.RELEASE_PLACEHOLDERS,
            "notice_placeholders": wording.NOTICE_PLACEHOLDERS,
            "is_new_version": bool(initial),
        },
        status=400 if form.errors else 200,
    )
