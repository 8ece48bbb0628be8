"""Mail backends for the outbox tests: one that always fails like an unreachable server."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    """Every send fails the way a server refusing Accord's credentials does."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        raise smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid")
