"""``accord mail test ADDRESS``: send one test message now and say how it went."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from accord.audit.events import AuditEventType, Outcome
from accord.audit.services import audit_record
from accord.mail import email_test


class Command(BaseCommand):
    help = "Send a test e-mail to ADDRESS with the configured mail settings and print the outcome."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address", help="where to send the test message")

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["address"].strip()
        try:
            validate_email(address)
        except ValidationError:
            raise CommandError(f"{address!r} is not an e-mail address.") from None
        server = _describe_server()
        try:
            outcome = email_test(address=address)
        except Exception as exc:  # show the mail system's own words, then fail the command
            audit_record(
                event=AuditEventType.EMAIL_TEST_SENT,
                outcome=Outcome.FAILURE,
                username="accord mail test",
                detail={"error": type(exc).__name__},
            )
            raise CommandError(
                f"The test message was not sent through {server}: {type(exc).__name__}: {exc}"
            ) from None
        audit_record(event=AuditEventType.EMAIL_TEST_SENT, username="accord mail test", detail={})
        self.stdout.write(f"{outcome}, through {server}.")


def _describe_server() -> str:
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    if backend != "smtp":
        return f"the {backend} mail backend (nothing leaves this machine)"
    security = (
        "SSL" if settings.EMAIL_USE_SSL else "STARTTLS" if settings.EMAIL_USE_TLS else "no TLS"
    )
    who = f" as {settings.EMAIL_HOST_USER}" if settings.EMAIL_HOST_USER else ""
    return f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT} ({security}){who}"
