"""S7: re-authentication for privileged actions, disabling at once, inactivity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Role, User
from accord.accounts.services import user_disable, users_disable_inactive
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.audit.testing import assert_audited

from .factories import DEFAULT_PASSWORD, login_fully, make_user, reauthenticate, totp_code

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_role_changes_ask_for_re_authentication_first(client, coordinator, user):
    login_fully(client, coordinator)
    roles_url = reverse("accounts:user_roles", args=[user.pk])
    response = client.get(roles_url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:reauthenticate"))
    reauthenticate(client, coordinator)
    assert client.get(roles_url).status_code == 200
    assert "accord_reauth_at" in client.session
    assert AuditEvent.objects.filter(
        event=AuditEventType.REAUTHENTICATED, actor_id=coordinator.pk
    ).exists()


def test_re_authentication_lasts_the_window_only(client, coordinator, user):
    roles_url = reverse("accounts:user_roles", args=[user.pk])
    with time_machine.travel(START, tick=False) as clock:
        login_fully(client, coordinator)
        reauthenticate(client, coordinator)
        clock.shift(timedelta(minutes=9))
        assert client.get(roles_url).status_code == 200
        clock.shift(timedelta(minutes=2))
        assert client.get(roles_url).url.startswith(reverse("accounts:reauthenticate"))


def test_re_authentication_returns_to_the_page_asked_for(client, coordinator, user):
    login_fully(client, coordinator)
    roles_url = reverse("accounts:user_roles", args=[user.pk])
    reauth_url = client.get(roles_url).url
    response = client.post(
        reauth_url,
        {"password": DEFAULT_PASSWORD, "code": totp_code(coordinator), "next": roles_url},
    )
    assert response.url == roles_url


def test_re_authentication_needs_the_password_and_the_code(client, coordinator):
    login_fully(client, coordinator)
    response = client.post(
        reverse("accounts:reauthenticate"),
        {"password": "not my password", "code": totp_code(coordinator)},
    )
    assert response.status_code == 200
    assert b"The password is not correct" in response.content
    assert "accord_reauth_at" not in client.session
    response = client.post(
        reverse("accounts:reauthenticate"), {"password": DEFAULT_PASSWORD, "code": "000000"}
    )
    assert b"That code is not valid" in response.content
    assert "accord_reauth_at" not in client.session


def test_a_disabled_user_is_signed_out_at_once(coordinator, user):
    theirs = Client()
    login_fully(theirs, user)
    assert theirs.get(reverse("web:dashboard")).status_code == 200
    user_disable(actor=coordinator, user=user, reason="left the agency")
    assert theirs.get(reverse("web:dashboard")).status_code == 302
    fresh = Client()
    from .factories import acknowledge_notice

    acknowledge_notice(fresh)
    response = fresh.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200  # the generic failure
    assert_audited(
        AuditEventType.USER_DISABLED, object_type="user", object_id=user.pk, actor=coordinator
    )


def test_users_inactive_for_90_days_are_disabled(agency):
    now = timezone.now()
    idle = make_user(agency, "lee.quinn")
    recent = make_user(agency, "pat.kim")
    never = make_user(agency, "drew.ash")
    User.objects.filter(pk=idle.pk).update(last_activity_at=now - timedelta(days=91))
    User.objects.filter(pk=recent.pk).update(last_activity_at=now - timedelta(days=89))
    User.objects.filter(pk=never.pk).update(
        last_activity_at=None, date_joined=now - timedelta(days=120)
    )
    disabled = users_disable_inactive(now=now)
    assert {u.username for u in disabled} == {"lee.quinn", "drew.ash"}
    assert not User.objects.get(pk=idle.pk).is_active
    assert User.objects.get(pk=recent.pk).is_active
    for gone in (idle, never):
        event = assert_audited(AuditEventType.USER_DISABLED, object_type="user", object_id=gone.pk)
        assert event.actor_id is None and "inactive" in event.detail["reason"]
    assert not AuditEvent.objects.filter(
        event=AuditEventType.USER_DISABLED, object_id=str(recent.pk)
    ).exists()


def test_signing_in_counts_as_activity(client, user):
    User.objects.filter(pk=user.pk).update(last_activity_at=None)
    login_fully(client, user)
    user.refresh_from_db()
    assert user.last_activity_at is not None
    assert users_disable_inactive(now=timezone.now() + timedelta(days=89)) == []


def test_the_inactivity_job_disables_coordinators_too(agency):
    boss = make_user(agency, "jamie.cole", roles=(Role.COORDINATOR,))
    User.objects.filter(pk=boss.pk).update(last_activity_at=timezone.now() - timedelta(days=100))
    assert [u.pk for u in users_disable_inactive(now=timezone.now())] == [boss.pk]
