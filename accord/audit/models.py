"""The append-only audit trail (S15-S18).

Rows hold no foreign keys on purpose: an audit event must outlive the user,
agency or record it names, and nothing may cascade into it. Each row's ``hash``
is an HMAC over its content and the previous row's hash, so editing, deleting,
inserting, reordering or truncating rows breaks the chain (``accord audit verify``).

There is one chain per task force (``chain`` is the task force's id) and chain 0 for events
that belong to none, so writers for different task forces never wait for one another: each
locks only its own chain's head. ``chain_seq`` numbers the events of one chain without gaps;
``seq`` orders every event of the deployment (unique, gaps allowed).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from .events import Outcome


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    chain = models.BigIntegerField(
        db_default=0, help_text=gettext_lazy("The task force's id; 0 for none.")
    )
    chain_seq = models.BigIntegerField(
        help_text=gettext_lazy("The event's place in its chain, from 1.")
    )
    occurred_at = models.DateTimeField(db_index=True)
    # No ``choices``: the enum grows with every app and must not churn migrations.
    event = models.CharField(max_length=60, db_index=True)
    outcome = models.CharField(
        max_length=20, choices=[(o.value, o.value) for o in Outcome], default=Outcome.SUCCESS
    )
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_agency_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_roles = models.CharField(max_length=300, blank=True)
    task_force_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    subject_agency_id = models.BigIntegerField(
        null=True,
        blank=True,
        db_index=True,
        help_text=gettext_lazy("The agency whose data or user this is."),
    )
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.CharField(max_length=64, blank=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    fields = models.JSONField(
        default=list, blank=True, help_text=gettext_lazy("Field names disclosed, never values.")
    )
    purpose = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "chain_seq"], name="audit_event_chain_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event} {self.actor_username or '-'} {self.outcome}"


class AuditChainHead(models.Model):
    """One chain's last ``chain_seq`` (in ``seq``) and hash; its row locks that chain for writers.

    ``mac`` keys ``chain``, ``seq`` and ``hash`` with the audit key, so whoever cuts the tail off the chain
    cannot move the head back to match without the key (a replayed older head is caught by a
    checkpoint kept off the machine: ``accord audit checkpoint``).
    """

    chain = models.BigIntegerField(unique=True, default=0)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    mac = models.CharField(max_length=64, default="", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"audit chain {self.chain} head #{self.seq}"


class AuditPurge(models.Model):
    """A retention purge (S18): events of ``chain`` up to ``through_seq`` (its ``chain_seq``)
    were removed by an audited job.

    Verification starts after the last purge, chained to ``through_hash`` (the hash
    of the last removed event), so a purge is visible and nothing else may shorten
    the chain. ``mac`` keys the record with the audit key: a purge record forged to hide
    a deleted start of the chain does not verify.
    """

    chain = models.BigIntegerField(db_default=0)
    through_seq = models.BigIntegerField()
    through_hash = models.CharField(max_length=64)
    cutoff = models.DateTimeField()
    events_removed = models.BigIntegerField()
    performed_at = models.DateTimeField(auto_now_add=True)
    performed_by = models.CharField(max_length=150, blank=True)
    mac = models.CharField(max_length=64, default="", blank=True)

    class Meta:
        ordering = ["chain", "through_seq"]

    def __str__(self) -> str:
        return f"purge through #{self.through_seq}"


class AuditReadEvent(models.Model):
    """A read-access event (``RECORD_READ``, ``CASE_FIELD_RELEASED``), kept outside the chain.

    Reads are by far the most frequent events, and appending each to its task force's chain
    would make every page view of a task force wait for that chain's head. Instead a read is
    inserted here (pending: ``batch`` is empty) before the page is shown, with ``mac`` keying
    its content; the sequencer (``accord.audit.batches``) later seals the pending reads of a
    chain into a batch: one ``AUDIT_BATCH_SEALED`` event in the chain carries the Merkle root
    of the batch's entries (RFC 6962), and each entry gets the batch's ``chain_seq`` and its
    ``leaf_index``. Each of the ``READ_LANES`` lanes of a chain numbers its reads without gaps
    (``lane_seq``, from ``AuditReadCounter``), so a pending read deleted is a missing number.

    The content columns are those of ``AuditEvent`` (same names), so a reader of the trail
    sees reads whether pending or sealed.
    """

    seq = models.BigIntegerField(help_text=gettext_lazy("Orders every event of the deployment."))
    chain = models.BigIntegerField(
        default=0, help_text=gettext_lazy("The task force's id; 0 for none.")
    )
    lane = models.SmallIntegerField(default=0)
    lane_seq = models.BigIntegerField(
        help_text=gettext_lazy("The read's place in its lane, from 1.")
    )
    occurred_at = models.DateTimeField(db_index=True)
    event = models.CharField(max_length=60, db_index=True)
    outcome = models.CharField(max_length=20, default=Outcome.SUCCESS)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_agency_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_roles = models.CharField(max_length=300, blank=True)
    task_force_id = models.BigIntegerField(null=True, blank=True)
    subject_agency_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.CharField(max_length=64, blank=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    fields = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    mac = models.CharField(max_length=64)
    batch = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "The chain_seq of the AUDIT_BATCH_SEALED event; empty while pending."
        ),
    )
    leaf_index = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "lane", "lane_seq"], name="audit_read_lane_seq"
            ),
            models.UniqueConstraint(
                fields=["chain", "batch", "leaf_index"], name="audit_read_leaf"
            ),
        ]
        indexes = [
            models.Index(fields=["seq"], name="audit_read_seq"),
        ]

    def __str__(self) -> str:
        return f"read #{self.seq} {self.event} {self.actor_username or '-'}"


class AuditReadCounter(models.Model):
    """The last ``lane_seq`` handed out in one lane of one chain (never moves back: a trigger)."""

    chain = models.BigIntegerField()
    lane = models.SmallIntegerField()
    last = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "lane"], name="audit_read_counter_lane")
        ]

    def __str__(self) -> str:
        return f"read counter {self.chain}/{self.lane} at {self.last}"
