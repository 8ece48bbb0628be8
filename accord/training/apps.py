from __future__ import annotations

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "accord.training"
    label = "training"
    verbose_name = "Joint training"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accord.ui.nav import NavItem, register

        register(NavItem(_("Training"), "training:index"))

        from accord.jobs.registry import register as register_job

        from .jobs import JOBS

        register_job(*JOBS)
