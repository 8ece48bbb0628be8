"""Renewal reminders before a CP/T/U record expires: once per record and threshold, only to
the requesting agency's authorized users, and never saying what kind of record it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from accord.accounts.models import Role
from accord.cases.models import CaseEvent, Notification
from accord.cases.services import (
    immigration_relief_create,
    immigration_relief_remind,
    immigration_relief_update,
)

from .conftest import open_case

pytestmark = pytest.mark.django_db

START = datetime.now(tz=UTC).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def granted_cp(people, make_member):
    """HSI's Continued Presence, granted, expiring 40 days after START."""
    make_member("investigator.hsi2", roles=[Role.INVESTIGATOR], agency_slug="hsi-riverton")
    case = open_case(people["rpd"])
    with time_machine.travel(START, tick=False):
        relief = immigration_relief_create(
            actor=people["hsi"], victim_id=case.potentialvictims.get().pk, kind="continued_presence"
        )
        immigration_relief_update(
            actor=people["hsi"],
            relief_id=relief.pk,
            status="granted",
            expected_version=1,
            expires_on=(START + timedelta(days=40)).date(),
        )
    return relief


def _reminders(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind__startswith="relief_renewal:"))


def test_reminded_once_thirty_days_before_to_authorized_users_only(
    people, granted_cp, django_capture_on_commit_callbacks
):
    with time_machine.travel(START + timedelta(days=9), tick=False):  # 31 days left
        assert immigration_relief_remind() == []
    with time_machine.travel(START + timedelta(days=10), tick=False):  # 30 days left
        with django_capture_on_commit_callbacks(execute=True):
            sent = immigration_relief_remind()
        assert [(r.relief_id, r.days_before, r.recipients) for r in sent] == [
            (granted_cp.pk, 30, 1)
        ]
        assert immigration_relief_remind() == []  # the same day again: quiet
    with time_machine.travel(START + timedelta(days=11), tick=False):
        assert immigration_relief_remind() == []  # the next day: still once
    reminders = Notification.objects.filter(kind__startswith="relief_renewal:")
    assert [n.user_id for n in reminders] == [people["hsi"].pk]  # not hsi2, not the police
    assert granted_cp.case.number in reminders[0].subject
    # the text (e-mailed too) never says what kind of record it is (8 U.S.C. 1367)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [people["hsi"].email]
    for text in (reminders[0].subject, reminders[0].body, mail.outbox[0].body):
        assert "Continued Presence" not in text and "visa" not in text.lower()
        assert "immigration" not in text.lower()
    # the timeline records it for those allowed to see immigration relief
    event = CaseEvent.objects.get(kind="relief_renewal_reminder")
    assert event.field_class == "immigration-1367"


def test_a_nearer_threshold_reminds_again_and_ended_records_are_quiet(people, granted_cp):
    with time_machine.travel(START + timedelta(days=10), tick=False):
        assert len(immigration_relief_remind(thresholds=(30, 7))) == 1
    with time_machine.travel(START + timedelta(days=34), tick=False):  # 6 days left
        sent = immigration_relief_remind(thresholds=(30, 7))
        assert [r.days_before for r in sent] == [7]
    assert len(_reminders(people["hsi"])) == 2
    granted_cp.refresh_from_db()
    immigration_relief_update(
        actor=people["hsi"],
        relief_id=granted_cp.pk,
        status="withdrawn",
        expected_version=granted_cp.lock_version,
    )
    with time_machine.travel(START + timedelta(days=39), tick=False):
        assert immigration_relief_remind(thresholds=(30, 7, 1)) == []


def test_command_reports_without_kind_or_date(people, granted_cp):
    out = StringIO()
    with time_machine.travel(START + timedelta(days=12), tick=False):
        call_command("immigration_relief_remind", stdout=out)
        call_command("immigration_relief_remind", stdout=out)
    text = out.getvalue()
    assert "1 renewal reminder(s) sent" in text and "0 renewal reminder(s) sent" in text
    assert granted_cp.case.number in text
    assert "continued" not in text.lower() and str(granted_cp.expires_on) not in text


def test_command_reads_a_now_without_zone_as_utc(people, granted_cp):
    """A drill's ``--now`` without a zone is taken as UTC (it once crashed on that input)."""
    out = StringIO()
    naive = (START + timedelta(days=12)).replace(tzinfo=None).isoformat()
    call_command("immigration_relief_remind", "--now", naive, stdout=out)
    assert "1 renewal reminder(s) sent" in out.getvalue()
