"""Reads for reports: case rows through the read door, disagreements and training as counts.

Case data comes only from ``accord.sharing.door.case_aggregate_counts`` (counts
computed in SQL; it refuses non-coordinators and audits the read). Disagreements and training
compliance are not case data; they are reduced here to the plain rows
``aggregates`` counts (a level and a status; a role and a status), so no
question, position, name or certificate leaves this module.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import Role, User
from accord.conflicts.models import Disagreement, DisagreementStatus
from accord.errors import PermissionDenied, ValidationError
from accord.protocols.selectors import protocol_in_force
from accord.sharing.door import case_aggregate_counts
from accord.training.selectors import Status, people_compliance

from .aggregates import (
    DisagreementRow,
    Report,
    ReportView,
    TrainingRow,
    build_report,
    funder_view,
    merged,
)
from .periods import Period

_TRAINING_STATUS = {
    Status.MET: "met",
    Status.EXPIRING: "expiring",
    Status.EXPIRED: "missing",
    Status.MISSING: "missing",
}
_WORST = ("missing", "expiring", "met")


def _require_coordinator(viewer: User) -> None:
    if viewer.task_force_id is None or not viewer.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only the task force's coordinators run reports."))


def disagreement_rows(*, viewer: User, period: Period) -> list[DisagreementRow]:
    """Disagreements of the viewer's task force raised in the period: level and status only."""
    _require_coordinator(viewer)
    zone = timezone.get_current_timezone()
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(period.end, datetime.max.time(), tzinfo=zone)
    rows = []
    for disagreement in Disagreement.objects.filter(
        task_force_id=viewer.task_force_id, raised_at__gte=start, raised_at__lte=end
    ).only("status", "current_level", "decided_at_level", "ladder", "raised_at"):
        level = disagreement.current_level
        if disagreement.status == DisagreementStatus.RESOLVED and disagreement.decided_at_level:
            level = disagreement.decided_at_level
        rows.append(
            DisagreementRow(
                level=level,
                level_name=str(disagreement.level_spec(level).get("name", f"Level {level}")),
                status=str(disagreement.status),
                raised_on=timezone.localtime(disagreement.raised_at, zone).date(),
            )
        )
    return rows


def training_rows(*, viewer: User, on: date) -> list[TrainingRow]:
    """Each active member of the task force, once per role that has requirements: the worst
    status of that role's requirements on ``on`` (missing/expired, expiring, met)."""
    _require_coordinator(viewer)
    version = protocol_in_force(task_force=viewer.agency.task_force)  # type: ignore[union-attr]  # a signed-in member always has an agency
    if version is None:
        return []
    protocol = version.protocol
    people = (
        User.objects.filter(agency__task_force_id=viewer.task_force_id, is_active=True)
        .select_related("agency")
        .prefetch_related("role_grants")
    )
    rows = []
    for compliance in people_compliance(people=people, on=on, protocol=protocol):
        status_of = {
            item.requirement_id: _TRAINING_STATUS[item.status] for item in compliance.items
        }
        for role in sorted(compliance.user.role_set):
            statuses = [
                status_of[req.id]
                for req in protocol.training
                if role in req.roles and req.id in status_of
            ]
            if statuses:
                rows.append(TrainingRow(role=role, status=min(statuses, key=_WORST.index)))
    return rows


def report_for(*, viewer: User, period: Period, now: datetime | None = None) -> Report:
    """Every measure of the period for the viewer's task force (coordinators only)."""
    _require_coordinator(viewer)
    now = now or timezone.now()
    counts = case_aggregate_counts(
        viewer=viewer, period_start=period.start, period_end=period.end, now=now
    )
    on = min(period.end, timezone.localdate(now))
    return build_report(
        period=period,
        counts=merged(counts.parts),
        minutes_to_accept=counts.minutes_to_accept,
        disagreement_rows=disagreement_rows(viewer=viewer, period=period),
        training_rows=training_rows(viewer=viewer, on=on),
    )


#: The message of every refused funder period; it names the field, as the form does.
FUNDER_PERIOD_MESSAGE = (
    "Period: choose a whole month, quarter or year that is over, from the list. Funder "
    "reports never cover other days, so that no two of them can be subtracted to single "
    "out a case."
)


def funder_view_for(*, viewer: User, period: Period, now: datetime | None = None) -> ReportView:
    """The funder report of a funder period (a whole month, quarter or year, already over),
    suppressed month by month (S13); any other period is refused, whoever asks for it."""
    _require_coordinator(viewer)
    now = now or timezone.now()
    if period.key is None or period.end >= timezone.localdate(now):
        raise ValidationError(FUNDER_PERIOD_MESSAGE, data={"field": "period"})
    counts = case_aggregate_counts(
        viewer=viewer, period_start=period.start, period_end=period.end, now=now, by_month=True
    )
    return funder_view(
        period=period,
        counts=counts,
        disagreement_rows=disagreement_rows(viewer=viewer, period=period),
        training_rows=training_rows(viewer=viewer, on=period.end),
    )
