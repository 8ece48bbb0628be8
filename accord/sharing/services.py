"""Writes of the sharing layer: recording, revoking and reminding about releases (S10).

Every change is audited as ``CONSENT_CHANGED`` with agency slugs and category
names only (never the victim's or a guardian's name). Nothing here is a
precondition for services: no case write waits for a release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import Agency
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.core.model import Sector
from accord.errors import NotFound, PermissionDenied, ValidationError
from accord.mail import email_on_commit
from accord.zones import local_time, zone_of

from . import wording
from .categories import CONSENT_CATEGORIES
from .models import ConsentText, Release, SignatureMethod
from .uploads import signed_form_store

if TYPE_CHECKING:
    from accord.accounts.models import User

EXPIRY_NOTICE_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class VictimFacts:
    """What the consent services need to know about a potential victim."""

    id: int
    case_id: int
    task_force_id: int
    serving_provider_ids: frozenset[int]
    age: int | None = None


def victim_facts(victim: Any) -> VictimFacts:
    """Accept ``VictimFacts`` or a ``cases.PotentialVictim`` (serving provider = the victim's
    own, plus the case's serving-provider participants)."""
    if isinstance(victim, VictimFacts):
        return victim
    case = victim.case
    serving = {p.agency_id for p in case.participants.all() if p.is_serving_provider}
    if victim.serving_provider_id:
        serving.add(victim.serving_provider_id)
    return VictimFacts(
        id=victim.pk,
        case_id=case.pk,
        task_force_id=case.task_force_id,
        serving_provider_ids=frozenset(serving),
        age=victim.age,
    )


def task_force_zone(task_force_id: int) -> tzinfo:
    """The task force's time zone, for the dates a victim reads."""
    from accord.accounts.models import TaskForce

    from .door.dashboard import local_zone

    return local_zone(TaskForce.objects.filter(pk=task_force_id).first())


def consent_max_days() -> int:
    return int(getattr(settings, "ACCORD_CONSENT_MAX_DAYS", 90))


def _require_serving_advocate(actor: User, victim: VictimFacts) -> Agency:
    agency = actor.agency if actor.agency_id else None
    if agency is None or agency.task_force_id != victim.task_force_id:
        raise NotFound(_("No such victim."))
    if not actor.has_role("advocate") or agency.sector != Sector.VICTIM_SERVICES:
        raise PermissionDenied(
            _("Only an advocate of the victim's serving provider records or revokes a release.")
        )
    if agency.pk not in victim.serving_provider_ids:
        raise PermissionDenied(_("Your agency is not this victim's serving provider."))
    return agency


def consent_record(
    *,
    actor: User,
    victim: Any,
    recipients: Iterable[Agency],
    categories: Sequence[str],
    purpose: str,
    expires_at: datetime | None,
    consent_text: ConsentText,
    signature_method: SignatureMethod | str,
    signed_form: UploadedFile | None = None,
    signer_typed_name: str = "",
    signer_agreed: bool = False,
    signer_ip: str = "",
    victim_is_minor: bool | None = None,
    guardian_name: str = "",
    guardian_relationship: str = "",
    guardian_attested_non_abusive: bool = False,
    starts_at: datetime | None = None,
    now: datetime | None = None,
) -> Release:
    """Record a victim's written release of the serving provider's records to named agencies."""
    now = now or timezone.now()
    facts = victim_facts(victim)
    producer = _require_serving_advocate(actor, facts)
    recipient_list = sorted({a.pk: a for a in recipients}.values(), key=lambda a: a.slug)
    errors: dict[str, str] = {}
    if not recipient_list:
        errors["recipients"] = "Name at least one recipient agency."
    elif any(a.task_force_id != facts.task_force_id for a in recipient_list):
        errors["recipients"] = "Recipients must be member agencies of your task force."
    elif any(a.pk == producer.pk for a in recipient_list):
        errors["recipients"] = "Your own agency needs no release for its own records."
    category_set = sorted(set(categories))
    unknown = [c for c in category_set if c not in CONSENT_CATEGORIES]
    if not category_set:
        errors["categories"] = "Name at least one data category."
    elif unknown:
        errors["categories"] = f"Unknown data categories: {', '.join(unknown)}."
    if not purpose.strip():
        errors["purpose"] = "Say what the release is for."
    starts_at = starts_at or now
    limit = timedelta(days=consent_max_days())
    if expires_at is None:
        errors["expires_at"] = "A release needs an expiry date."
    elif expires_at <= starts_at:
        errors["expires_at"] = "The expiry must come after the start."
    elif expires_at - starts_at > limit:
        errors["expires_at"] = f"A release may last at most {limit.days} days."
    if consent_text.task_force_id != facts.task_force_id:
        errors["consent_text"] = "Unknown release text."
    method = SignatureMethod(signature_method)
    if method is SignatureMethod.E_SIGNATURE:
        if not signer_typed_name.strip() or not signer_agreed:
            errors["signature"] = "The victim types their name and ticks the agreement."
    elif signed_form is None:
        errors["signed_form"] = "Upload the signed release form."
    minor = victim_is_minor if victim_is_minor is not None else None
    if minor is None:
        if facts.age is None:
            errors["victim_is_minor"] = "Say whether the victim is a minor (age unknown)."
        else:
            minor = facts.age < 18
    if minor and not (
        guardian_name.strip() and guardian_relationship.strip() and guardian_attested_non_abusive
    ):
        errors["guardian"] = (
            "A minor's release also needs a non-abusive parent or guardian: name, relationship "
            "and the attestation that they are not the abuser."
        )
    if errors or expires_at is None:  # (no expiry is always among the errors)
        field = next(iter(errors))
        raise ValidationError(" ".join(errors.values()), data={"field": field, "errors": errors})
    stored = signed_form_store(signed_form) if signed_form is not None else None
    with transaction.atomic():
        release = Release.objects.create(
            task_force_id=facts.task_force_id,
            victim_id=facts.id,
            case_id=facts.case_id,
            produced_by=producer,
            categories=category_set,
            purpose=purpose.strip(),
            consent_text=consent_text,
            # filled here, from the release itself: the provider is always the recording agency
            text_shown=wording.release_text(
                consent_text,
                provider=producer.name,
                recipients=sorted(a.name for a in recipient_list),
                categories=category_set,
                expires_at=expires_at,
                advocate=str(actor),
                zone=task_force_zone(facts.task_force_id),
            ),
            signature_method=method,
            signed_form_path=stored.path if stored else "",
            signed_form_type=stored.content_type if stored else "",
            signed_form_size=stored.size if stored else None,
            signed_form_sha256=stored.sha256 if stored else "",
            signer_typed_name=signer_typed_name.strip(),
            signer_agreed=bool(signer_agreed),
            signed_at=now,
            signer_ip=signer_ip[:64],
            victim_is_minor=bool(minor),
            guardian_name=guardian_name.strip() if minor else "",
            guardian_relationship=guardian_relationship.strip() if minor else "",
            guardian_attested_non_abusive=bool(minor and guardian_attested_non_abusive),
            guardian_signed_at=now if minor else None,
            starts_at=starts_at,
            expires_at=expires_at,
            recorded_by=actor,
            recorded_at=now,
        )
        release.recipients.set(recipient_list)
        audit_record(
            event=AuditEventType.CONSENT_CHANGED,
            actor=actor,
            object_type="sharing.release",
            object_id=release.pk,
            fields=["recipients", "categories", "purpose", "starts_at", "expires_at", "signature"],
            purpose="release recorded",
            detail={
                "action": "recorded",
                "victim_id": facts.id,
                "case_id": facts.case_id,
                "recipients": [a.slug for a in recipient_list],
                "categories": category_set,
                "expires_at": expires_at.isoformat() if expires_at else "",
                "signature_method": str(method),
                "minor": bool(minor),
                "consent_text_version": consent_text.version,
                "language": consent_text.language_code,
            },
            task_force_id=facts.task_force_id,
        )
    return release


def consent_revoke(
    *, actor: User, consent: Release, reason: str, now: datetime | None = None
) -> Release:
    """Revoke a release at once: the next request of any recipient no longer sees the records."""
    now = now or timezone.now()
    if actor.task_force_id != consent.task_force_id:
        raise NotFound(_("No such release."))
    if not actor.has_role("advocate") or actor.agency_id != consent.produced_by_id:
        raise PermissionDenied(
            _("Only an advocate of the releasing provider records a revocation.")
        )
    if consent.revoked_at is not None:
        return consent
    with transaction.atomic():
        consent.revoked_at = now
        consent.revoked_by = actor
        consent.revocation_reason = reason.strip()
        consent.revocation_notice_shown = wording.revocation_notice(
            consent.consent_text,
            provider=consent.produced_by.name,
            recipients=sorted(a.name for a in consent.recipients.all()),
            categories=consent.categories,
            revoked_at=now,
            advocate=str(actor),
            zone=task_force_zone(consent.task_force_id),
        )
        consent.save(
            update_fields=[
                "revoked_at",
                "revoked_by",
                "revocation_reason",
                "revocation_notice_shown",
            ]
        )
        audit_record(
            event=AuditEventType.CONSENT_CHANGED,
            actor=actor,
            object_type="sharing.release",
            object_id=consent.pk,
            fields=["revoked_at", "revocation_reason"],
            purpose="release revoked",
            detail={
                "action": "revoked",
                "victim_id": consent.victim_id,
                "language": consent.consent_text.language_code,
            },
            task_force_id=consent.task_force_id,
        )
    return consent


@dataclass(frozen=True)
class WordingInput:
    """A language's victim-facing wording as a coordinator typed it."""

    language: str
    language_code: str
    text: str
    revocation_notice: str
    category_words: Mapping[str, str]
    signature_label: str
    guardian_signature_label: str
    date_label: str


def _wording_errors(entry: WordingInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not entry.language.strip():
        errors["language"] = "Name the language, for example Vietnamese."
    code_problem = wording.check_language_code(entry.language_code.strip().lower())
    if code_problem:
        errors["language_code"] = code_problem
    for field, text, allowed in (
        ("text", entry.text, wording.RELEASE_PLACEHOLDERS),
        ("revocation_notice", entry.revocation_notice, wording.NOTICE_PLACEHOLDERS),
    ):
        if not text.strip():
            errors[field] = "Write the text in this language."
            continue
        problems = wording.check_placeholders(text, allowed)
        if problems:
            errors[field] = " ".join(problems)
    for code, label in CONSENT_CATEGORIES.items():
        if not (entry.category_words.get(code) or "").strip():
            errors[f"category_{code}"] = f"Write the words for “{label}” in this language."
    for field in ("signature_label", "guardian_signature_label", "date_label"):
        if not str(getattr(entry, field)).strip():
            errors[field] = "Write this label in this language."
    return errors


def _next_version(task_force_id: int, language: str) -> str:
    taken = set(
        ConsentText.objects.filter(task_force_id=task_force_id, language=language).values_list(
            "version", flat=True
        )
    )
    number = len(taken) + 1
    while str(number) in taken:
        number += 1
    return str(number)


def _consent_text_insert(
    *, task_force_id: int, entry: WordingInput, version: str | None = None
) -> ConsentText:
    language = entry.language.strip()
    return ConsentText.objects.create(
        task_force_id=task_force_id,
        version=version or _next_version(task_force_id, language),
        language=language,
        language_code=entry.language_code.strip().lower(),
        text=entry.text.strip(),
        revocation_notice=entry.revocation_notice.strip(),
        category_words={code: entry.category_words[code].strip() for code in CONSENT_CATEGORIES},
        signature_label=entry.signature_label.strip(),
        guardian_signature_label=entry.guardian_signature_label.strip(),
        date_label=entry.date_label.strip(),
    )


def consent_text_add(*, actor: User, entry: WordingInput) -> ConsentText:
    """Add a language (or a new version of one) to the task force's victim-facing wording.

    A coordinator's action. Every placeholder is checked (an unknown or a missing one is an
    error naming the field); a language whose name is known under another code is refused.
    Releases already recorded keep the text they were shown.
    """
    task_force_id = actor.task_force_id
    if task_force_id is None or not actor.has_role("coordinator"):
        raise PermissionDenied(_("Only a coordinator of the task force adds release wording."))
    errors = _wording_errors(entry)
    code = entry.language_code.strip().lower()
    clash = (
        ConsentText.objects.filter(task_force_id=task_force_id)
        .exclude(language=entry.language.strip(), language_code=code)
        .filter(models.Q(language__iexact=entry.language.strip()) | models.Q(language_code=code))
        .first()
    )
    if clash is not None and "language_code" not in errors and "language" not in errors:
        errors["language_code"] = (
            f"The code {clash.language_code} belongs to {clash.language} already: use the same "
            "name and code to add a new version of it."
        )
    if errors:
        field = next(iter(errors))
        raise ValidationError(" ".join(errors.values()), data={"field": field, "errors": errors})
    with transaction.atomic():
        text = _consent_text_insert(task_force_id=task_force_id, entry=entry)
        audit_record(
            event=AuditEventType.CONSENT_TEXT_ADDED,
            actor=actor,
            object_type="sharing.consent_text",
            object_id=text.pk,
            fields=["text", "revocation_notice", "category_words", "labels"],
            purpose="release wording added",
            detail={"language": text.language, "code": text.language_code, "version": text.version},
            task_force_id=task_force_id,
        )
    return text


def consent_texts_install_shipped(*, task_force_id: int, operator: str = "accord") -> int:
    """Give a task force the English and Spanish wording Accord ships, for each language it
    has no wording in yet (the demo and new task forces). Returns how many were added."""
    have = set(
        ConsentText.objects.filter(task_force_id=task_force_id).values_list(
            "language_code", flat=True
        )
    )
    added = 0
    for shipped in wording.SHIPPED:
        if shipped.code in have:
            continue
        entry = WordingInput(
            language=shipped.language,
            language_code=shipped.code,
            text=shipped.release_text,
            revocation_notice=shipped.revocation_notice,
            category_words=shipped.category_words,
            signature_label=shipped.signature_label,
            guardian_signature_label=shipped.guardian_signature_label,
            date_label=shipped.date_label,
        )
        with transaction.atomic():
            taken = ConsentText.objects.filter(
                task_force_id=task_force_id, language=shipped.language
            ).exists()
            text = _consent_text_insert(
                task_force_id=task_force_id,
                entry=entry,
                version=None if taken else wording.SHIPPED_VERSION,
            )
            audit_record(
                event=AuditEventType.CONSENT_TEXT_ADDED,
                actor=None,
                username=operator,
                object_type="sharing.consent_text",
                object_id=text.pk,
                fields=["text", "revocation_notice", "category_words", "labels"],
                purpose="release wording shipped with Accord",
                detail={"language": text.language, "code": text.language_code},
                task_force_id=task_force_id,
            )
        added += 1
    return added


def _release_link(release: Release) -> str:
    try:
        return reverse("sharing:release_detail", args=[release.pk])
    except NoReverseMatch:
        return ""


def consents_expiring_notify(*, now: datetime | None = None) -> int:
    """E-mail the recording advocate about releases expiring within 7 days (once each).

    Returns how many releases were notified. The e-mail names the release number
    and the expiry only, never the victim.
    """
    now = now or timezone.now()
    due = Release.objects.filter(
        revoked_at__isnull=True,
        expiry_notified_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + EXPIRY_NOTICE_AHEAD,
    ).select_related("recorded_by")
    count = 0
    for release in due:
        with transaction.atomic():
            release.expiry_notified_at = now
            release.save(update_fields=["expiry_notified_at"])
            audit_record(
                event=AuditEventType.CONSENT_CHANGED,
                actor=None,
                username="accord",
                object_type="sharing.release",
                object_id=release.pk,
                fields=["expiry_notified_at"],
                purpose="release expiry reminder",
                detail={"action": "expiry_notified"},
                task_force_id=release.task_force_id,
            )
            email_on_commit(
                subject=f"Release #{release.pk} expires on {release.expires_at:%Y-%m-%d}",
                body=(
                    f"Release #{release.pk}, which you recorded, expires on "
                    f"{local_time(release.expires_at, zone_of(release.task_force))}. "
                    "If the victim wishes to keep "
                    "sharing, ask them to sign a new release; otherwise nothing needs doing: "
                    "the records stop being shared automatically.\n\n"
                    f"{_release_link(release)}\n"
                ),
                emails=[release.recorded_by.email],
            )
        count += 1
    return count
