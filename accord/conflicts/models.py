"""Disagreements between member agencies and their way up the protocol's escalation ladder.

The ladder is copied onto each disagreement when it is raised (``ladder``), so a
later protocol version never rewrites how an old disagreement was handled.
Case data is never stored here: a disagreement names a case by id only, and the
case is shown through ``accord.sharing.door`` with the viewer (the sharing layer).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DisagreementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DisagreementSubject(models.TextChoices):
    CASE = "case", _("A case")
    PROTOCOL = "protocol", _("The protocol")


class Disagreement(models.Model):
    task_force = models.ForeignKey(
        "accounts.TaskForce", on_delete=models.PROTECT, related_name="disagreements"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    question = models.TextField(help_text=_("What the agencies disagree about, as one question."))
    subject_kind = models.CharField(max_length=20, choices=DisagreementSubject.choices)
    case_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=_("The case concerned; shown only through the sharing layer."),
    )
    protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disagreements",
        help_text=_("The protocol version concerned (for disagreements about the protocol)."),
    )
    protocol_reference = models.CharField(
        max_length=200, blank=True, help_text=_("Decision or rule id, e.g. placement/minor-female.")
    )
    ladder = models.JSONField(
        help_text=_("The escalation ladder of the protocol in force when raised (snapshot).")
    )
    ladder_protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The version the ladder was copied from."),
    )
    current_level = models.PositiveSmallIntegerField(default=1)
    level_started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    overdue_flagged_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set once when the last level's limit passed undecided.")
    )
    status = models.CharField(
        max_length=20, choices=DisagreementStatus.choices, default=DisagreementStatus.OPEN
    )
    decision = models.TextField(blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_at_level = models.PositiveSmallIntegerField(null=True, blank=True)
    amendment = models.ForeignKey(
        "protocols.ProtocolVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="amendment_sources",
        help_text=_("A draft protocol version this decision feeds."),
    )
    lock_version = models.PositiveIntegerField(
        default=1,
        help_text=_("Optimistic concurrency: a decision from a stale page is refused (S23)."),
    )

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["task_force", "status", "due_at"])]

    def __str__(self) -> str:
        return f"Disagreement #{self.pk}: {self.question[:60]}"

    @property
    def levels(self) -> list[dict[str, Any]]:
        return list(self.ladder)

    def level_spec(self, level: int | None = None) -> dict[str, Any]:
        wanted = self.current_level if level is None else level
        for spec in self.ladder:
            if int(spec["level"]) == wanted:
                return dict(spec)
        return {"level": wanted, "name": f"Level {wanted}", "decided_by": "", "hours": 0}

    @property
    def last_level(self) -> int:
        return max(int(spec["level"]) for spec in self.ladder)

    @property
    def is_open(self) -> bool:
        return self.status == DisagreementStatus.OPEN

    def age(self, *, now: datetime) -> timedelta:
        return now - self.raised_at


class DisagreementParty(models.Model):
    """One agency in the disagreement, with its position in its own words."""

    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="parties")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    position = models.TextField()

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["disagreement", "agency"], name="one_party_row_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} in #{self.disagreement_id}"


class DisagreementEventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    ESCALATED = "escalated", _("Escalated automatically")
    OVERDUE_AT_LAST_LEVEL = "overdue_at_last_level", _("Overdue at the last level")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    AMENDMENT_LINKED = "amendment_linked", _("Linked to a protocol amendment")


class DisagreementEvent(models.Model):
    """The history of one disagreement, shown on its page and the coordinator's history."""

    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=DisagreementEventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    notified = models.JSONField(default=list, help_text=_("Usernames notified."))

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.disagreement_id} at {self.at:%Y-%m-%d %H:%M}"
