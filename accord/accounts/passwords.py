"""Password rules of S4: length only (no composition rules), common list elsewhere."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: Below this, no setting may go (S4 floor).
MIN_LENGTH_FLOOR = 8


class LengthValidator:
    """At least ``min_length`` (never below 8) and at most ``max_length`` characters."""

    def __init__(self, min_length: int = 12, max_length: int = 128) -> None:
        self.min_length = max(min_length, MIN_LENGTH_FLOOR)
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d character.",
                    "This password is too short. It must contain at least %(min_length)d characters.",
                    self.min_length,
                ),
                code="password_too_short",
                params={"min_length": self.min_length},
            )
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long. It may contain at most %(max_length)d characters."),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return _(
            "Use %(min_length)d to %(max_length)d characters. A long passphrase of ordinary words is good."
        ) % {"min_length": self.min_length, "max_length": self.max_length}
