"""S6: after sign-in the dashboard shows the previous successful logon and failures since."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from .factories import acknowledge_notice, login_fully, login_password_only

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)


def failed_count(page: str) -> int:
    match = re.search(r"Failed sign-in attempts[^<]*</dt><dd>(\d+)", page)
    assert match, "the dashboard shows no failed-attempt count"
    return int(match.group(1))


def failed_password(username: str) -> None:
    client = Client()
    acknowledge_notice(client)
    client.post(reverse("accounts:login"), {"username": username, "password": "nope nope nope"})


def test_first_sign_in_has_no_previous_logon(client, user):
    login_fully(client, user)
    page = client.get(reverse("web:dashboard")).content.decode()
    assert "Last successful sign-in" not in page
    assert failed_count(page) == 0


def test_dashboard_shows_previous_logon_and_failures_since(user):
    with time_machine.travel(MONDAY, tick=False) as clock:
        login_fully(Client(REMOTE_ADDR="198.51.100.23"), user)
        clock.shift(timedelta(hours=2))
        failed_password(user.username)
        failed_password(user.username)
        wrong_code = Client()
        login_password_only(wrong_code, user)
        wrong_code.post(reverse("accounts:mfa"), {"code": "000000"})
        clock.shift(timedelta(hours=1))
        now = Client()
        login_fully(now, user)
        page = now.get(reverse("web:dashboard")).content.decode()
    assert "Last successful sign-in</dt><dd>2026-03-02 08:15 UTC from 198.51.100.23" in page
    assert failed_count(page) == 3


def test_failures_before_the_previous_logon_are_not_counted_again(user):
    with time_machine.travel(MONDAY, tick=False) as clock:
        failed_password(user.username)
        login_fully(Client(), user)
        clock.shift(timedelta(days=1))
        second = Client()
        login_fully(second, user)
        page = second.get(reverse("web:dashboard")).content.decode()
    assert "Last successful sign-in</dt><dd>2026-03-02 08:15 UTC" in page
    assert failed_count(page) == 0
