"""The browser harness: Playwright driving Debian's Chromium against a live server.

Never downloads a browser. Without /usr/bin/chromium the browser tests are
skipped, unless ACCORD_REQUIRE_BROWSER is set (CI sets it), where they fail.
Screenshots go to test-results/screenshots/; axe-core comes from the npm
registry (``make test`` and ``make axe-core`` put it under var/npm when npm is present).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium"))
AXE = REPO / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-results" / "screenshots"

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses async
# contexts unless told this is a test process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _unavailable(reason: str) -> None:
    if os.environ.get("ACCORD_REQUIRE_BROWSER"):
        pytest.fail(f"browser tests are required here but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM}: run `sudo make browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def axe_violations(page, *, without: tuple[str, ...] = ()) -> list[dict]:  # type: ignore[no-untyped-def]
    """Run axe-core (WCAG 2.x A/AA rules, less the rule ids ``without``) on the current page;
    return the violations."""
    if not AXE.exists():
        _unavailable(f"axe-core is not installed at {AXE}: run `make axe-core` (needs npm)")
    # evaluate() runs through the DevTools protocol, outside the page's CSP (an injected
    # <script> tag would rightly be blocked by it).
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async (without) => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            rules: Object.fromEntries(without.map(id => [id, {enabled: false}])),
        })""",
        list(without),
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser is a browser test, marked or not (CI deselects them on
    its second database run)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
