"""Reads of releases, for the door and for the release pages.

Releases are read as ``ConsentView`` value objects for the policy: one query
for every victim on a page (recipients prefetched), never one per field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import Role
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import NotFound

from . import door, wording
from .categories import CONSENT_CATEGORIES
from .door import ServedVictim, is_provider_advocate
from .models import ConsentText, Release
from .policy import Reason, consent_state
from .services import EXPIRY_NOTICE_AHEAD, task_force_zone
from .uploads import signed_form_read

if TYPE_CHECKING:
    from accord.accounts.models import Agency, User


# --- the release pages ------------------------------------------------------------------------
#
# The victim and the case are obtained through the door (``accord.sharing.door``: ``served_victim``
# and ``victim_labels``); only releases are read here directly.

#: How a release's state is said on the pages (policy reason -> words, badge class).
STATE_WORDS: Mapping[str, tuple[str, str]] = {
    "in_effect": ("in effect", "ok"),
    str(Reason.CONSENT_REVOKED): ("revoked", "error"),
    str(Reason.CONSENT_EXPIRED): ("expired", ""),
    str(Reason.CONSENT_NOT_STARTED): ("not yet in effect", "warning"),
    str(Reason.CONSENT_GUARDIAN_MISSING): ("guardian missing", "warning"),
}
#: Field names (never values) a release page discloses, for the audit trail (S15).
LISTED_FIELDS: tuple[str, ...] = (
    "release.recipients",
    "release.categories",
    "release.purpose",
    "release.starts_at",
    "release.expires_at",
    "release.revoked_at",
    "release.revocation_reason",
    "release.recorded_by",
)
DETAIL_FIELDS: tuple[str, ...] = (
    *LISTED_FIELDS,
    "release.text_shown",
    "release.revocation_notice_shown",
    "release.signature_method",
    "release.signer_typed_name",
    "release.signer_ip",
    "release.signed_form_sha256",
    "release.guardian_name",
    "release.guardian_relationship",
    "release.guardian_attested_non_abusive",
)


@dataclass(frozen=True)
class ReleaseRow:
    """One release as the pages list it (plain values; models never reach templates)."""

    id: int
    victim_id: int
    case_id: int
    recipients: tuple[str, ...]
    categories: tuple[str, ...]  # labels, in CONSENT_CATEGORIES order
    purpose: str
    starts_at: datetime
    expires_at: datetime
    state: str  # "in_effect" or a policy reason code
    state_label: str
    state_badge: str
    recorded_by: str
    recorded_at: datetime
    revoked_at: datetime | None
    revoked_by: str
    revocation_reason: str
    victim_label: str = ""

    @property
    def in_effect(self) -> bool:
        return self.state == "in_effect"

    @property
    def revocable(self) -> bool:
        return self.revoked_at is None


def _row(release: Release, *, now: datetime, victim_label: str = "") -> ReleaseRow:
    view = release.view(recipient_ids=frozenset(a.pk for a in release.recipients.all()))
    reason = consent_state(view, now=now)
    state = "in_effect" if reason is None else str(reason)
    label, badge = STATE_WORDS.get(state, (state, "warning"))
    return ReleaseRow(
        id=release.pk,
        victim_id=release.victim_id,
        case_id=release.case_id,
        recipients=tuple(sorted(a.name for a in release.recipients.all())),
        categories=tuple(
            label for code, label in CONSENT_CATEGORIES.items() if code in release.categories
        ),
        purpose=release.purpose,
        starts_at=release.starts_at,
        expires_at=release.expires_at,
        state=state,
        state_label=label,
        state_badge=badge,
        recorded_by=str(release.recorded_by),
        recorded_at=release.recorded_at,
        revoked_at=release.revoked_at,
        revoked_by=str(release.revoked_by) if release.revoked_by_id else "",
        revocation_reason=release.revocation_reason if release.revoked_at else "",
        victim_label=victim_label,
    )


def _releases(**filters: Any) -> QuerySet[Release]:
    return (
        Release.objects.filter(**filters)
        .select_related("recorded_by", "revoked_by")
        .prefetch_related("recipients")
    )


def releases_of_victim(
    *, viewer: User, victim: ServedVictim, now: datetime | None = None
) -> list[ReleaseRow]:
    """The releases the viewer's agency recorded for this victim, newest first (audited)."""
    now = now or timezone.now()
    rows = [
        _row(release, now=now)
        for release in _releases(
            task_force_id=victim.facts.task_force_id,
            victim_id=victim.id,
            produced_by_id=viewer.agency_id,
        )
    ]
    audit_record(
        event=AuditEventType.RECORD_READ,
        actor=viewer,
        object_type="cases.potentialvictim",
        object_id=victim.id,
        fields=LISTED_FIELDS if rows else (),
        purpose="releases page",
        detail={"release_ids": [row.id for row in rows]},
        task_force_id=victim.facts.task_force_id,
    )
    return rows


@dataclass(frozen=True)
class AgencyReleases:
    """The viewer's agency's releases in effect; those expiring within 7 days come first."""

    expiring: list[ReleaseRow]
    in_effect: list[ReleaseRow]


def agency_releases(*, viewer: User, now: datetime | None = None) -> AgencyReleases:
    """For the releases index: the releases of the viewer's agency in effect at ``now``."""
    if not is_provider_advocate(viewer):
        return AgencyReleases(expiring=[], in_effect=[])
    now = now or timezone.now()
    current = list(
        _releases(
            task_force_id=viewer.task_force_id,
            produced_by_id=viewer.agency_id,
            revoked_at__isnull=True,
            expires_at__gt=now,
            starts_at__lte=now,
        ).order_by("expires_at", "pk")
    )
    labels = door.victim_labels(
        viewer=viewer, victim_ids=(release.victim_id for release in current)
    )
    rows = [
        _row(release, now=now, victim_label=labels.get(release.victim_id, ""))
        for release in current
    ]
    rows = [row for row in rows if row.in_effect]
    soon = now + EXPIRY_NOTICE_AHEAD
    audit_record(
        event=AuditEventType.RECORD_READ,
        actor=viewer,
        object_type="sharing.release_list",
        fields=LISTED_FIELDS if rows else (),
        purpose="releases index",
        detail={"release_ids": [row.id for row in rows]},
        task_force_id=viewer.task_force_id,
    )
    return AgencyReleases(
        expiring=[row for row in rows if row.expires_at <= soon],
        in_effect=[row for row in rows if row.expires_at > soon],
    )


def agency_releases_expiring_count(*, viewer: User, now: datetime | None = None) -> int:
    """How many of the viewer's agency's releases in effect expire within 7 days: the same
    rows as the releases index's "Expiring within 7 days" section, counted without disclosing
    anything (no victim label is read, so nothing is audited)."""
    if not is_provider_advocate(viewer):
        return 0
    now = now or timezone.now()
    candidates = _releases(
        task_force_id=viewer.task_force_id,
        produced_by_id=viewer.agency_id,
        revoked_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + EXPIRY_NOTICE_AHEAD,
        starts_at__lte=now,
    )
    return sum(1 for release in candidates if _row(release, now=now).in_effect)


@dataclass(frozen=True)
class ReleaseDetail:
    """Everything recorded about one release, except the signed form's contents."""

    row: ReleaseRow
    consent_text_version: str
    consent_text_language: str
    consent_text_language_code: str
    text_shown: str
    revocation_notice_shown: str
    signature_method: str
    signature_method_label: str
    signer_typed_name: str
    signer_agreed: bool
    signed_at: datetime
    signer_ip: str
    has_signed_form: bool
    signed_form_type: str
    signed_form_size: int | None
    signed_form_sha256: str
    victim_is_minor: bool
    guardian_name: str
    guardian_relationship: str
    guardian_attested_non_abusive: bool
    guardian_signed_at: datetime | None
    expiry_notified_at: datetime | None
    produced_by: str


def _release_for(viewer: User, release_id: int, *roles: str) -> Release:
    """A release of the viewer's own agency, for a viewer holding one of ``roles``."""
    if not viewer.agency_id or not viewer.has_role(*roles):
        raise NotFound(_("No such release."))
    release = (
        _releases(
            pk=release_id,
            task_force_id=viewer.task_force_id,
            produced_by_id=viewer.agency_id,
        )
        .select_related("consent_text", "produced_by")
        .first()
    )
    if release is None:
        raise NotFound(_("No such release."))
    return release


def release_to_revoke(*, viewer: User, release_id: int) -> Release:
    """The release an advocate of the releasing provider is about to revoke (else NotFound)."""
    return _release_for(viewer, release_id, Role.ADVOCATE)


def release_detail(*, viewer: User, release_id: int, now: datetime | None = None) -> ReleaseDetail:
    """One release, for the releasing provider's advocates and auditors (audited, S15)."""
    release = _release_for(viewer, release_id, Role.ADVOCATE, Role.AUDITOR)
    now = now or timezone.now()
    detail = ReleaseDetail(
        row=_row(release, now=now),
        consent_text_version=release.consent_text.version,
        consent_text_language=release.consent_text.language,
        consent_text_language_code=release.consent_text.language_code,
        text_shown=release.text_shown,
        revocation_notice_shown=release.revocation_notice_shown,
        signature_method=release.signature_method,
        signature_method_label=release.get_signature_method_display(),
        signer_typed_name=release.signer_typed_name,
        signer_agreed=release.signer_agreed,
        signed_at=release.signed_at,
        signer_ip=release.signer_ip,
        has_signed_form=bool(release.signed_form_path),
        signed_form_type=release.signed_form_type,
        signed_form_size=release.signed_form_size,
        signed_form_sha256=release.signed_form_sha256,
        victim_is_minor=release.victim_is_minor,
        guardian_name=release.guardian_name,
        guardian_relationship=release.guardian_relationship,
        guardian_attested_non_abusive=release.guardian_attested_non_abusive,
        guardian_signed_at=release.guardian_signed_at,
        expiry_notified_at=release.expiry_notified_at,
        produced_by=release.produced_by.name,
    )
    audit_record(
        event=AuditEventType.RECORD_READ,
        actor=viewer,
        object_type="sharing.release",
        object_id=release.pk,
        fields=DETAIL_FIELDS,
        purpose="release page",
        detail={"victim_id": release.victim_id},
        task_force_id=release.task_force_id,
    )
    return detail


@dataclass(frozen=True)
class SignedForm:
    content: bytes
    content_type: str
    filename: str


_EXTENSIONS: Mapping[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
}


def signed_form_export(*, viewer: User, release_id: int) -> SignedForm:
    """The signed form's bytes, for an advocate of the releasing provider; audited as an export
    (the form carries the victim's name and signature)."""
    release = _release_for(viewer, release_id, Role.ADVOCATE)
    if not release.signed_form_path:
        raise NotFound(_("This release has no uploaded form."))
    content = signed_form_read(release.signed_form_path)
    audit_record(
        event=AuditEventType.EXPORTED,
        actor=viewer,
        object_type="sharing.release",
        object_id=release.pk,
        fields=["release.signed_form"],
        purpose="signed release form downloaded",
        detail={"sha256": release.signed_form_sha256},
        task_force_id=release.task_force_id,
    )
    extension = _EXTENSIONS.get(release.signed_form_type, "bin")
    return SignedForm(
        content=content,
        content_type=release.signed_form_type or "application/octet-stream",
        filename=f"release-{release.pk}-signed-form.{extension}",
    )


def consent_texts_current(*, task_force_id: int) -> list[ConsentText]:
    """The newest wording of each language of the task force, by language name."""
    newest: dict[str, ConsentText] = {}
    for text in ConsentText.objects.filter(task_force_id=task_force_id).order_by(
        "-created_at", "-pk"
    ):
        newest.setdefault(text.language_code, text)
    return sorted(newest.values(), key=lambda text: text.language.lower())


@dataclass(frozen=True)
class WordingChoice:
    """The languages a release can be recorded in and the one chosen (None: no wording)."""

    texts: list[ConsentText]
    chosen: ConsentText | None
    from_victim: bool  # chosen because the victim's recorded languages name it


def release_wording_choice(
    *, task_force_id: int, victim_languages: str, requested: str = ""
) -> WordingChoice:
    """The wording a new release is shown in: the language the advocate asked for, else the
    first of the victim's recorded languages the task force has, else English, else the first."""
    texts = consent_texts_current(task_force_id=task_force_id)
    by_code = {text.language_code: text for text in texts}
    if requested in by_code:
        return WordingChoice(texts=texts, chosen=by_code[requested], from_victim=False)
    spoken = wording.matching_language(
        victim_languages, [(text.language_code, text.language) for text in texts]
    )
    if spoken is not None:
        return WordingChoice(texts=texts, chosen=by_code[spoken], from_victim=True)
    fallback = by_code.get("en") or (texts[0] if texts else None)
    return WordingChoice(texts=texts, chosen=fallback, from_victim=False)


def release_preview(
    *,
    viewer: User,
    consent_text: ConsentText,
    recipients: Sequence[Agency],
    categories: Sequence[str],
    expires_at: datetime | None,
) -> str:
    """The release as the victim will read it, filled with what the advocate chose so far
    (blanks for the rest); the service fills the stored text the same way."""
    return wording.release_text(
        consent_text,
        provider=viewer.agency.name if viewer.agency else "",
        recipients=sorted(agency.name for agency in recipients),
        categories=categories,
        expires_at=expires_at,
        advocate=str(viewer),
        zone=task_force_zone(consent_text.task_force_id),
    )


@dataclass(frozen=True)
class Printable:
    """A release (or its revocation notice) as printed for the victim to sign or keep."""

    release_id: int
    victim_id: int
    language: str
    language_code: str
    text: str
    signature_label: str
    guardian_signature_label: str
    date_label: str
    victim_is_minor: bool
    is_notice: bool

    @property
    def heading(self) -> str:
        """The first line of the text (the shipped wording's title)."""
        return self.text.strip().split("\n", 1)[0].strip()

    @property
    def body(self) -> str:
        parts = self.text.strip().split("\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""


def release_printable(*, viewer: User, release_id: int, notice: bool = False) -> Printable:
    """The exact text the victim was shown, laid out for paper (audited as a print, S15)."""
    release = _release_for(viewer, release_id, Role.ADVOCATE, Role.AUDITOR)
    text = release.revocation_notice_shown if notice else release.text_shown
    if notice and not text:
        raise NotFound(_("This release has no revocation notice."))
    wording_used = release.consent_text
    audit_record(
        event=AuditEventType.PRINTED,
        actor=viewer,
        object_type="sharing.release",
        object_id=release.pk,
        fields=["release.revocation_notice_shown" if notice else "release.text_shown"],
        purpose="revocation notice printed" if notice else "release printed",
        detail={"victim_id": release.victim_id, "language": wording_used.language_code},
        task_force_id=release.task_force_id,
    )
    return Printable(
        release_id=release.pk,
        victim_id=release.victim_id,
        language=wording_used.language,
        language_code=wording_used.language_code,
        text=text,
        signature_label=wording_used.signature_label or "Signature",
        guardian_signature_label=wording_used.guardian_signature_label
        or "Signature of parent or guardian",
        date_label=wording_used.date_label or "Date",
        victim_is_minor=release.victim_is_minor,
        is_notice=notice,
    )


def wording_initial(*, task_force_id: int, code: str) -> dict[str, str]:
    """A language's newest wording as the wording form's initial values ({} when none)."""
    if not code:
        return {}
    current = {
        text.language_code: text for text in consent_texts_current(task_force_id=task_force_id)
    }
    text = current.get(code)
    if text is None:
        return {}
    initial = {
        "language": text.language,
        "language_code": text.language_code,
        "text": text.text,
        "revocation_notice": text.revocation_notice,
        "signature_label": text.signature_label,
        "guardian_signature_label": text.guardian_signature_label,
        "date_label": text.date_label,
    }
    for category in CONSENT_CATEGORIES:
        initial[f"category_{category}"] = (text.category_words or {}).get(category, "")
    return initial


def latest_consent_text(*, task_force_id: int) -> ConsentText | None:
    """The wording a new release is recorded on: the task force's newest version."""
    return (
        ConsentText.objects.filter(task_force_id=task_force_id)
        .order_by("-created_at", "-pk")
        .first()
    )
