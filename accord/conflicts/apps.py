from __future__ import annotations

from django.apps import AppConfig


class ConflictsConfig(AppConfig):
    name = "accord.conflicts"
    label = "conflicts"
    verbose_name = "Conflict resolution"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accord.ui.nav import NavItem, register

        register(NavItem(_("Disagreements"), "conflicts:index"))

        from accord.jobs.registry import register as register_job

        from .jobs import JOBS

        register_job(*JOBS)
