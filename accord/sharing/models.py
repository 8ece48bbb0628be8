"""Releases (the victim's consents) and the consent texts they were given on.

A ``Release`` is a victim service provider's record that the victim agreed, in
writing, to let named agencies see named categories of the provider's records,
for a purpose, until a date (VAWA/VOCA/FVPSA; SECURITY.md S10). It is never a
condition of service: nothing in the case app waits for one. Revocation takes
effect on the next request because the policy reads ``revoked_at`` each time.

Names typed by the victim or a guardian are victim PII: they are encrypted at
rest (S19); an uploaded signed form is stored encrypted under MEDIA_ROOT.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from accord.encryption.fields import EncryptedTextField

from .policy import ConsentView


class SignatureMethod(models.TextChoices):
    UPLOADED_FORM = "uploaded_form", "Signed form, scanned and uploaded"
    E_SIGNATURE = "e_signature", "Electronic signature (typed name and agreement)"


class ConsentText(models.Model):
    """A version of the victim-facing wording in one language; never edited once used.

    ``text`` (the release) and ``revocation_notice`` hold placeholders (``{provider}`` ...,
    see ``accord.sharing.wording``) filled from the release when it is recorded or revoked.
    A new version is a new row: releases keep the text they were shown (``text_shown``).
    """

    task_force = models.ForeignKey(
        "accounts.TaskForce", on_delete=models.PROTECT, related_name="consent_texts"
    )
    version = models.CharField(max_length=30)
    language = models.CharField(max_length=40, default="English")
    language_code = models.CharField(
        max_length=20,
        default="en",
        help_text=gettext_lazy("The language's code (en, es, vi, pt-br)."),
    )
    text = models.TextField()
    revocation_notice = models.TextField(blank=True)
    #: data category code -> the words of this language for it ("my name and date of birth")
    category_words = models.JSONField(default=dict, blank=True)
    signature_label = models.CharField(max_length=200, blank=True)
    guardian_signature_label = models.CharField(max_length=200, blank=True)
    date_label = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task_force", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "version", "language"], name="consent_text_version"
            )
        ]

    def __str__(self) -> str:
        return f"Release text {self.version} ({self.language})"


class Release(models.Model):
    """One written, informed, specific, time-limited, revocable release of a victim (S10)."""

    task_force = models.ForeignKey("accounts.TaskForce", on_delete=models.PROTECT, related_name="+")
    victim = models.ForeignKey(
        "cases.PotentialVictim", on_delete=models.PROTECT, related_name="releases"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    produced_by = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("The victim service provider whose records the release opens."),
    )
    recipients = models.ManyToManyField("accounts.Agency", related_name="+")
    categories = models.JSONField(default=list, help_text=gettext_lazy("Data categories released."))
    purpose = EncryptedTextField()
    consent_text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+")
    text_shown = models.TextField(help_text=gettext_lazy("The exact wording the victim was shown."))
    signature_method = models.CharField(max_length=20, choices=SignatureMethod.choices)
    # Uploaded signed form (stored encrypted, outside the web root)
    signed_form_path = models.CharField(max_length=300, blank=True)
    signed_form_type = models.CharField(max_length=60, blank=True)
    signed_form_size = models.PositiveIntegerField(null=True, blank=True)
    signed_form_sha256 = models.CharField(max_length=64, blank=True)
    # Electronic signature
    signer_typed_name = EncryptedTextField(blank=True)
    signer_agreed = models.BooleanField(default=False)
    signed_at = models.DateTimeField()
    signer_ip = models.CharField(max_length=64, blank=True)
    # A minor's release: also a non-abusive parent or guardian
    victim_is_minor = models.BooleanField(default=False)
    guardian_name = EncryptedTextField(blank=True)
    guardian_relationship = EncryptedTextField(blank=True)
    guardian_attested_non_abusive = models.BooleanField(default=False)
    guardian_signed_at = models.DateTimeField(null=True, blank=True)
    # Time limits and revocation
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = EncryptedTextField(blank=True)
    revocation_notice_shown = models.TextField(
        blank=True,
        help_text=gettext_lazy("The exact revocation notice, in the release's language."),
    )
    expiry_notified_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["expires_at"], name="release_expires_at")]

    def __str__(self) -> str:
        return f"Release #{self.pk}"

    @property
    def signers_complete(self) -> bool:
        if not self.victim_is_minor:
            return True
        # The service refuses a minor's release without the guardian's name; the read path
        # checks the unencrypted attestation and signature time only (no decryption per read).
        return bool(self.guardian_attested_non_abusive and self.guardian_signed_at)

    def in_effect(self, *, now: datetime) -> bool:
        from .policy import consent_state

        return consent_state(self.view(), now=now) is None

    def view(self, *, recipient_ids: frozenset[int] | None = None) -> ConsentView:
        """The policy's value object (pass ``recipient_ids`` when prefetched)."""
        if recipient_ids is None:
            recipient_ids = frozenset(agency.pk for agency in self.recipients.all())
        return ConsentView(
            id=self.pk,
            victim_id=self.victim_id,
            produced_by_agency_id=self.produced_by_id,
            recipient_agency_ids=recipient_ids,
            categories=frozenset(self.categories),
            starts_at=self.starts_at,
            expires_at=self.expires_at,
            revoked_at=self.revoked_at,
            signers_complete=self.signers_complete,
        )


class CaseCountMonth(models.Model):
    """Roll-up (issue 15): the counts of one task force's cases opened in one local month, kept so
    a report of years reads one row a month instead of every case. Written only by
    ``accord.sharing.door.rollups``; read only through the door (``case_aggregate_counts``).
    ``counts`` holds codes and numbers, never an id, a name or free text. ``zone`` is the time
    zone the month was cut in; ``as_of`` the highest ``CaseCountChange`` id seen when counted."""

    task_force = models.ForeignKey("accounts.TaskForce", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    zone = models.CharField(max_length=64)
    counts = models.JSONField()
    as_of = models.BigIntegerField(default=0)
    counted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task_force", "month"], name="case_count_month")
        ]

    def __str__(self) -> str:
        return f"Case counts of {self.month:%B %Y}"


class CaseCountChange(models.Model):
    """A case whose counted values changed since its month was rolled up: written by database
    triggers (migration ``sharing 0005``) in the same transaction as any write to a case, its
    potential victims, referrals, tasks or immigration-relief records, whatever code made it;
    consumed when the month is counted again."""

    task_force_id = models.BigIntegerField()
    opened_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["task_force_id", "opened_at"], name="case_count_change_tf")]

    def __str__(self) -> str:
        return "A case whose counts changed"
