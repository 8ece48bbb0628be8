"""Each demo role lands on a dashboard showing its work and follows a count to the items.

Signed in for real (notice, password, code) as one user of each role of the demo task force:
the dashboard opens first, its counts are links, and following one opens a list holding exactly
as many items as the count said (each list marks its items with ``data-item``), from which the
first item opens. Screenshots of every role's dashboard at desktop (1280 px) and phone (390 px)
width go to test-results/screenshots/dashboard-<role>-<width>.png (shown in docs/dashboards.md).
"""

from __future__ import annotations

import pytest

from accord import demo
from accord.accounts.models import User
from tests.browser.conftest import screenshot
from tests.browser.journeys import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: (file name part, demo username): one user of each role the issue names.
ROLES = (
    ("coordinator", "coordinator"),
    ("local-investigator", "investigator.rpd"),
    ("federal-investigator", "investigator.hsi"),
    ("prosecutor", "prosecutor.da"),
    ("provider-advocate", "advocate.harbor"),
    ("legal-services", "advocate.legal"),
    ("child-protection", "advocate.cps"),
    ("interpreter-coordinator", "interpreters"),
    ("auditor", "auditor.ecso"),
    ("signatory", "signatory.ecso"),
)

#: A list the dashboard links to, and the page its first item opens.
FOLLOW_ITEM = "[data-item] a[href^='/cases/']"


def _counts(page) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    """(number, label, href) of each count on the dashboard."""
    return [
        (
            int(link.locator(".number").inner_text()),
            link.locator(".what").inner_text().split("\n")[0],
            str(link.get_attribute("href")),
        )
        for link in page.locator("a.count").all()
    ]


def _fits(page, width: int) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


def test_each_role_lands_on_its_dashboard_and_follows_a_count(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    demo.load_demo()
    followed: dict[str, tuple[str, int]] = {}
    for role, username in ROLES:
        user = User.objects.get(username=username)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            sign_in_as(page, user, password=demo.DEMO_PASSWORD)
            assert page.url.rstrip("/") == live_server.url, f"{role} did not land on the dashboard"
            assert page.get_by_role("heading", level=1).inner_text() == "Your work"
            bell = page.locator("a.bell")
            assert bell.is_visible(), role
            screenshot(page, f"dashboard-{role}-1280")
            page.set_viewport_size({"width": 390, "height": 844})
            screenshot(page, f"dashboard-{role}-390")
            assert _fits(page, 390), f"{role}: the dashboard scrolls sideways at 390 px"
            page.set_viewport_size({"width": 1280, "height": 900})
            counts = _counts(page)
            if not counts:  # auditors have no case work: the bell is their one way in
                bell.click()
                page.wait_for_load_state()
                assert page.get_by_role("heading", level=1).inner_text() == "Notifications"
                followed[role] = ("Notifications", 0)
                continue
            number, label, href = next((c for c in counts if c[0]), counts[0])
            page.locator(f"a.count[href='{href}']").first.click()
            page.wait_for_load_state()
            assert page.url.endswith(href), (role, page.url, href)
            items = page.locator("[data-item]")
            assert items.count() == number, (role, label, href, items.count(), number)
            followed[role] = (label, number)
            if number and page.locator(FOLLOW_ITEM).count():
                page.locator(FOLLOW_ITEM).first.click()
                page.wait_for_load_state()
                assert "/cases/" in page.url
                assert page.locator("h1").first.is_visible()
        finally:
            context.close()
    assert set(followed) == {role for role, _ in ROLES}
    worked = [role for role, (_, number) in followed.items() if number]
    assert len(worked) >= 5, followed  # the demo gives most roles work to follow
