"""Raising, escalating (with a frozen clock), deciding and withdrawing disagreements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.audit.testing import assert_audited
from accord.conflicts.deciders import deciders_for
from accord.conflicts.models import DisagreementEventKind, DisagreementStatus
from accord.conflicts.services import (
    OBJECT_TYPE,
    PartyPosition,
    disagreement_decide,
    disagreement_link_amendment,
    disagreement_raise,
    disagreement_withdraw,
    disagreements_escalate_due,
)
from accord.errors import ConflictError, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _raise(people, protocol_in_force, **overrides):
    kwargs = {
        "actor": people["investigator"],
        "question": "May the investigator hold a second interview this week?",
        "parties": [
            PartyPosition(agency_id=people["le"].pk, position="A second interview is needed."),
            PartyPosition(agency_id=people["vsp"].pk, position="The victim needs a week of rest."),
        ],
        "protocol_version": protocol_in_force,
        "protocol_reference": "information_sharing/R1",
    }
    kwargs.update(overrides)
    return disagreement_raise(**kwargs)


def test_raise_starts_at_level_one_with_the_ladder_snapshotted(
    people, protocol_in_force, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        disagreement = _raise(people, protocol_in_force)
    assert disagreement.current_level == 1
    assert disagreement.due_at == T0 + timedelta(hours=24)
    assert [level["name"] for level in disagreement.ladder] == [
        "Agency leads",
        "Co-chairs",
        "Executive committee",
    ]
    assert {p.agency.slug for p in disagreement.parties.all()} == {"le-a", "vsp-a"}
    # level 1 deciders (party leads) are told; the e-mail carries no positions
    assert [m.to for m in mail.outbox] == [
        ["le.lead@example.invalid"],
        ["vsp.lead@example.invalid"],
    ]
    assert all("week of rest" not in m.body for m in mail.outbox)
    assert_audited(
        AuditEventType.DISAGREEMENT_RAISED,
        object_type=OBJECT_TYPE,
        object_id=disagreement.pk,
        actor=people["investigator"],
    )


def test_a_disagreement_without_two_parties_is_refused_and_nothing_is_stored(
    people, protocol_in_force
):
    from accord.conflicts.models import Disagreement

    with pytest.raises(ValidationError, match="at least two party agencies"):
        _raise(
            people,
            protocol_in_force,
            parties=[PartyPosition(agency_id=people["le"].pk, position="We want it.")],
        )
    with pytest.raises(ValidationError, match="at least two"):
        _raise(people, protocol_in_force, parties=[])
    with pytest.raises(ValidationError, match="position of"):
        _raise(
            people,
            protocol_in_force,
            parties=[
                PartyPosition(agency_id=people["le"].pk, position="Yes."),
                PartyPosition(agency_id=people["vsp"].pk, position="  "),
            ],
        )
    assert Disagreement.objects.count() == 0


def test_no_protocol_in_force_means_nobody_to_decide(people):
    with pytest.raises(ValidationError, match="No protocol"):
        _raise(people, None)


def test_unresolved_at_the_limit_escalates_to_level_two_with_notification(
    people, protocol_in_force, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        disagreement = _raise(people, protocol_in_force)
    mail.outbox.clear()
    # one minute before the limit: nothing moves
    with time_machine.travel(T0 + timedelta(hours=23, minutes=59), tick=False):
        assert disagreements_escalate_due().escalated == ()
    # at the limit: level 2, the co-chairs (coordinators here) are told
    with (
        time_machine.travel(T0 + timedelta(hours=24), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = disagreements_escalate_due()
        again = disagreements_escalate_due()  # once per limit
    assert report.escalated == ((disagreement.pk, 1, 2),)
    assert again.escalated == ()
    disagreement.refresh_from_db()
    assert disagreement.current_level == 2
    assert disagreement.due_at == T0 + timedelta(hours=24 + 72)
    recipients = {address for message in mail.outbox for address in message.to}
    assert "coord@example.invalid" in recipients
    assert "escalated to level 2" in mail.outbox[0].subject
    event = disagreement.events.get(kind=DisagreementEventKind.ESCALATED)
    assert (event.from_level, event.to_level) == (1, 2)
    assert AuditEvent.objects.filter(event=AuditEventType.DISAGREEMENT_ESCALATED).count() == 1
    assert_audited(
        AuditEventType.DISAGREEMENT_ESCALATED, object_type=OBJECT_TYPE, object_id=disagreement.pk
    )


def test_resolved_before_the_limit_never_escalates(people, protocol_in_force):
    with time_machine.travel(T0, tick=False):
        disagreement = _raise(people, protocol_in_force)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        disagreement_decide(
            actor=people["vsp_lead"],
            disagreement=disagreement,
            decision="Second interview next Tuesday, advocate present.",
            reason="Both agree a week's rest is enough.",
            lock_version=disagreement.lock_version,
        )
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        assert disagreements_escalate_due().escalated == ()
    disagreement.refresh_from_db()
    assert disagreement.status == DisagreementStatus.RESOLVED
    assert disagreement.current_level == 1
    assert disagreement.decided_by == people["vsp_lead"]
    assert disagreement.decided_at_level == 1
    assert_audited(
        AuditEventType.DISAGREEMENT_DECIDED,
        object_type=OBJECT_TYPE,
        object_id=disagreement.pk,
        actor=people["vsp_lead"],
    )
    assert not AuditEvent.objects.filter(event=AuditEventType.DISAGREEMENT_ESCALATED).exists()


def test_at_the_last_level_an_overdue_disagreement_is_flagged_once_not_looped(
    people, protocol_in_force
):
    with time_machine.travel(T0, tick=False):
        disagreement = _raise(people, protocol_in_force)
    moment = T0
    for hours in (24, 72):
        moment += timedelta(hours=hours)
        with time_machine.travel(moment, tick=False):
            disagreements_escalate_due()
    disagreement.refresh_from_db()
    assert disagreement.current_level == 3
    assert [u.username for u in deciders_for(disagreement=disagreement).users] == ["exec.lead"]
    with time_machine.travel(moment + timedelta(days=10), tick=False):
        report = disagreements_escalate_due()
    with time_machine.travel(moment + timedelta(days=40), tick=False):
        later = disagreements_escalate_due()
    assert report.flagged == (disagreement.pk,)
    assert later.flagged == () and later.escalated == ()
    disagreement.refresh_from_db()
    assert disagreement.current_level == 3 and disagreement.overdue_flagged_at is not None
    assert disagreement.status == DisagreementStatus.OPEN
    assert_audited(
        AuditEventType.DISAGREEMENT_OVERDUE_AT_LAST_LEVEL,
        object_type=OBJECT_TYPE,
        object_id=disagreement.pk,
    )
    flagged = AuditEvent.objects.filter(event=AuditEventType.DISAGREEMENT_OVERDUE_AT_LAST_LEVEL)
    assert flagged.count() == 1  # flagged once, not every run


def test_the_ladder_snapshot_survives_a_protocol_change(people, protocol_in_force):
    from accord.conflicts.tests.conftest import protocol_text

    disagreement = _raise(people, protocol_in_force)
    protocol_in_force.yaml_text = protocol_text(
        "escalation:\n  - {level: 1, name: Only level, decided_by: coordinator, within: 1h}\n"
    )
    protocol_in_force.save()
    disagreement.refresh_from_db()
    assert disagreement.last_level == 3
    assert disagreement.level_spec(2)["name"] == "Co-chairs"


def test_only_current_deciders_or_a_coordinator_decide(people, protocol_in_force):
    disagreement = _raise(people, protocol_in_force)
    with pytest.raises(PermissionDenied):
        disagreement_decide(
            actor=people["exec_lead"],  # decides only at level 3
            disagreement=disagreement,
            decision="x",
            reason="y",
            lock_version=disagreement.lock_version,
        )
    disagreement.refresh_from_db()
    assert disagreement.status == DisagreementStatus.OPEN
    with pytest.raises(ValidationError, match="why"):
        disagreement_decide(
            actor=people["coordinator"],
            disagreement=disagreement,
            decision="Interview Tuesday.",
            reason="",
            lock_version=disagreement.lock_version,
        )


def test_a_decision_from_a_stale_page_is_refused(people, protocol_in_force):
    """S23: the disagreement escalated while the decider's page was open."""
    with time_machine.travel(T0, tick=False):
        disagreement = _raise(people, protocol_in_force)
        stale = disagreement.lock_version
    with time_machine.travel(T0 + timedelta(hours=25), tick=False):
        disagreements_escalate_due()
        with pytest.raises(ConflictError, match="changed since"):
            disagreement_decide(
                actor=people["coordinator"],
                disagreement=disagreement,
                decision="Interview Tuesday.",
                reason="Agreed.",
                lock_version=stale,
            )


def test_withdraw_and_amendment_link(people, protocol_in_force, task_force):
    from accord.protocols.models import ProtocolVersion

    first = _raise(people, protocol_in_force)
    with pytest.raises(PermissionDenied):
        disagreement_withdraw(
            actor=people["vsp_lead"], disagreement=first, reason="x", lock_version=1
        )
    withdrawn = disagreement_withdraw(
        actor=people["investigator"], disagreement=first, reason="Settled by phone.", lock_version=1
    )
    assert withdrawn.status == DisagreementStatus.WITHDRAWN
    assert_audited(
        AuditEventType.DISAGREEMENT_WITHDRAWN,
        object_type=OBJECT_TYPE,
        object_id=first.pk,
        actor=people["investigator"],
    )

    second = _raise(people, protocol_in_force)
    draft = ProtocolVersion.objects.create(
        task_force=task_force, number=2, title="Amended", yaml_text=protocol_in_force.yaml_text
    )
    decided = disagreement_decide(
        actor=people["le_lead"],
        disagreement=second,
        decision="Advocates are told 48 hours before any re-interview.",
        reason="Gives the victim time to prepare.",
        lock_version=second.lock_version,
    )
    with pytest.raises(ValidationError, match="draft"):
        disagreement_link_amendment(
            actor=people["coordinator"], disagreement=decided, amendment=protocol_in_force
        )
    linked = disagreement_link_amendment(
        actor=people["coordinator"], disagreement=decided, amendment=draft
    )
    assert linked.amendment == draft
    assert linked.events.filter(kind=DisagreementEventKind.AMENDMENT_LINKED).exists()
    assert_audited(
        AuditEventType.DISAGREEMENT_DECIDED,
        object_type=OBJECT_TYPE,
        object_id=second.pk,
        actor=people["le_lead"],
    )
    assert_audited(
        AuditEventType.DISAGREEMENT_AMENDMENT_LINKED,
        object_type=OBJECT_TYPE,
        object_id=second.pk,
        actor=people["coordinator"],
    )


def test_free_text_decided_by_is_read_for_committee_names(people, protocol_in_force, task_force):
    from accord.accounts.models import Committee

    committee = Committee.objects.create(
        task_force=task_force, slug="victim_services_committee", name="Victim Services Committee"
    )
    committee.agencies.set([people["vsp"]])
    disagreement = _raise(people, protocol_in_force)
    disagreement.ladder = [
        {
            "level": 1,
            "name": "Chairs",
            "decided_by": "chairs of the victim services committee",
            "hours": 24,
        },
        {"level": 2, "name": "Case", "decided_by": "case agent and serving advocate", "hours": 24},
    ]
    disagreement.save()
    first = deciders_for(disagreement=disagreement, level=1)
    assert [u.username for u in first.users] == ["vsp.lead"]
    assert "Victim Services Committee" in first.explanation
    second = deciders_for(disagreement=disagreement, level=2)
    assert [u.username for u in second.users] == ["le.lead", "vsp.lead"]
    assert "no committee or role named" in second.explanation
