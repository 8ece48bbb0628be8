from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accord.accounts"
    label = "accounts"
    verbose_name = "Task forces, agencies and users"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accord.ui.labels import register_choices
        from accord.ui.nav import NavItem, register

        from .models import Role

        register_choices(Role)
        register(NavItem(_("Users"), "accounts:user_list", roles=frozenset({Role.COORDINATOR})))
        register(NavItem(_("Your sessions"), "accounts:sessions"))
        register(
            NavItem(
                _("Task force settings"),
                "accounts:task_force_settings",
                roles=frozenset({Role.COORDINATOR}),
            )
        )

        from accord.jobs.registry import register as register_job

        from .jobs import JOBS

        register_job(*JOBS)
