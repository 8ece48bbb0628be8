"""Stored protocol versions: the YAML text is the source of truth, the core model is derived.

A version moves draft → circulated → in force (→ superseded). Exactly one version
per task force is in force at a time (a partial unique constraint holds that at
the database). A case records the version it was opened under.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.core import Protocol, load_protocol


class ProtocolStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CIRCULATED = "circulated", _("Circulated for sign-off")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ProtocolVersion(models.Model):
    task_force = models.ForeignKey(
        "accounts.TaskForce", on_delete=models.PROTECT, related_name="protocol_versions"
    )
    number = models.PositiveIntegerField(help_text=_("1, 2, 3 ... per task force."))
    title = models.CharField(max_length=200)
    yaml_text = models.TextField()
    status = models.CharField(
        max_length=20, choices=ProtocolStatus.choices, default=ProtocolStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    effective_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    circulated_at = models.DateTimeField(null=True, blank=True)
    in_force_at = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(
        default=1, help_text=_("Optimistic concurrency: a save from a stale form is refused (S23).")
    )

    class Meta:
        ordering = ["task_force", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "number"], name="protocol_version_number_per_task_force"
            ),
            models.UniqueConstraint(
                fields=["task_force"],
                condition=Q(status="in_force"),
                name="one_protocol_version_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number}, {self.get_status_display()})"

    @property
    def text_digest(self) -> str:
        return hashlib.sha256(self.yaml_text.encode()).hexdigest()

    @property
    def protocol(self) -> Protocol:
        """The loaded core model (cached per text). Stored versions always load:
        services refuse to store text the loader rejects."""
        return _load_cached(self.text_digest, self.yaml_text, self.filename)

    @property
    def filename(self) -> str:
        """The name loader messages and spans give this version's text."""
        return f"protocol-v{self.number}.yaml"


#: Loaded protocols by (text digest, file name), newest last; at most ``_CACHE_SIZE``.
_LOADED: OrderedDict[tuple[str, str], Protocol] = OrderedDict()
_CACHE_SIZE = 64
_LOADED_LOCK = threading.Lock()


def _load_cached(digest: str, text: str, filename: str) -> Protocol:
    key = (digest, filename)
    protocol = _LOADED.get(key)
    if protocol is None:
        protocol = load_protocol(text, filename=filename)
    remember_loaded(digest, filename, protocol)
    return protocol


def load_text_cached(text: str, filename: str) -> Protocol:
    """The protocol ``text`` loads to (the loader's LoadError if it does not), loaded once per
    text: drafts are created and re-saved with text already loaded (a copy of the version in
    force, a form that changed nothing)."""
    return _load_cached(hashlib.sha256(text.encode()).hexdigest(), text, filename)


def remember_loaded(digest: str, filename: str, protocol: Protocol) -> None:
    """Keep a protocol the services just loaded from this text, so the page that follows a
    save does not load it again (a large protocol takes most of a second to load)."""
    with _LOADED_LOCK:
        _LOADED[(digest, filename)] = protocol
        _LOADED.move_to_end((digest, filename))
        while len(_LOADED) > _CACHE_SIZE:
            _LOADED.popitem(last=False)


class SignOffDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    OBJECT = "object", _("Object")


class SignOff(models.Model):
    """One member agency's decision on one circulated version, by its signatory.

    One row per (version, agency); the signatory may change it until the
    version comes into force (the row is updated and the change audited).
    """

    version = models.ForeignKey(ProtocolVersion, on_delete=models.CASCADE, related_name="sign_offs")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=SignOffDecision.choices)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["version", "agency"], name="one_sign_off_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.decision} version {self.version.number}"


class AcceptedRisk(models.Model):
    """A coordinator's note accepting one verification error so the version may circulate.

    Keyed by the finding's stable key, so the note survives re-verification of the
    same text and silently stops applying when the finding changes.
    """

    version = models.ForeignKey(
        ProtocolVersion, on_delete=models.CASCADE, related_name="accepted_risks"
    )
    finding_key = models.CharField(max_length=200)
    note = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "finding_key"], name="one_accepted_risk_per_finding"
            )
        ]

    def __str__(self) -> str:
        return f"accepted risk {self.finding_key} on version {self.version.number}"


class DrillScenario(models.Model):
    """A tabletop drill: a named set of facts run against any protocol version."""

    task_force = models.ForeignKey(
        "accounts.TaskForce", on_delete=models.PROTECT, related_name="drill_scenarios"
    )
    name = models.CharField(max_length=200)
    facts = models.JSONField(default=dict)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "name"], name="drill_scenario_name_per_task_force"
            )
        ]

    def __str__(self) -> str:
        return self.name
