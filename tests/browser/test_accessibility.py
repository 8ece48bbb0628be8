"""Every page each role reaches passes axe-core (WCAG 2.1 A/AA), on the demo task force.

One test, so the demo loads once. The anonymous pages are checked on the way in; then,
for each role, it signs in for real and walks the navigation and the links inside the
pages (breadth first, a few levels deep), checking each URL pattern once per role. Pages
only reached through a state the demo lacks (a draft and a circulated protocol version, a
form sent back with errors, an error page, a newcomer's enrolment) are set up here.
The failure lists URL -> violation ids -> first selectors.
"""

from __future__ import annotations

import contextlib
import json
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from accord import demo
from accord.accounts.models import User
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.journeys import fresh_code, reauthenticate, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = (
    "coordinator",
    "investigator.hsi",
    "advocate.harbor",
    "prosecutor.da",
    "interpreters",
    "auditor.ecso",
    "signatory.ecso",
)

#: Links that download files, leave the site or end the session: not pages to check.
SKIPPED_SUFFIXES = (".pdf", ".ics", ".json", ".csv")
SKIPPED_VIEWS = frozenset(
    {
        "accounts:logout",
        "directory:export",
        "sharing:release_signed_form",
        "training:material_download",
        "training:calendar_ics",
        "training:session_ics",
    }
)
#: URL arguments that choose a different page (a form kind), not a different record.
PAGE_CHOOSING_ARGUMENTS = frozenset({"kind"})

#: Creation forms also checked once sent back with their errors (emptied, so nothing is saved).
SENT_EMPTY = frozenset(
    {
        "accounts:user_new",
        "accounts:password_change",
        "cases:open",
        "cases:record_new",
        "cases:referral_new",
        "cases:interpreter_book",
        "conflicts:raise",
        "directory:organization_create",
        "directory:service_create",
        "protocols:new",
        "protocols:drills",
        "sharing:release_new",
        "sharing:wording_new",
        "training:course_new",
        "training:session_new",
    }
)
_MARK_EMPTIED_FORM = """() => {
  const typed = 'input[type=text], input:not([type]), input[type=number], input[type=date],'
    + ' input[type=email], input[type=datetime-local], input[type=time], textarea';
  const form = [...document.querySelectorAll('main form')].find(f =>
    f.method === 'post' && !f.matches('[hx-post], [hx-get]') && f.querySelector(typed));
  if (!form) return false;
  form.noValidate = true;
  form.querySelectorAll(typed).forEach(field => { field.value = ''; });
  form.setAttribute('data-accessibility-test', 'send');
  return true;
}"""

#: axe's colour-contrast rule, left out where nothing on the page is new (``Findings.check``).
CONTRAST = ("color-contrast",)
#: Each element as the style sheet sees it: viewport width, parent's and own tag, classes,
#: state attributes and inline style.
_STYLED_ELEMENTS = """() => [...document.querySelectorAll('body *')].map(element => {
  const sign = e => e.tagName + '.' + [...e.classList].sort().join('.')
    + ['disabled', 'aria-current', 'aria-invalid', 'aria-selected', 'aria-expanded', 'open']
      .filter(name => e.hasAttribute(name)).map(name => '[' + name + ']').join('')
    + (e.hasAttribute('style') ? '[style=' + e.getAttribute('style') + ']' : '');
  return window.innerWidth + ' ' + sign(element.parentElement) + ' > ' + sign(element);
})"""

#: Dashboard -> navigation -> lists -> details -> forms under them.
MAX_DEPTH = 4
MAX_PAGES_PER_ROLE = 100  # a safety net; no role reaches it
NEWCOMER = "a11y.newcomer"


@dataclass
class Findings:
    violations: dict[str, list[dict]] = field(default_factory=dict)
    server_errors: dict[str, int] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)
    sent_empty: set[str] = field(default_factory=set)
    error_page_checked: bool = False
    contrast_checked: set[str] = field(default_factory=set)

    def check(self, page, label: str) -> None:  # type: ignore[no-untyped-def]
        """Check the page with every rule. Colour contrast (axe's costliest rule) follows from
        the style sheet, the viewport and the elements' classes within their parents': it is
        left out on a page whose every such element (at this width) was already on a page
        checked for it, as when another role reaches the same page; a page with anything new
        is checked for it in full."""
        self.checked.append(label)
        with contextlib.suppress(Resolver404):
            self.reached.add(resolve(urlsplit(page.url).path).view_name)
        styled = set(page.evaluate(_STYLED_ELEMENTS))
        seen_before = styled <= self.contrast_checked
        found = axe_violations(page, without=CONTRAST if seen_before else ())
        self.contrast_checked |= styled
        if found:
            self.violations[label] = found

    def report(self) -> str:
        lines = [f"{len(self.violations)} of {len(self.checked)} pages have axe violations:"]
        for url, found in self.violations.items():
            lines.append(f"  {url}")
            for violation in found:
                first = violation["nodes"][:2]
                lines.append(f"    {violation['id']} ({violation['impact']}): {json.dumps(first)}")
        for url, status in self.server_errors.items():
            lines.append(f"  {url} -> HTTP {status}")
        return "\n".join(lines)


def _pattern_key(path: str) -> str | None:
    """One visit per URL pattern (per form kind, and apart for searches); None: not a page."""
    parts = urlsplit(path)
    if parts.path.endswith(SKIPPED_SUFFIXES) or parts.path.startswith(("/api/", "/static/")):
        return None
    if parse_qs(parts.query).get("format", [""])[0] not in {"", "html"}:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name in SKIPPED_VIEWS:
        return None
    chosen = [f"{k}={v}" for k, v in match.kwargs.items() if k in PAGE_CHOOSING_ARGUMENTS]
    return match.view_name + "".join(f";{c}" for c in chosen) + ("?" if parts.query else "")


def _same_site_paths(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == base:
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def _prepare_states_the_demo_lacks() -> list[str]:
    """A circulated and a draft protocol version, a user without a second factor; their pages."""
    from accord.accounts import bootstrap
    from accord.accounts.models import Agency
    from accord.cases.models import Case
    from accord.cases.services import interpreter_request_create, operation_plan
    from accord.directory.models import Location
    from accord.protocols import services as protocols
    from accord.protocols.selectors import version_report

    coordinator = User.objects.get(username="coordinator")
    task_force = coordinator.agency.task_force
    circulated = protocols.protocol_version_copy_in_force(actor=coordinator, task_force=task_force)
    for item in version_report(version=circulated).unresolved:
        protocols.finding_accept_risk(
            actor=coordinator, version=circulated, finding_key=item.key, note="Accepted for now."
        )
    protocols.protocol_version_circulate(actor=coordinator, version=circulated)
    draft = protocols.protocol_version_copy_in_force(actor=coordinator, task_force=task_force)
    newcomer = bootstrap.user_create_by_operator(
        operator="accessibility-test",
        agency=Agency.objects.get(slug="ecso", task_force=task_force),
        username=NEWCOMER,
        email="newcomer@example.invalid",
        roles=["investigator"],
        password=demo.DEMO_PASSWORD,
    )
    seeds = [
        "/directory/?q=shelter&age=16&language=es",
        "/accounts/sessions/",
        "/accounts/password/",
        "/cases/notifications/",
        f"/protocols/{draft.number}/edit/",
        f"/protocols/{draft.number}/circulate/",
        f"/protocols/{circulated.number}/",
        f"/protocols/{circulated.number}/sign-off/",
        f"/protocols/{circulated.number}/bring-into-force/",
        f"/protocols/{circulated.number}/withdraw/",
        f"/protocols/drills/run/?version={circulated.number}&compare=1",
        f"/accounts/users/{newcomer.pk}/enable/",
    ]
    investigator = User.objects.get(username="investigator.hsi")
    case = Case.objects.filter(participants__agency=investigator.agency).order_by("pk").first()
    interpreter_request_create(
        actor=investigator,
        case=case,
        proceeding="arraignment",
        language="Tigrinya",
        scheduled_for=timezone.now() + timedelta(days=2),
    )
    operation = operation_plan(
        actor=investigator,
        case=case,
        name="Operation Quiet Harbor",
        window_start=timezone.now() + timedelta(days=3),
        window_end=timezone.now() + timedelta(days=3, hours=6),
        estimated_victims=4,
        languages=["es"],
    )
    seeds.append(f"/cases/operations/{operation.pk}/edit/")
    seeds.append(f"/accounts/users/{investigator.pk}/second-factor/reset/")
    for location in Location.objects.filter(is_confidential=True):
        seeds.append(f"/directory/locations/{location.pk}/disclosures/")
    return seeds


def _check_anonymous_pages_and_sign_in(page, user, findings: Findings) -> None:  # type: ignore[no-untyped-def]
    """Notice, password, code and password-reset pages, checked on the way in."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    newcomer = User.objects.get(username=NEWCOMER)
    uid = urlsafe_base64_encode(force_bytes(newcomer.pk))
    token = default_token_generator.make_token(newcomer)
    for path in (
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        f"/accounts/password/reset/{uid}/{token}/",  # redirects to the new-password form
        "/accounts/password/reset/done/",
    ):
        page.goto(path)
        findings.check(page, f"{page.url} (anonymous)")
    page.goto("/")
    findings.check(page, "notice (anonymous)")
    page.get_by_role("button", name="I understand and consent").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Continue").click()  # nothing typed: the errors show
    page.wait_for_load_state()
    findings.check(page, "sign-in password step, sent empty (anonymous)")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    findings.check(page, "sign-in code step")
    page.get_by_label("6-digit code").fill(fresh_code(user))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def _check_newcomer_enrolment(browser, base: str, findings: Findings) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_role("button", name="I understand and consent").click()
        page.get_by_label("Username").fill(NEWCOMER)
        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        findings.check(page, f"second-factor enrolment ({page.url})")
    finally:
        context.close()


def _walk(page, user, *, base: str, seeds: list[str], findings: Findings) -> list[str]:  # type: ignore[no-untyped-def]
    """Check each page pattern the user reaches once; return the paths checked."""
    checked: list[str] = []
    seen: set[str] = set()
    tried: set[str] = set()
    queue: deque[tuple[str, int]] = deque([("/", 0)])
    queue.extend((seed, 1) for seed in seeds)
    visited = 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        path, depth = queue.popleft()
        key = _pattern_key(path)
        if key is None or key in seen or path in tried:
            continue
        tried.add(path)
        response = page.goto(path)
        if "Confirm it is you" in page.title():
            findings.check(page, f"[{user.username}] reauthenticate (for {path})")
            reauthenticate(page, user, password=demo.DEMO_PASSWORD)
            response = page.goto(path)
        visited += 1
        status = response.status if response is not None else 0
        label = f"[{user.username}] {path}"
        if status >= 500:
            findings.server_errors[label] = status
            continue
        if status >= 400:
            if not findings.error_page_checked:  # the error page itself, once
                findings.error_page_checked = True
                findings.check(page, f"{label} (HTTP {status} page)")
            continue  # not this role's page, or not this record: another link may do
        seen.add(key)
        findings.check(page, label)
        checked.append(path)
        if depth < MAX_DEPTH:
            queue.extend(
                (link, depth + 1)
                for link in _same_site_paths(page, base)
                if _pattern_key(link) not in seen
            )
        if key.split(";")[0] in SENT_EMPTY and key not in findings.sent_empty:
            findings.sent_empty.add(key)
            _send_emptied(page, label=label, findings=findings)
    return checked


def _check_on_a_phone(page, user, paths: list[str], findings: Findings) -> None:  # type: ignore[no-untyped-def]
    """The same pages 390 pixels wide: wide tables and code must stay reachable (reflow)."""
    page.set_viewport_size({"width": 390, "height": 844})
    for path in paths:
        page.goto(path)
        findings.check(page, f"[{user.username}, phone] {path}")


def _send_emptied(page, *, label: str, findings: Findings) -> None:  # type: ignore[no-untyped-def]
    """Send the page's main form with its typed fields emptied; check the page with errors."""
    if not page.evaluate(_MARK_EMPTIED_FORM):
        return
    with page.expect_navigation():
        page.evaluate("document.querySelector('form[data-accessibility-test]').requestSubmit()")
    findings.check(page, f"{label} (sent emptied)")


@pytest.mark.timeout(1800)  # every page of seven roles, one demo load
def test_every_page_each_role_reaches_passes_axe(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    """A screen-reader or keyboard user meets no WCAG 2.1 A/AA barrier axe can detect."""
    demo.load_demo()
    seeds = _prepare_states_the_demo_lacks()
    findings = Findings()
    _check_newcomer_enrolment(browser, live_server.url, findings)
    for number, username in enumerate(ROLES):
        user = User.objects.get(username=username)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            if number == 0:
                _check_anonymous_pages_and_sign_in(page, user, findings)
            else:
                sign_in_as(page, user, password=demo.DEMO_PASSWORD)
            assert "Dashboard" in page.title(), f"{username} did not reach the dashboard"
            screenshot(page, f"accessibility-dashboard-{username.replace('.', '-')}")
            checked = _walk(page, user, base=live_server.url, seeds=seeds, findings=findings)
            if number == 0:
                _check_on_a_phone(page, user, checked, findings)
            if number == len(ROLES) - 1:
                page.goto("/")
                page.get_by_role("button", name="Sign out").click()
                page.wait_for_load_state()
                findings.check(page, f"after signing out ({page.url})")
        finally:
            context.close()
    from accord.web.urlwalk import iter_routes

    print("\n".join(findings.checked))
    pages = {r.name for r in iter_routes() if not r.name.startswith("api:")}
    print("not reached (POST-only actions and downloads):", sorted(pages - findings.reached))
    assert len(findings.checked) > 100, "the walk stopped early: " + repr(findings.checked)
    assert not findings.violations and not findings.server_errors, findings.report()
