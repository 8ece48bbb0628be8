from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "accord.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from accord.web.context_processors import NavItem, register

        register(NavItem("Audit trail", "audit:log", roles=frozenset({"auditor"})))
