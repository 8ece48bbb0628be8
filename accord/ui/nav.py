"""The navigation registry: each app adds its entries in its ``AppConfig.ready``, so the layout
never hard-codes them (``accord.web.context_processors.navigation`` shows them per role)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class NavItem:
    label: StrOrPromise  # gettext_lazy: read in the language of each request
    url_name: str
    roles: frozenset[str] = frozenset()  # empty: every member


#: Apps append their entries here (in their AppConfig.ready) so the layout never hard-codes them.
NAVIGATION: list[NavItem] = [NavItem(_("Dashboard"), "web:dashboard")]


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in NAVIGATION):
        NAVIGATION.append(item)
