"""Demo data of the protocol app: version 1 in force, a version 2 draft, the drill scenarios.

Called by ``accord.demo`` after the directory's loader (so the cross-checks see
the example organizations). Everything goes through the services, so the demo's
audit trail reads like a real agreement. Idempotent: a task force that already
has versions is left alone.
"""

from __future__ import annotations

import pathlib

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Agency, Role, TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import ValidationError

from . import services
from .drills import load_scenario_file
from .models import DrillScenario, ProtocolStatus, ProtocolVersion
from .selectors import version_report

REPO = pathlib.Path(__file__).resolve().parents[2]
PROTOCOL_FILE = REPO / "examples" / "protocols" / "example-county.yaml"
SCENARIO_FILE = REPO / "examples" / "scenarios" / "example-county.yaml"

#: The version 2 draft: the State Police joins operations from three victims, not five.
V2_CHANGE = ('victim_count: ">= 5"', 'victim_count: ">= 3"')
V2_HOW = (
    "Five or more potential victims - the State Police joins to coordinate resources.",
    "Three or more potential victims - the State Police joins to coordinate resources.",
)


def _coordinator(task_force: TaskForce) -> User | None:
    return (
        User.objects.filter(agency__task_force=task_force, role_grants__role=Role.COORDINATOR)
        .order_by("username")
        .first()
    )


def version_2_text(text: str) -> str:
    return text.replace(*V2_CHANGE).replace(*V2_HOW)


@transaction.atomic
def load(*, task_force: TaskForce) -> None:
    if ProtocolVersion.objects.filter(task_force=task_force).exists():
        return
    coordinator = _coordinator(task_force)
    if coordinator is None:
        return
    text = PROTOCOL_FILE.read_text(encoding="utf-8")
    first = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=text
    )
    for item in version_report(version=first).unresolved:
        services.finding_accept_risk(
            actor=coordinator,
            version=first,
            finding_key=item.key,
            note="Demo: accepted while the directory entry is completed.",
        )
    services.protocol_version_circulate(actor=coordinator, version=first)
    for agency in Agency.objects.filter(task_force=task_force, is_active=True):
        signatory = User.objects.filter(username=f"signatory.{agency.slug}", agency=agency).first()
        if signatory is None or not signatory.has_role(Role.SIGNATORY):
            continue
        services.sign_off_record(
            actor=signatory,
            version=first,
            approve=True,
            comment="Approved at the task force meeting.",
        )
    try:
        services.protocol_version_bring_into_force(actor=coordinator, version=first)
    except ValidationError:
        # Some agency has no demo signatory: the demo still needs a version in force.
        first.status = ProtocolStatus.IN_FORCE
        first.effective_date = timezone.localdate()
        first.in_force_at = timezone.now()
        first.save(update_fields=["status", "effective_date", "in_force_at", "updated_at"])
        audit_record(
            event=AuditEventType.PROTOCOL_BROUGHT_INTO_FORCE,
            actor=coordinator,
            object_type="protocol_version",
            object_id=first.pk,
            detail={"number": first.number, "demo": "without every agency's sign-off"},
            task_force_id=task_force.pk,
        )
    services.protocol_version_create(
        actor=coordinator,
        task_force=task_force,
        yaml_text=version_2_text(text),
        title="Example County protocol — State Police joins from three victims",
        based_on=first,
    )
    for scenario in load_scenario_file(SCENARIO_FILE):
        if not DrillScenario.objects.filter(task_force=task_force, name=scenario.name).exists():
            services.drill_scenario_save(
                actor=coordinator,
                task_force=task_force,
                name=scenario.name,
                facts=dict(scenario.facts),
                notes=scenario.notes,
            )
