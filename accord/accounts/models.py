"""Task forces, member agencies, committees and users.

A user belongs to exactly one member agency; an agency to one task force; one
deployment hosts several task forces, fully separated (every query a view makes
is scoped by the viewer's task force).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.model import Sector as CoreSector

SECTOR_CHOICES = [(s.value, s.value.replace("_", " ").capitalize()) for s in CoreSector]

LAW_ENFORCEMENT_SECTORS = frozenset(
    {
        CoreSector.LAW_ENFORCEMENT_LOCAL,
        CoreSector.LAW_ENFORCEMENT_STATE,
        CoreSector.LAW_ENFORCEMENT_FEDERAL,
    }
)


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    INVESTIGATOR = "investigator", _("Investigator")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    ADVOCATE = "advocate", _("Advocate / case manager")
    INTERPRETER_COORDINATOR = "interpreter_coordinator", _("Interpreter coordinator")
    SIGNATORY = "signatory", _("Signatory")
    AUDITOR = "auditor", _("Auditor")


def default_time_zone() -> str:
    """A new task force starts in the deployment's zone (``settings.TIME_ZONE``)."""
    return str(settings.TIME_ZONE)


class TaskForce(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=200, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        help_text=_("IANA name (America/Chicago): times are shown and typed in this zone."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """A member agency of one task force."""

    task_force = models.ForeignKey(TaskForce, on_delete=models.PROTECT, related_name="agencies")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=40, choices=SECTOR_CHOICES)
    lead = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Agency lead: receives escalations for the agency's overdue tasks."),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "slug"], name="agency_slug_per_task_force"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_law_enforcement(self) -> bool:
        return self.sector in LAW_ENFORCEMENT_SECTORS


class Committee(models.Model):
    """A group of member agencies the protocol addresses (victim services committee, ...)."""

    task_force = models.ForeignKey(TaskForce, on_delete=models.PROTECT, related_name="committees")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    agencies = models.ManyToManyField(Agency, related_name="committees", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "slug"], name="committee_slug_per_task_force"
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person working for one member agency.

    Personnel gates (S14) and the immigration-relief authorization (S11) live
    here because the sharing layer reads them on every request.
    """

    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    display_name = models.CharField(max_length=200, blank=True)
    cjis_training_on = models.DateField(null=True, blank=True)
    background_check_passed_on = models.DateField(null=True, blank=True)
    immigration_relief_authorized = models.BooleanField(
        default=False, help_text=_("May see Continued Presence, T and U records (8 U.S.C. 1367).")
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    locked_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Sign-in refused until then after repeated failures (S2)."),
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def task_force_id(self) -> int | None:
        agency = self.agency
        return agency.task_force_id if agency is not None else None

    @property
    def role_set(self) -> frozenset[str]:
        cached = getattr(self, "_role_set", None)
        if cached is None:
            # Grants fetched with prefetch_related("role_grants") answer without a query each.
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("role_grants")
            if prefetched is not None:
                cached = frozenset(grant.role for grant in prefetched)
            elif self.pk:
                cached = frozenset(self.role_grants.values_list("role", flat=True))
            else:
                cached = frozenset()
            self._role_set = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))


class RoleGrant(models.Model):
    """One role held by one user; a user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=40, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.role}"


class AuthenticationStep(models.TextChoices):
    PASSWORD = "password", _("Password")
    SECOND_FACTOR = "second_factor", _("Second factor")


class AuthenticationFailure(models.Model):
    """One failed password or second-factor attempt on an existing account (S2).

    Kept as rows, not a counter, so the lockout counts exactly the failures inside
    the sliding window. Rows are cleared when the account is locked, unlocked or
    signs in fully; the audit trail keeps the history.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="authentication_failures")
    step = models.CharField(max_length=20, choices=AuthenticationStep.choices)
    occurred_at = models.DateTimeField(db_index=True)
    ip_address = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["occurred_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.step} failure at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class UserSession(models.Model):
    """A signed-in browser session of a user, so users can see and end theirs (S5).

    Mirrors a row of Django's session store by ``session_key``; ending a
    ``UserSession`` deletes the server-side session too.
    """

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="user_sessions")
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    verified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the second factor was passed; empty: password only."),
    )
    ip_address = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} session since {self.created_at:%Y-%m-%d %H:%M}"


class Counter(models.Model):
    """The last number handed out for one per-task-force series (case numbers of a year,
    protocol version numbers).

    The row is locked while the next number is taken (``accord.accounts.counters``), so
    two writers at the same moment wait for each other instead of colliding.
    """

    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40, help_text=_("Which series, e.g. case-2026."))
    value = models.PositiveBigIntegerField(default=0, help_text=_("The last number handed out."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task_force", "name"], name="one_counter_per_series")
        ]

    def __str__(self) -> str:
        return f"{self.name} of task force {self.task_force_id}: {self.value}"
