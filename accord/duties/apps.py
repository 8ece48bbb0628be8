from django.apps import AppConfig


class DutiesConfig(AppConfig):
    """The coordinator's background duties page (``/jobs/``): a UI above ``accord.jobs`` (the
    registry, lease and runner, which import no app) and ``accord.accounts`` (who may see it)."""

    name = "accord.duties"
    label = "duties"
    verbose_name = "Background duties page"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accord.accounts.models import Role
        from accord.ui.nav import NavItem, register

        register(
            NavItem(_("Background duties"), "jobs:status", roles=frozenset({Role.COORDINATOR}))
        )
