from django.apps import AppConfig
from django.core import checks


class AuditConfig(AppConfig):
    name = "accord.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from accord.ui.labels import register_table

        from .checks import check_append_only_triggers
        from .events import EVENTS, OUTCOMES

        register_table(OUTCOMES)
        register_table(EVENTS)
        checks.register(check_append_only_triggers, checks.Tags.database)
