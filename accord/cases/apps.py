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
        from accord.ui.labels import register_choices

        register_choices(models.ParticipantPart, models.JoinedVia)
        from accord.protocols.signals import version_circulated

        from .notifications import protocol_circulated_notify

        version_circulated.connect(protocol_circulated_notify, dispatch_uid="cases.circulated")
        from django.utils.translation import gettext_lazy as _

        from accord.ui.nav import NavItem, register

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
