"""Date and time pickers: the browser's own ``<input type="date">`` and
``<input type="datetime-local">``, read in the task force's zone.

The zone needs no code here: ``TaskForceTimeZoneMiddleware`` activates it, Django's
``DateTimeField`` makes a typed time aware in the current zone and shows a stored one in it.
Every form field a person types a date or a time into uses these, so a phone offers its
native picker and nobody types ``YYYY-MM-DD HH:MM`` in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy

from accord.schedule import in_past_message
from accord.zones import local_time

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise
else:
    _StrOrPromise = str

__all__ = ["DatePicker", "DateTimePicker", "date_field", "datetime_field", "future_error"]

#: What a browser's pickers send, and the text fallback a person may type.
DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class DatePicker(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimePicker(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def datetime_field(
    *, label: _StrOrPromise, required: bool = True, help_text: str = ""
) -> forms.DateTimeField:
    """A date and time, picked in the task force's zone."""
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateTimePicker(),
        input_formats=DATETIME_INPUTS,
        error_messages={"invalid": format_lazy("{}: choose a date and a time.", label)},
    )


def date_field(
    *, label: _StrOrPromise, required: bool = True, help_text: str = ""
) -> forms.DateField:
    """A day, picked in the browser's calendar."""
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DatePicker(),
        error_messages={"invalid": format_lazy("{}: choose a date.", label)},
    )


def future_error(when: datetime | None, *, what: str, now: datetime | None = None) -> str | None:
    """The field's error when ``when`` is before now (exactly now is fine), else None;
    the message says what time it is now, in the task force's zone."""
    now = now or timezone.now()
    if when is None or when >= now:
        return None
    return f"{in_past_message(what)[:-1]} (it is now {local_time(now, timezone.get_current_timezone())})."
