from __future__ import annotations

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "accord.directory"
    label = "directory"
    verbose_name = "Resource directory"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accord.ui.nav import NavItem, register

        register(NavItem(_("Directory"), "directory:search"))
        register(
            NavItem(_("Directory upkeep"), "directory:upkeep", roles=frozenset({"coordinator"}))
        )

        from accord.jobs.registry import register as register_job

        from .jobs import JOBS

        register_job(*JOBS)
