"""Enumerate every URL pattern with its view and a concrete example path (for S1/S8 tests)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER_SAMPLES = {
    "int": "1",
    "slug": "x",
    "str": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "x",
}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" or the pattern text
    path: str  # an example path with converters filled in
    view: Callable[..., Any]


def _sample(pattern: str) -> str:
    pattern = re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: _CONVERTER_SAMPLES.get(m.group(1) or "str", "x"), pattern
    )
    return pattern.lstrip("^").rstrip("$").replace("\\", "")


def iter_routes(
    resolver: URLResolver | None = None, *, prefix: str = "/", namespace: str = ""
) -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        here = prefix + _sample(str(entry.pattern))
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from iter_routes(entry, prefix=here, namespace=ns)
        elif isinstance(entry, URLPattern):
            label = (
                f"{namespace}:{entry.name}"
                if namespace and entry.name
                else (entry.name or str(entry.pattern))
            )
            yield Route(name=label, path=here, view=entry.callback)


# --- walking every page as each role (the human-words test and bench/bench_pages.py) -----------

#: One demo user per role, and the sectors whose pages differ most (federal and local law
#: enforcement, a provider, legal services, child protection).
DEMO_WALKERS = (
    "coordinator",
    "investigator.hsi",
    "investigator.rpd",
    "prosecutor.usao",
    "advocate.harbor",
    "advocate.legal",
    "advocate.cps",
    "interpreters",
    "auditor.ecso",
    "signatory.ecso",
)

#: Routes that are not pages a person reads in the browser: downloads (CSV, PDF, calendars,
#: files), sign-out and the anonymous password-reset link (it needs a mailed token).
NOT_PAGES = frozenset(
    {
        "accounts:logout",
        "accounts:password_reset_confirm",
        "audit:export",
        "cases:list_export",
        "directory:export",
        "sharing:release_signed_form",
        "training:material_download",
        "training:calendar_ics",
        "training:session_ics",
        "protocols:handbook_pdf",
        "protocols:handbook_in_force_pdf",
        "reports:funder_csv",
        "reports:funder_pdf",
    }
)


def named_patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """("namespace:name", pattern) of every named URL pattern."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from named_patterns(entry, entry.namespace or namespace)
        elif entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def walked_pages() -> Iterator[tuple[str, URLPattern]]:
    """The named routes a walk opens: pages read in a browser, not the JSON API."""
    for name, pattern in named_patterns():
        if name not in NOT_PAGES and not name.startswith("api:"):
            yield name, pattern


def route_of(path: str) -> str | None:
    """The route name a site path resolves to (query and fragment ignored), or None."""
    from django.urls import Resolver404, resolve

    try:
        return resolve(path.split("?")[0].split("#")[0]).view_name
    except Resolver404:
        return None
