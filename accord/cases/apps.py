from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "accord.cases"
    label = "cases"
    verbose_name = "Cases and the response"

    def ready(self) -> None:
        from accord.accounts.models import Role
        from accord.sharing.door import register_case_data

        from . import fields, models

        register_case_data(models=models, fields=fields.REGISTRY)
        from django.utils.translation import gettext_lazy as _

        from accord.web.context_processors import NavItem, register

        working = frozenset(
            {
                Role.COORDINATOR,
                Role.INVESTIGATOR,
                Role.PROSECUTOR,
                Role.ADVOCATE,
                Role.INTERPRETER_COORDINATOR,
            }
        )
        register(NavItem(_("Cases"), "cases:list", roles=working))
        register(NavItem(_("My tasks"), "cases:my_tasks", roles=working))
        register(NavItem(_("Agency tasks"), "cases:agency_tasks", roles=working))
        register(
            NavItem(
                _("Interpreter requests"),
                "cases:interpreter_board",
                roles=frozenset({Role.INTERPRETER_COORDINATOR}),
            )
        )
        register(
            NavItem(
                _("Immigration records access"),
                "cases:relief_access",
                roles=frozenset({Role.COORDINATOR}),
            )
        )

        from accord.jobs.registry import register as register_job

        from .jobs import JOBS

        register_job(*JOBS)
