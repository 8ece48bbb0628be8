"""Steps that many browser journeys share: signing in for real (notice, password, TOTP)."""

from __future__ import annotations

import time

from accord.accounts.tests.factories import DEFAULT_PASSWORD, totp_code


def sign_in_as(page, user, *, password: str = DEFAULT_PASSWORD, path: str = "/") -> None:  # type: ignore[no-untyped-def]
    """Open ``path`` and walk the sign-in: acknowledge the notice, password, then the code.

    ``user`` must have a confirmed TOTP device (``make_member`` and the accounts
    factories give every user one).
    """
    page.goto(path)
    page.get_by_role("button", name="I understand and consent").click()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("6-digit code").fill(fresh_code(user))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def fresh_code(user) -> str:  # type: ignore[no-untyped-def]
    """A code the server has not seen yet (codes are single-use per 30-second step)."""
    for _ in range(2):
        try:
            return totp_code(user)
        except AssertionError:
            time.sleep(30 - time.time() % 30 + 0.5)
    return totp_code(user)


def reauthenticate(page, user, *, password: str = DEFAULT_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Answer the "Confirm it is you" step of privileged actions (S7), if it is asked."""
    if "Confirm it is you" not in page.title():
        return
    page.get_by_label("Password").fill(password)
    page.get_by_label("6-digit code").fill(fresh_code(user))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
