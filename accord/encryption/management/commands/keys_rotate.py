"""``accord keys rotate``: re-encrypt every value under the first key of ACCORD_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.encryption.rotation import keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt stored values written under older keys with the current key (online)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = keys_rotate()
        audit_record(
            event=AuditEventType.KEYS_ROTATED,
            username="operator",
            detail={"values_rewritten": result.values_rewritten, "current_key": result.current_key},
        )
        self.stdout.write(
            f"{result.values_rewritten} values re-encrypted under key '{result.current_key}' "
            f"across {result.columns} encrypted columns"
        )
