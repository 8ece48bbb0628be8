"""Mail backends for the outbox tests: one that always fails like an unreachable server."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    """Every send fails the way a server refusing Accord's credentials does."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        raise smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid")


class DroppingBackend(locmem.EmailBackend):
    """The first send of the test drops the connection; that connection stays broken after."""

    dropped = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.broken = False

    def send_messages(self, messages: Sequence[Any]) -> int:
        if self.broken or not DroppingBackend.dropped:
            DroppingBackend.dropped = True
            self.broken = True
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
