"""Every accounts page extends the layout and keeps to the CSP (no inline style or script)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from .factories import login_fully, login_password_only, make_user

pytestmark = pytest.mark.django_db

INLINE = re.compile(rb"""\sstyle=|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=""", re.IGNORECASE)


def assert_csp_clean(response) -> None:
    assert response.status_code == 200
    assert b'class="site-header"' in response.content  # extends web/base.html
    found = INLINE.findall(response.content)
    assert not found, found


def test_public_pages(client):
    for name in ("banner", "password_reset", "password_reset_sent", "password_reset_done"):
        assert_csp_clean(client.get(reverse(f"accounts:{name}")))
    client.post(reverse("accounts:banner"))
    assert_csp_clean(client.get(reverse("accounts:login")))


def test_second_factor_pages(client, agency, user):
    login_password_only(client, user)
    assert_csp_clean(client.get(reverse("accounts:mfa")))
    newcomer = make_user(agency, "robin.hale", with_totp=False)
    other = Client()
    login_password_only(other, newcomer)
    assert_csp_clean(other.get(reverse("accounts:enrol")))


def test_member_and_coordinator_pages(client, coordinator, user):
    from .factories import reauthenticate

    login_fully(client, coordinator)
    reauthenticate(client, coordinator)
    for name in (
        "sessions",
        "password_change",
        "reauthenticate",
        "user_list",
        "user_new",
        "logout",
    ):
        assert_csp_clean(client.get(reverse(f"accounts:{name}")))
    for name in ("user_detail", "user_roles", "user_second_factor_reset"):
        assert_csp_clean(client.get(reverse(f"accounts:{name}", args=[user.pk])))
