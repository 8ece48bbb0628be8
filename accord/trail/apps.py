from django.apps import AppConfig


class TrailConfig(AppConfig):
    """The auditor's pages over the audit log (``/audit/``): a UI above ``accord.audit`` (which
    records and verifies the log and imports no app) and ``accord.accounts`` (who may read it)."""

    name = "accord.trail"
    label = "trail"
    verbose_name = "Audit trail pages"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accord.accounts.models import Role
        from accord.ui.nav import NavItem, register

        register(NavItem(_("Audit trail"), "audit:log", roles=frozenset({Role.AUDITOR})))
