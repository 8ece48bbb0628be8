"""S5: idle timeout, absolute lifetime, one session per user, seeing and ending sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from accord.accounts.models import UserSession
from accord.accounts.sessions import session_exists
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent

from .factories import login_fully

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
EXPIRED = b"Your session has expired; please sign in again."


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_idle_for_more_than_30_minutes_ends_the_session(client, user):
    with time_machine.travel(START, tick=False) as clock:
        login_fully(client, user)
        key = session_key(client)
        clock.shift(timedelta(minutes=29))
        assert client.get(reverse("web:dashboard")).status_code == 200
        clock.shift(timedelta(minutes=29))  # activity reset the idle clock
        assert client.get(reverse("web:dashboard")).status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("web:dashboard"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:banner"))
        assert not session_exists(key)
        notice = client.get(response.url)
        assert notice.status_code == 200
        assert EXPIRED in notice.content
    assert AuditEvent.objects.filter(
        event=AuditEventType.SESSION_EXPIRED, actor_id=user.pk, detail__reason="idle timeout"
    ).exists()


def test_the_absolute_lifetime_is_12_hours_however_active(client, user):
    with time_machine.travel(START, tick=False) as clock:
        login_fully(client, user)
        for _ in range(28):  # 11 h 40 min of activity every 25 minutes
            clock.shift(timedelta(minutes=25))
            assert client.get(reverse("web:dashboard")).status_code == 200
        clock.shift(timedelta(minutes=25))
        response = client.get(reverse("web:dashboard"))
        assert response.status_code == 302
        assert EXPIRED in client.get(response.url).content
    assert AuditEvent.objects.filter(
        event=AuditEventType.SESSION_EXPIRED, detail__reason="absolute lifetime"
    ).exists()


def test_a_revoked_session_sees_the_expiry_message_not_an_error(user):
    first, second = Client(), Client()
    login_fully(first, user)
    login_fully(second, user)  # the limit of one ends the first session
    response = first.get(reverse("web:dashboard"))
    assert response.status_code == 302
    notice = first.get(response.url)
    assert notice.status_code == 200
    assert EXPIRED in notice.content


def test_a_new_sign_in_ends_the_oldest_session(user):
    first, second = Client(), Client()
    login_fully(first, user)
    old_key = session_key(first)
    login_fully(second, user)
    assert not session_exists(old_key)
    assert first.get(reverse("web:dashboard")).status_code == 302
    assert second.get(reverse("web:dashboard")).status_code == 200
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        session_key(second)
    ]
    assert AuditEvent.objects.filter(
        event=AuditEventType.SESSION_REVOKED, detail__reason="concurrent session limit"
    ).exists()


@override_settings(ACCORD_MAX_CONCURRENT_SESSIONS=2)
def test_the_session_limit_is_a_setting(user):
    clients = [Client(), Client(), Client()]
    for each in clients:
        login_fully(each, user)
    statuses = [each.get(reverse("web:dashboard")).status_code for each in clients]
    assert statuses == [302, 200, 200]


def test_a_password_alone_does_not_push_the_signed_in_user_out(user):
    signed_in, intruder = Client(), Client()
    login_fully(signed_in, user)
    from .factories import login_password_only

    login_password_only(intruder, user)
    assert signed_in.get(reverse("web:dashboard")).status_code == 200


@override_settings(ACCORD_MAX_CONCURRENT_SESSIONS=2)
def test_users_see_their_sessions_and_end_one(user):
    laptop, phone = (
        Client(HTTP_USER_AGENT="Laptop browser"),
        Client(HTTP_USER_AGENT="Phone browser"),
    )
    login_fully(laptop, user)
    login_fully(phone, user)
    page = laptop.get(reverse("accounts:sessions"))
    assert page.status_code == 200
    assert b"Laptop browser" in page.content and b"Phone browser" in page.content
    assert b"this session" in page.content
    phone_session = UserSession.objects.get(user=user, user_agent="Phone browser")
    response = laptop.post(reverse("accounts:session_revoke", args=[phone_session.pk]))
    assert response.status_code == 302
    assert phone.get(reverse("web:dashboard")).status_code == 302
    assert laptop.get(reverse("web:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(
        event=AuditEventType.SESSION_REVOKED, actor_id=user.pk, detail__reason="ended by the user"
    ).exists()


def test_nobody_ends_someone_elses_session(client, user, coordinator):
    other = Client()
    login_fully(other, coordinator)
    theirs = UserSession.objects.get(user=coordinator)
    login_fully(client, user)
    response = client.post(reverse("accounts:session_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    assert other.get(reverse("web:dashboard")).status_code == 200


def test_ending_your_own_current_session_signs_you_out(client, user):
    login_fully(client, user)
    mine = UserSession.objects.get(user=user)
    response = client.post(reverse("accounts:session_revoke", args=[mine.pk]))
    assert response.url == reverse("accounts:banner")
    assert client.get(reverse("web:dashboard")).status_code == 302
