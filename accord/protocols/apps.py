from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "accord.protocols"
    label = "protocols"
    verbose_name = "Protocol versions and sign-off"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accord.accounts.models import Role
        from accord.ui.nav import NavItem, register

        register(NavItem(_("Protocol"), "protocols:index"))
        register(NavItem(_("Drills"), "protocols:drills", frozenset({Role.COORDINATOR})))
        try:
            from accord.directory.selectors import register_referenced_organizations
        except ImportError:  # the directory app is optional for the protocol pages
            return
        from .selectors import referenced_organizations

        register_referenced_organizations(referenced_organizations)
