from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "accord.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accord.accounts.models import Role
        from accord.ui.nav import NavItem, register

        register(NavItem(_("Reports"), "reports:dashboard", frozenset({Role.COORDINATOR})))
