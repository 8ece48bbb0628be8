"""Sessions, attendance, certificates, the CJIS date, compliance and the gate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from hypothesis import given
from hypothesis import strategies as st

from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.audit.testing import assert_audited
from accord.errors import ValidationError
from accord.training.models import Attendance, AttendanceStatus, Certificate, TrainingSession
from accord.training.selectors import (
    Status,
    add_months,
    agency_compliance,
    person_compliance,
    training_gate,
)
from accord.training.services import (
    attendance_record,
    session_create,
    session_register,
    training_expiry_notify,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def _session(coordinator, course, *, days: int, **kwargs):
    start = NOW + timedelta(days=days)
    return session_create(
        actor=coordinator,
        course=course,
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        place="Riverton Public Library, room 2",
        now=NOW,
        **kwargs,
    )


def test_a_past_session_without_attendance_is_refused_and_nothing_stored(coordinator, catalog):
    with pytest.raises(ValidationError, match="record who attended"):
        _session(coordinator, catalog["care"], days=-3)
    assert TrainingSession.objects.count() == 0


def test_a_session_is_not_scheduled_in_the_past_exactly_now_is_fine(coordinator, catalog):
    """Refused on the start field, one second before now; a session starting now is scheduled."""
    start = NOW - timedelta(seconds=1)
    with pytest.raises(ValidationError) as refused:
        session_create(
            actor=coordinator,
            course=catalog["care"],
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Hall",
            now=NOW,
        )
    assert refused.value.data["field"] == "starts_at"
    assert refused.value.message.startswith("A training session can't be scheduled in the past.")
    session = session_create(
        actor=coordinator,
        course=catalog["care"],
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=2),
        place="Hall",
        now=NOW,
    )
    assert session.starts_at == NOW


def test_a_past_session_with_attendance_issues_certificates(coordinator, catalog, make_member):
    advocate = make_member("adv", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    session = _session(coordinator, catalog["care"], days=-3, attendees=[advocate])
    certificate = Certificate.objects.get(user=advocate)
    assert certificate.session == session
    assert certificate.issued_on == date(2026, 5, 1)
    assert certificate.expires_on == date(2028, 5, 1)
    assert_audited(
        AuditEventType.TRAINING_SESSION_CHANGED,
        object_type="training.session",
        object_id=session.pk,
        actor=coordinator,
    )
    issued = assert_audited(
        AuditEventType.TRAINING_CERTIFICATE_ISSUED,
        object_type="training.certificate",
        object_id=certificate.pk,
        actor=coordinator,
    )
    assert issued.detail == {"user": "adv", "course": catalog["care"].code}


def test_recording_attendance_makes_a_person_compliant(coordinator, catalog, make_member):
    advocate = make_member("adv", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    other = make_member("adv2", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    session = _session(coordinator, catalog["care"], days=2, capacity=10)
    session_register(actor=advocate, session=session, user=advocate, now=NOW)
    registered = assert_audited(
        AuditEventType.TRAINING_SESSION_CHANGED,
        object_type="training.session",
        object_id=session.pk,
        actor=advocate,
        fields=["attendances"],
    )
    assert registered.detail == {"user": "adv"}
    session_register(actor=other, session=session, user=other, now=NOW)
    before = person_compliance(user=advocate, on=NOW.date())
    assert [(i.requirement_id, i.status) for i in before.items] == [
        ("trauma-informed-care", Status.MISSING)
    ]
    later = NOW + timedelta(days=3)
    with pytest.raises(ValidationError, match="at least one"):
        attendance_record(actor=coordinator, session=session, attended_user_ids=[], now=later)
    attendance_record(
        actor=coordinator, session=session, attended_user_ids=[advocate.pk], now=later
    )
    after = person_compliance(user=advocate, on=later.date())
    assert after.compliant and after.items[0].status == Status.MET
    assert Attendance.objects.get(user=other).status == AttendanceStatus.ABSENT
    assert not person_compliance(user=other, on=later.date()).compliant
    assert AuditEvent.objects.filter(event=AuditEventType.TRAINING_CERTIFICATE_ISSUED).count() == 1
    recorded = assert_audited(
        AuditEventType.TRAINING_ATTENDANCE_RECORDED,
        object_type="training.session",
        object_id=session.pk,
        actor=coordinator,
        fields=["attendances"],
    )
    assert recorded.detail == {"attended": 1}


def test_attendance_cannot_be_recorded_before_the_session(coordinator, catalog, make_member):
    advocate = make_member("adv", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    session = _session(coordinator, catalog["care"], days=2)
    session_register(actor=advocate, session=session, user=advocate, now=NOW)
    with pytest.raises(ValidationError, match="not started"):
        attendance_record(
            actor=coordinator, session=session, attended_user_ids=[advocate.pk], now=NOW
        )


def test_capacity_is_respected(coordinator, catalog, make_member):
    session = _session(coordinator, catalog["care"], days=2, capacity=1)
    first = make_member("a1", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    second = make_member("a2", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    session_register(actor=first, session=session, user=first, now=NOW)
    with pytest.raises(ValidationError, match="full"):
        session_register(actor=second, session=session, user=second, now=NOW)
    with pytest.raises(ValidationError, match="capacity"):
        attendance_record(
            actor=coordinator,
            session=session,
            attended_user_ids=[first.pk],
            add_users=[second],
            now=NOW + timedelta(days=3),
        )


def test_cjis_attendance_updates_the_personnel_gate_date(coordinator, catalog, make_member):
    investigator = make_member("inv", roles=["investigator"], agency_slug="pd")
    session_create(
        actor=coordinator,
        course=catalog["cjis"],
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW - timedelta(days=1) + timedelta(hours=1),
        online_url="https://training.example.invalid/cjis",
        attendees=[investigator],
        now=NOW,
    )
    investigator.refresh_from_db()
    assert investigator.cjis_training_on == date(2026, 5, 3)
    updates = AuditEvent.objects.filter(event=AuditEventType.USER_UPDATED)
    assert [event.fields for event in updates] == [["cjis_training_on"]]
    assert_audited(
        AuditEventType.USER_UPDATED,
        object_type="accounts.user",
        object_id=investigator.pk,
        actor=coordinator,
        fields=["cjis_training_on"],
    )


def test_training_gate_names_the_missing_course(coordinator, catalog, make_member):
    investigator = make_member("inv", roles=["investigator"], agency_slug="pd")
    result = training_gate(
        user=investigator, requirement_ids=["victim-centered-interviewing"], on=NOW.date()
    )
    assert not result.allowed
    assert result.missing == ("Victim-centered interviewing",)
    assert "Victim-centered interviewing" in result.message
    _session(coordinator, catalog["interviewing"], days=-1, attendees=[investigator])
    assert training_gate(
        user=investigator, requirement_ids=["victim-centered-interviewing"], on=NOW.date()
    ).allowed
    # an undeclared requirement fails closed, named by its id
    unknown = training_gate(user=investigator, requirement_ids=["no-such"], on=NOW.date())
    assert not unknown.allowed and unknown.missing == ("no-such",)


def test_an_expired_certificate_fails_the_gate(coordinator, catalog, make_member):
    investigator = make_member("inv", roles=["investigator"], agency_slug="pd")
    _session(coordinator, catalog["cjis"], days=-1, attendees=[investigator])
    assert training_gate(
        user=investigator, requirement_ids=["cjis-security"], on=date(2027, 5, 2)
    ).allowed
    assert not training_gate(
        user=investigator, requirement_ids=["cjis-security"], on=date(2027, 5, 4)
    ).allowed


def test_agency_compliance_shows_missing_and_expiring(coordinator, catalog, make_member):
    investigator = make_member("inv", roles=["investigator"], agency_slug="pd")
    make_member("inv2", roles=["investigator"], agency_slug="pd")
    _session(coordinator, catalog["cjis"], days=-1, attendees=[investigator])
    report = agency_compliance(agency=investigator.agency, on=date(2027, 4, 1))
    by_name = {
        p.user.username: {i.requirement_id: i.status for i in p.items} for p in report.people
    }
    assert by_name["inv"] == {
        "victim-centered-interviewing": Status.MISSING,
        "cjis-security": Status.EXPIRING,
    }
    assert by_name["inv2"]["cjis-security"] == Status.MISSING


def test_expiry_notices_go_once_per_threshold_to_person_and_lead(
    coordinator, catalog, make_member, django_capture_on_commit_callbacks
):
    from accord.accounts.models import Agency

    lead = make_member("pd.lead", roles=["investigator"], agency_slug="pd")
    investigator = make_member("inv", roles=["investigator"], agency_slug="pd")
    for user in (lead, investigator):
        user.email = f"{user.username}@example.invalid"
        user.save()
    Agency.objects.filter(pk=lead.agency_id).update(lead=lead)
    _session(coordinator, catalog["cjis"], days=-1, attendees=[investigator])
    expires = date(2027, 5, 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert training_expiry_notify(today=expires - timedelta(days=61)) == []
        first = training_expiry_notify(today=expires - timedelta(days=59))
        again = training_expiry_notify(today=expires - timedelta(days=50))
        later = training_expiry_notify(today=expires - timedelta(days=29))
    assert [n.threshold_days for n in first] == [60]
    assert again == []
    assert [n.threshold_days for n in later] == [30]
    # one message per address (nobody sees who else was told), two per threshold
    assert [m.to for m in mail.outbox[:2]] == [["inv@example.invalid"], ["pd.lead@example.invalid"]]
    assert len(mail.outbox) == 4
    certificate = Certificate.objects.get(user=investigator)
    notices = AuditEvent.objects.filter(event=AuditEventType.TRAINING_EXPIRY_NOTIFIED)
    assert [event.detail["threshold_days"] for event in notices.order_by("seq")] == [60, 30]
    assert_audited(
        AuditEventType.TRAINING_EXPIRY_NOTIFIED,
        object_type="training.certificate",
        object_id=certificate.pk,
    )


def test_a_new_course_is_audited_as_a_catalog_change(coordinator, catalog):
    assert_audited(
        AuditEventType.TRAINING_CATALOG_CHANGED,
        object_type="training.course",
        object_id=catalog["care"].pk,
        actor=coordinator,
    )


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=1, max_value=60),
)
def test_add_months_lands_in_the_right_month_and_never_overshoots(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    assert result > day


def test_freezing_the_clock_does_not_change_session_rules(coordinator, catalog, make_member):
    """The service reads the clock when not given ``now``."""
    advocate = make_member("adv", roles=["advocate"], agency_slug="vsp", sector="victim_services")
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(ValidationError):
            session_create(
                actor=coordinator,
                course=catalog["care"],
                starts_at=NOW - timedelta(hours=5),
                ends_at=NOW - timedelta(hours=1),
                place="Riverton",
            )
        session_create(
            actor=coordinator,
            course=catalog["care"],
            starts_at=NOW - timedelta(hours=5),
            ends_at=NOW - timedelta(hours=1),
            place="Riverton",
            attendees=[advocate],
        )
    # The clock the service read is the frozen one: the session is in the past, so the
    # attendee's certificate is issued on the day it was held.
    certificate = Certificate.objects.get(user=advocate)
    assert certificate.issued_on == NOW.date()
