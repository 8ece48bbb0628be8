"""The sign-in journey: notice, password, second factor, enrolment, next, logout (S1, S5, S6)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.accounts.models import Role
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent

from .factories import (
    DEFAULT_PASSWORD,
    acknowledge_notice,
    login_fully,
    login_password_only,
    make_user,
    totp_code,
)

pytestmark = pytest.mark.django_db


def test_notice_names_restricted_use_monitoring_cji_victims_and_consent(client):
    page = client.get(reverse("accounts:banner")).content.decode()
    for phrase in ("restricted", "monitored", "criminal justice information", "victim", "consent"):
        assert phrase in page.lower()


def test_login_without_acknowledged_notice_goes_back_to_the_notice(client, user):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:banner"))
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.url.startswith(reverse("accounts:banner"))
    assert "_auth_user_id" not in client.session


def test_acknowledging_the_notice_is_audited_and_opens_the_login_form(client):
    acknowledge_notice(client)
    assert AuditEvent.objects.filter(event=AuditEventType.BANNER_ACKNOWLEDGED).count() == 1
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_password_then_code_reaches_the_dashboard(client, user):
    response = login_password_only(client, user)
    assert response.url == reverse("accounts:mfa")
    assert client.get(reverse("web:dashboard")).url == reverse("accounts:mfa")
    response = client.post(reverse("accounts:mfa"), {"code": totp_code(user)})
    assert response.url == reverse("web:dashboard")
    assert client.get(reverse("web:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(event=AuditEventType.MFA_SUCCEEDED, actor_id=user.pk).exists()


def test_a_wrong_code_is_refused_with_a_clear_message(client, user):
    login_password_only(client, user)
    good = totp_code(user)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:mfa"), {"code": wrong})
    assert response.status_code == 200
    assert b"That code is not valid" in response.content
    assert AuditEvent.objects.filter(event=AuditEventType.MFA_FAILED).count() == 1
    response = client.post(reverse("accounts:mfa"), {"code": "12ab56"})
    assert b"Enter the 6 digits" in response.content


def test_next_is_followed_when_local_and_ignored_when_foreign(client, user):
    response = login_fully(client, user, next_url="/accounts/sessions/")
    assert response.url == "/accounts/sessions/"
    client.post(reverse("accounts:logout"))
    response = login_fully(client, user, next_url="https://evil.example/steal")
    assert response.url == reverse("web:dashboard")


def test_session_id_changes_at_password_and_at_code(client, user):
    acknowledge_notice(client)
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    after_password = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("accounts:mfa"), {"code": totp_code(user)})
    after_code = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert len({before, after_password, after_code}) == 3


def test_user_without_device_enrols_with_a_qr_code_then_is_signed_in(client, agency):
    newcomer = make_user(agency, "robin.hale", with_totp=False)
    login_password_only(client, newcomer)
    assert client.get(reverse("accounts:mfa")).url == reverse("accounts:enrol")
    page = client.get(reverse("accounts:enrol"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'class="qr"' in html
    assert " style=" not in html and "<script>" not in html and " onclick" not in html
    device = TOTPDevice.objects.get(user=newcomer)
    assert not device.confirmed
    response = client.post(reverse("accounts:enrol"), {"code": totp_code(newcomer)})
    assert response.url == reverse("web:dashboard")
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(
        event=AuditEventType.MFA_DEVICE_ENROLLED, actor_id=newcomer.pk
    ).exists()


def test_enrolment_page_shows_the_base32_secret(client, agency):
    import base64

    newcomer = make_user(agency, "robin.hale", with_totp=False)
    login_password_only(client, newcomer)
    html = client.get(reverse("accounts:enrol")).content.decode()
    device = TOTPDevice.objects.get(user=newcomer)
    secret = base64.b32encode(device.bin_key).decode()
    assert secret[:4] in html and secret[-4:] in html


def test_user_with_device_cannot_reach_enrolment(client, user):
    login_password_only(client, user)
    assert client.get(reverse("accounts:enrol")).url == reverse("accounts:mfa")


def test_logout_deletes_the_server_side_session(client, user):
    from importlib import import_module

    login_fully(client, user)
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert store().exists(old_key)
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:banner")
    assert not store().exists(old_key)
    assert client.get(reverse("web:dashboard")).status_code == 302
    assert AuditEvent.objects.filter(event=AuditEventType.LOGOUT, actor_id=user.pk).exists()


def test_logout_needs_post(client, user):
    login_fully(client, user)
    assert client.get(reverse("accounts:logout")).status_code == 200
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_signed_in_user_visiting_the_notice_goes_to_the_dashboard(client, user):
    login_fully(client, user)
    assert client.get(reverse("accounts:banner")).url == reverse("web:dashboard")


def test_disabled_user_gets_the_generic_failure(client, agency):
    gone = make_user(agency, "sam.ortiz", roles=(Role.ADVOCATE,))
    gone.is_active = False
    gone.save()
    acknowledge_notice(client)
    response = client.post(
        reverse("accounts:login"), {"username": gone.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert b"The username or password is not correct" in response.content
