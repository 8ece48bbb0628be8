"""Fixtures for directory tests: a task force, agencies, users, OTP-verified clients."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accord.accounts.models import Agency, RoleGrant, TaskForce, User

HSDS_EXAMPLES = Path(settings.REPO_DIR).parent / "shared" / "data" / "hsds-3.0" / "examples"
DEMO_FILE = Path(settings.REPO_DIR) / "examples" / "directory" / "example-county.json"


@pytest.fixture
def task_force(db: None) -> TaskForce:
    return TaskForce.objects.create(slug="example-county", name="Example County Task Force")


@pytest.fixture
def other_task_force(db: None) -> TaskForce:
    return TaskForce.objects.create(slug="other-county", name="Other County Task Force")


@pytest.fixture
def make_agency(task_force: TaskForce) -> Callable[..., Agency]:
    def make(slug: str, *, sector: str = "victim_services", tf: TaskForce | None = None) -> Agency:
        return Agency.objects.create(
            task_force=tf or task_force,
            slug=slug,
            name=slug.replace("-", " ").title(),
            sector=sector,
        )

    return make


@pytest.fixture
def make_user(make_agency: Callable[..., Agency]) -> Callable[..., User]:
    def make(username: str, *, agency: Agency, roles: tuple[str, ...] = ()) -> User:
        user = User.objects.create_user(
            username=username,
            password="not-used-password-123",
            agency=agency,
            email=f"{username}@example.invalid",
        )
        for role in roles:
            RoleGrant.objects.create(user=user, role=role)
        return User.objects.get(pk=user.pk)

    return make


def verified_client(user: User) -> Client:
    """A client signed in with password and second factor (OTP-verified session)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    return verified_client


@pytest.fixture
def demo(task_force: TaskForce, make_agency: Callable[..., Agency]):
    """The demo directory imported, with the member agencies that run organizations."""
    from accord.directory.selectors import Operator
    from accord.directory.services import ImportSource, directory_import

    agencies = {
        slug: make_agency(slug)
        for slug in ("harbor-light", "new-dawn", "riverside-youth", "legal-aid", "ecso")
    }
    directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=DEMO_FILE))
    return agencies
