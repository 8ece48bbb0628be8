from __future__ import annotations

from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "accord.sharing"
    label = "sharing"
    verbose_name = "Information sharing and consent"

    def ready(self) -> None:
        from accord.accounts.models import Role
        from accord.ui.nav import NavItem, register

        register(NavItem("Releases", "sharing:releases", roles=frozenset({Role.ADVOCATE})))
        register(NavItem("Release wording", "sharing:wording", roles=frozenset({Role.COORDINATOR})))

        from accord.jobs.registry import register as register_job

        from .jobs import JOBS

        register_job(*JOBS)
