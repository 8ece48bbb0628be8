"""Fixtures shared by every app's tests: members of a task force, signed in with both factors.

Users come from ``accord.accounts.tests.factories`` (one password, a confirmed
TOTP device each), so browser journeys can sign them in for real.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from django.test import Client


@pytest.fixture
def task_force(db):
    from accord.accounts.models import TaskForce

    return TaskForce.objects.create(slug="tf-test", name="Testville Task Force")


@pytest.fixture
def make_member(db, task_force) -> Callable[..., object]:
    """Create a user of a (new or named) agency with roles and a confirmed TOTP device."""
    from accord.accounts.models import Agency
    from accord.accounts.tests.factories import make_user

    def make(
        username: str,
        *,
        roles: Iterable[str] = (),
        agency_slug: str = "agency-a",
        sector: str = "law_enforcement_local",
        task_force_obj=None,
    ):
        tf = task_force_obj or task_force
        agency, _ = Agency.objects.get_or_create(
            task_force=tf,
            slug=agency_slug,
            defaults={"name": agency_slug.title(), "sector": sector},
        )
        return make_user(agency, username, roles=tuple(roles))

    return make


def sign_in(client: Client, user) -> Client:
    """A fully authenticated session (password + second factor) without walking the forms.

    Tests of the sign-in journey itself use ``accord.accounts.tests.factories.login_fully``.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.filter(user=user).first().persistent_id
    session.save()
    return client


@pytest.fixture
def member_client(make_member) -> Callable[..., Client]:
    def make(username: str = "member", **kwargs) -> Client:
        return sign_in(Client(), make_member(username, **kwargs))

    return make
