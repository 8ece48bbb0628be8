"""S1: a password-only session reaches nothing but the second-factor step (and logout).

The walk covers every URL pattern of the resolver, includes expanded, so a new
app's pages are checked without anyone remembering to add them here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accord.accounts.access import access_of
from accord.accounts.models import Role

from .factories import login_password_only, make_user

pytestmark = pytest.mark.django_db

DUMMY_BY_CONVERTER = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": str(uuid.UUID(int=1)),
}
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")


@dataclass(frozen=True)
class WalkedUrl:
    url: str
    callback: Any
    name: str


def _fill(pattern: Any) -> str:
    text = str(pattern)
    if text.startswith("^") or text.endswith("$") or "(?P<" in text:
        text = REGEX_GROUP.sub("1", text).lstrip("^").rstrip("$").replace("\\", "")
        return text
    return ROUTE_PARAMETER.sub(
        lambda match: DUMMY_BY_CONVERTER.get(match["converter"] or "str", "1"), text
    )


def walk(patterns: list[Any] | None = None, prefix: str = "/") -> Iterator[WalkedUrl]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + _fill(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield WalkedUrl(
                url=prefix + _fill(entry.pattern), callback=entry.callback, name=entry.name or ""
            )


def password_only_violations(client: Client) -> list[str]:
    """Every URL a password-only session gets anything from but the MFA step or a 401."""
    mfa = reverse("accounts:mfa")
    violations = []
    for walked in walk():
        assert resolve(walked.url).func is walked.callback, f"walk filled {walked.url} badly"
        access = access_of(walked.callback)
        if access is not None and access.level in ("public", "password_step"):
            continue
        for method, headers in (("get", {}), ("post", {}), ("get", {"HX-Request": "true"})):
            response = getattr(client, method)(walked.url, headers=headers)
            redirected_to_mfa = response.status_code == 302 and response.url == mfa
            if not (redirected_to_mfa or response.status_code == 401):
                violations.append(f"{method.upper()} {walked.url} -> {response.status_code}")
    return violations


@pytest.fixture
def password_only_client(client: Client, agency) -> Client:
    every_role = tuple(Role.values)
    holder = make_user(agency, "morgan.lee", roles=every_role)
    login_password_only(client, holder)
    session = client.session
    session["accord_reauth_at"] = timezone.now().timestamp()  # not what stops them
    session.save()
    return client


def test_walk_reaches_the_known_pages():
    names = {walked.name for walked in walk()}
    assert {"dashboard", "mfa", "banner", "user_detail", "sessions"} <= names


def test_password_only_session_reaches_only_the_second_factor_step(password_only_client):
    assert password_only_violations(password_only_client) == []


def test_the_walk_fails_when_the_middleware_skips_the_otp_check(password_only_client, monkeypatch):
    """Proves the test above can fail: without the OTP check, pages are reached."""
    monkeypatch.setattr(
        "accord.web.middleware._is_fully_authenticated",
        lambda request: bool(request.user.is_authenticated),
    )
    violations = password_only_violations(password_only_client)
    assert any("GET / -> 200" in violation for violation in violations), violations


def test_only_the_journey_pages_are_reachable_with_a_password(password_only_client):
    """The pages exempt from the walk are few and named: nothing slips in by accident."""
    exempt = {
        walked.name
        for walked in walk()
        if (access := access_of(walked.callback)) is not None and access.level == "password_step"
    }
    assert exempt == {"mfa", "enrol", "logout"}
