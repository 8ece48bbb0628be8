"""S2: 5 failures (password or code) within 15 minutes lock the account for 30 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accord.accounts.models import Role
from accord.accounts.services import user_unlock
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent

from .factories import (
    DEFAULT_PASSWORD,
    acknowledge_notice,
    login_password_only,
    make_user,
    totp_code,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def password_attempt(client: Client, username: str, password: str):
    acknowledge_notice(client)
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def signs_in_with_password(username: str, password: str = DEFAULT_PASSWORD) -> bool:
    response = password_attempt(Client(), username, password)
    return response.status_code == 302 and response.url == reverse("accounts:mfa")


def fail_password(username: str, times: int) -> None:
    for _ in range(times):
        response = password_attempt(Client(), username, "not the right password")
        assert response.status_code == 200


def test_four_failures_then_the_right_password_signs_in(user):
    with time_machine.travel(START, tick=False):
        fail_password(user.username, 4)
        assert signs_in_with_password(user.username)


def test_five_failures_lock_the_account_against_the_right_password(user):
    with time_machine.travel(START, tick=False) as clock:
        fail_password(user.username, 5)
        assert not signs_in_with_password(user.username)
        clock.shift(timedelta(minutes=29))
        assert not signs_in_with_password(user.username)
        clock.shift(timedelta(minutes=1, seconds=1))
        assert signs_in_with_password(user.username)
    locked = AuditEvent.objects.get(event=AuditEventType.ACCOUNT_LOCKED)
    assert locked.object_id == str(user.pk)
    assert AuditEvent.objects.filter(event=AuditEventType.LOGIN_FAILED).count() >= 5


def test_the_lock_is_on_the_account_not_the_address(user):
    with time_machine.travel(START, tick=False):
        for address in ("198.51.100.1", "198.51.100.2", "203.0.113.7", "203.0.113.8", "192.0.2.9"):
            acknowledge_notice(client := Client(REMOTE_ADDR=address))
            client.post(
                reverse("accounts:login"), {"username": user.username, "password": "wrong-wrong"}
            )
        fresh = Client(REMOTE_ADDR="192.0.2.200")
        acknowledge_notice(fresh)
        response = fresh.post(
            reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200


def test_failures_sixteen_minutes_apart_do_not_add_up(user):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(6):
            fail_password(user.username, 1)
            clock.shift(timedelta(minutes=16))
        assert signs_in_with_password(user.username)


def test_the_window_slides_rather_than_resetting(user):
    """4 failures, 10 minutes, 1 failure: 5 in the window. Then 6 minutes on, 1 more: still 5."""
    with time_machine.travel(START, tick=False) as clock:
        fail_password(user.username, 3)
        clock.shift(timedelta(minutes=10))
        fail_password(user.username, 1)
        clock.shift(timedelta(minutes=6))  # the first 3 have left the window
        fail_password(user.username, 1)
        assert signs_in_with_password(user.username)
        fail_password(user.username, 3)  # 1 + 1 + 3 = 5 within 15 minutes
        assert not signs_in_with_password(user.username)


def test_a_locked_account_answers_exactly_like_a_wrong_password(user):
    with time_machine.travel(START, tick=False):
        fail_password(user.username, 5)
        wrong = password_attempt(Client(), user.username, "still not the password")
        right_but_locked = password_attempt(Client(), user.username, DEFAULT_PASSWORD)
    assert wrong.status_code == right_but_locked.status_code == 200
    from .test_enumeration import without_csrf

    assert without_csrf(wrong.content) == without_csrf(right_but_locked.content)


def test_second_factor_failures_count_and_lock(client, user):
    with time_machine.travel(START, tick=False) as clock:
        login_password_only(client, user)
        for _ in range(4):
            response = client.post(reverse("accounts:mfa"), {"code": "000000"})
            assert b"That code is not valid" in response.content
            clock.shift(timedelta(seconds=20))  # past django-otp's own throttle
        response = client.post(reverse("accounts:mfa"), {"code": "000000"})
        # Locked: the password-only session is ended; back to the notice.
        assert response.status_code == 302
        assert response.url == reverse("accounts:banner")
        assert "_auth_user_id" not in client.session
        notice = client.get(response.url)
        assert b"The username or password is not correct" in notice.content
        assert AuditEvent.objects.filter(event=AuditEventType.MFA_FAILED).count() >= 5
        assert AuditEvent.objects.filter(event=AuditEventType.ACCOUNT_LOCKED).count() == 1
        assert not signs_in_with_password(user.username)


def test_password_and_code_failures_add_up(client, user):
    with time_machine.travel(START, tick=False) as clock:
        fail_password(user.username, 3)
        login_password_only(client, user)
        for _ in range(2):
            client.post(reverse("accounts:mfa"), {"code": "000000"})
            clock.shift(timedelta(seconds=5))
        assert not signs_in_with_password(user.username)


def test_a_coordinator_of_the_task_force_unlocks_at_once(user, agency):
    coordinator = make_user(agency, "casey.moreno", roles=(Role.COORDINATOR,))
    with time_machine.travel(START, tick=False):
        fail_password(user.username, 5)
        assert not signs_in_with_password(user.username)
        user_unlock(actor=coordinator, user=user)
        assert signs_in_with_password(user.username)
    assert AuditEvent.objects.filter(
        event=AuditEventType.ACCOUNT_UNLOCKED, actor_id=coordinator.pk
    ).exists()


def test_a_full_sign_in_starts_the_count_afresh(client, user):
    with time_machine.travel(START, tick=False):
        fail_password(user.username, 4)
        login_password_only(client, user)
        client.post(reverse("accounts:mfa"), {"code": totp_code(user)})
        fail_password(user.username, 4)
        assert signs_in_with_password(user.username)
