"""Phones (issue 13): at 390 x 844 no page scrolls sideways and the main tap targets are at
least 44 px tall, for every demo role, on every page of its navigation plus a case page, a task
board and the case list. One test, so the demo loads once; the failure lists role, page and
what was too wide or too small. Screenshots of the case list and a case page per role go to
test-results/screenshots/phone-*.png.
"""

from __future__ import annotations

import re

import pytest

from accord import demo
from accord.accounts.models import User
from tests.browser.conftest import screenshot
from tests.browser.journeys import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ROLES = (
    "coordinator",
    "investigator.hsi",
    "investigator.rpd",
    "prosecutor.da",
    "advocate.harbor",
    "advocate.cps",
    "interpreters",
    "auditor.ecso",
    "signatory.ecso",
)
#: Pages every case worker also gets checked, beyond their navigation.
CASE_PAGES = ("/cases/", "/cases/tasks/mine/", "/cases/tasks/agency/")
CASE_LINK = re.compile(r"^/cases/\d+/$")

#: What sticks out past the right edge (tag, class, width), to say what to fix.
_WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > limit + 1)
    .filter(e => !e.closest('table') || e.tagName === 'TABLE')
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`);
}"""
#: Tap targets: header links and buttons, main buttons and button-links, form controls.
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    '.site-header nav a, .site-header button, main button, main .button, main select,'
    + ' main input:not([type=hidden]):not([type=checkbox]):not([type=radio])')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.height < 44)
  .slice(0, 5)
  .map(([e, r]) => `${e.tagName.toLowerCase()} "${(e.textContent || e.name || '').trim().slice(0, 30)}" ${Math.round(r.height)}px`)"""


#: Tables still laid out as grids: at phone width every table is a list of cards (each cell
#: labelled with its column) or, where its header spans columns, scrolls inside itself.
_GRID_TABLES = """() => [...document.querySelectorAll('main table')]
  .filter(t => {
    const style = getComputedStyle(t);
    const cards = t.classList.contains('cards') && getComputedStyle(t.rows[t.rows.length - 1] || t)
      .display === 'block';
    const scrolls = style.display === 'block' && style.overflowX === 'auto';
    return !cards && !scrolls;
  })
  .map(t => (t.caption ? t.caption.textContent : t.className || 'table').trim().slice(0, 40))"""


def _check(page, label: str, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{label}: scrolls sideways ({width} px): {page.evaluate(_WIDEST)}")
    grids = page.evaluate(_GRID_TABLES)
    if grids:
        problems.append(f"{label}: tables not turned into cards: {grids}")
    small = page.evaluate(_SMALL_TARGETS)
    if small:
        problems.append(f"{label}: tap targets under 44 px: {small}")
    header = page.evaluate(
        "Math.round(document.querySelector('.site-header').getBoundingClientRect().width)"
    )
    if header < PHONE["width"] - 1:
        problems.append(f"{label}: the header is {header} px wide, not the page's width")


def _paths_for(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The role's navigation, as the header offers it."""
    return page.eval_on_selector_all(
        'nav[aria-label="Main"] a', "links => links.map(a => a.getAttribute('href'))"
    )


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    demo.load_demo()
    problems: list[str] = []
    checked = 0
    for username in ROLES:
        user = User.objects.get(username=username)
        context = browser.new_context(base_url=live_server.url, viewport=PHONE)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            sign_in_as(page, user, password=demo.DEMO_PASSWORD)
            _check(page, f"[{username}] dashboard", problems)
            paths = list(dict.fromkeys(_paths_for(page)))
            works_cases = user.has_role("coordinator", "investigator", "prosecutor", "advocate")
            if works_cases:
                paths += [p for p in CASE_PAGES if p not in paths]
            slug = username.replace(".", "-")
            for path in paths:
                response = page.goto(path)
                assert response is not None and response.status < 500, f"{username} {path}"
                _check(page, f"[{username}] {path}", problems)
                checked += 1
                if path == "/cases/":
                    screenshot(page, f"phone-case-list-{slug}")
                    labels = page.eval_on_selector_all(
                        "main table.cards tbody td",
                        "cells => cells.map(c => getComputedStyle(c, '::before').content)",
                    )
                    if works_cases and '"Case"' not in labels:
                        problems.append(f"[{username}] /cases/: cells show no column labels")
                    cases = [
                        href
                        for href in page.eval_on_selector_all(
                            "main a", "links => links.map(a => a.getAttribute('href'))"
                        )
                        if href and CASE_LINK.match(href)
                    ]
                    if cases:
                        page.goto(cases[0])
                        _check(page, f"[{username}] case page {cases[0]}", problems)
                        screenshot(page, f"phone-case-page-{slug}")
                        checked += 1
        finally:
            context.close()
    assert checked > 30, f"only {checked} pages were checked"
    assert not problems, "\n".join(problems)
