"""The account services not driven through a page elsewhere, each with its audit event (S15)."""

from __future__ import annotations

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.accounts.services import (
    password_change_record,
    password_reset_request,
    totp_enrolment_confirm,
    totp_enrolment_device,
)
from accord.audit.events import AuditEventType, Outcome
from accord.audit.testing import assert_audited, audit_mark

from .factories import make_user

pytestmark = pytest.mark.django_db


def test_a_password_change_is_stored_and_audited_as_the_user(user):
    password_change_record(user=user, new_password="a long new passphrase 42")
    user.refresh_from_db()
    assert user.check_password("a long new passphrase 42")
    assert_audited(AuditEventType.PASSWORD_CHANGED, actor=user, outcome=Outcome.SUCCESS)


def test_a_reset_request_mails_each_matching_account_and_audits_it(
    agency, user, django_capture_on_commit_callbacks
):
    mark = audit_mark()
    with django_capture_on_commit_callbacks(execute=True):
        sent = password_reset_request(email=user.email.upper(), site_url="https://accord.example")
    assert sent == 1 and mail.outbox[0].to == [user.email]
    assert_audited(
        AuditEventType.PASSWORD_RESET_REQUESTED,
        object_type="user",
        object_id=user.pk,
        outcome=Outcome.SUCCESS,
        since=mark,
    )


def test_a_reset_request_for_an_unknown_address_is_audited_as_a_failure(db):
    assert password_reset_request(email="nobody@example.invalid", site_url="https://x") == 0
    assert mail.outbox == []
    failed = assert_audited(AuditEventType.PASSWORD_RESET_REQUESTED, outcome=Outcome.FAILURE)
    assert failed.object_id == ""


def test_confirming_a_second_factor_keeps_one_device_and_audits_the_enrolment(agency):
    newcomer = make_user(agency, "new.comer", with_totp=False)
    draft = totp_enrolment_device(user=newcomer)
    TOTPDevice.objects.create(user=newcomer, name="second draft", confirmed=False)
    totp_enrolment_confirm(user=newcomer, device=draft)
    assert list(TOTPDevice.objects.filter(user=newcomer).values_list("pk", "confirmed")) == [
        (draft.pk, True)
    ]
    enrolled = assert_audited(AuditEventType.MFA_DEVICE_ENROLLED, actor=newcomer)
    assert enrolled.detail == {"device": draft.name}
