"""Test data for accounts and for every app that needs signed-in users.

Everything here is invented. ``login_fully`` walks the real journey (notice,
password, TOTP code) through the Django test client, so tests built on it
exercise the same checks a browser meets.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.test import Client
from django.urls import reverse
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.accounts.models import Agency, Role, RoleGrant, TaskForce, User
from accord.accounts.services import totp_device_create
from accord.core.model import Sector

#: A password that passes the validators (length, not common, unlike the usernames).
DEFAULT_PASSWORD = "quiet harbor lantern 42"


def make_task_force(slug: str = "north-bay", *, name: str = "") -> TaskForce:
    return TaskForce.objects.create(
        slug=slug,
        name=name or f"{slug.replace('-', ' ').title()} Anti-Trafficking Task Force",
        jurisdiction="Invented County",
    )


def make_agency(
    task_force: TaskForce,
    slug: str = "bay-police",
    *,
    sector: str = Sector.LAW_ENFORCEMENT_LOCAL,
    name: str = "",
) -> Agency:
    return Agency.objects.create(
        task_force=task_force,
        slug=slug,
        name=name or slug.replace("-", " ").title(),
        sector=str(sector),
    )


def make_user(
    agency: Agency | None,
    username: str = "alex.rivera",
    *,
    roles: Iterable[str] = (Role.INVESTIGATOR,),
    password: str = DEFAULT_PASSWORD,
    with_totp: bool = True,
    email: str = "",
    display_name: str = "",
) -> User:
    """A user with roles, a usable password and (by default) a confirmed TOTP device."""
    user = User(
        username=username,
        agency=agency,
        email=email or f"{username}@example.invalid",
        display_name=display_name or username.replace(".", " ").title(),
    )
    user.set_password(password)
    user.save()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=str(role)) for role in roles])
    if with_totp:
        totp_device_create(user=user)
    return user


def totp_code(user: User) -> str:
    """The code the user's authenticator shows now, and that the server will still accept.

    django-otp refuses a code whose time step was already used; within one frozen
    30-second step this returns the next step's code (inside the tolerance) instead.
    Uses the confirmed device, or the device being enrolled when there is none.
    """
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    if device is None:
        raise AssertionError(f"{user.username} has no TOTP device")
    now_step = int((time.time() - device.t0) // device.step) + device.drift
    step = max(now_step, device.last_t + 1)
    if step > now_step + device.tolerance:
        raise AssertionError("no unused TOTP step left: move the clock on by 30 seconds")
    return str(hotp(device.bin_key, step, device.digits)).zfill(device.digits)


def acknowledge_notice(client: Client, *, next_url: str = "") -> None:
    data = {"next": next_url} if next_url else {}
    response = client.post(reverse("accounts:banner"), data)
    assert response.status_code == 302, response


def login_password_only(
    client: Client, user: User, *, password: str = DEFAULT_PASSWORD, next_url: str = ""
):  # -> HttpResponse
    """Notice and password only: a password-only session waiting for the second factor."""
    acknowledge_notice(client, next_url=next_url)
    data = {"username": user.username, "password": password}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("accounts:login"), data)
    assert response.status_code == 302, f"password step refused for {user.username}"
    return response


def login_fully(
    client: Client, user: User, *, password: str = DEFAULT_PASSWORD, next_url: str = ""
):  # -> HttpResponse
    """The whole journey: notice, password, TOTP code. Returns the final redirect."""
    login_password_only(client, user, password=password, next_url=next_url)
    response = client.post(reverse("accounts:mfa"), {"code": totp_code(user)})
    assert response.status_code == 302 and response.url != reverse("accounts:mfa"), (
        f"second factor refused for {user.username}"
    )
    return response


def reauthenticate(client: Client, user: User, *, password: str = DEFAULT_PASSWORD) -> None:
    """Password and code again, so privileged (recent_auth) views let the user through."""
    response = client.post(
        reverse("accounts:reauthenticate"), {"password": password, "code": totp_code(user)}
    )
    assert response.status_code == 302, "re-authentication refused"
