"""The first journey: sign in with password and TOTP, reach the dashboard; pages pass axe-core."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_signs_in_with_password_and_code(page, make_member):
    user = make_member("dana.coordinator", roles=["coordinator"], agency_slug="county-sheriff")
    page.goto("/")
    assert "System-use notice" in page.title()
    assert_accessible(page)
    screenshot(page, "sign-in-01-notice")
    page.get_by_role("button", name="I understand and consent").click()
    assert_accessible(page)
    screenshot(page, "sign-in-02-password")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("alert").is_visible()
    screenshot(page, "sign-in-03-wrong-password")

    sign_in_as(page, user)
    assert page.get_by_role("heading", name="Your work").is_visible()
    assert user.display_name in page.content()  # the header names who is signed in
    assert_accessible(page)
    screenshot(page, "sign-in-04-dashboard")


def test_no_content_security_policy_violations_on_the_way_in(page, make_member):
    user = make_member(
        "adv.harbor", roles=["advocate"], agency_slug="harbor", sector="victim_services"
    )
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in_as(page, user)
    page.goto("/")
    assert page.get_by_role("heading", name="Your work").is_visible()
    assert problems == []
