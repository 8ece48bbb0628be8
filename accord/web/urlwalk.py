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
