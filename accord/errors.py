"""The root of every error Accord raises on purpose.

Each error carries a stable ``code`` (for API clients and exit codes),
structured ``data`` and a human ``message``. One place maps them to HTTP answers
(``accord.web.errors``) and one to CLI exit codes (``accord.cli``). Pure Python:
the protocol core imports this module too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class AccordError(Exception):
    """Something a person must be told about, in words, never as a traceback."""

    default_code = "accord_error"

    def __init__(
        self, message: str, *, code: str | None = None, data: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.data: Mapping[str, Any] = dict(data or {})

    def __str__(self) -> str:
        return self.message


class ValidationError(AccordError):
    """Input was refused; ``data["field"]`` names the field when there is one."""

    default_code = "invalid"


class PermissionDenied(AccordError):
    """The actor may not do this; shown as 403 (or 404 where existence must not leak)."""

    default_code = "forbidden"


class NotFound(AccordError):
    """No such object for this actor: also what another task force's object looks like."""

    default_code = "not_found"


class ConflictError(AccordError):
    """The record changed since it was read (S23); the second save is refused."""

    default_code = "conflict"


class AuditUnavailable(AccordError):
    """The audit event could not be written, so the action must not happen (S17)."""

    default_code = "audit_unavailable"


class ConfigurationError(AccordError):
    """A required secret or setting is missing; the process refuses to start."""

    default_code = "configuration"
