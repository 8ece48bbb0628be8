"""The period forms: free days for the dashboard, a funder period from a list for funders."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .periods import MAX_DAYS, MONTH, QUARTER, YEAR, Period, funder_periods, parse_funder_period

#: Why a funder report refuses chosen days (shown on the Period field).
NO_FREE_DAYS = (
    "Funder reports cover whole months, quarters or years only, never chosen days "
    "(two reports a day apart could be subtracted to single out a case). Choose one from the list."
)


class PeriodForm(forms.Form):
    """The dashboard's period: any first and last day, both counted, at most five years."""

    start = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the first day as a date (YYYY-MM-DD).")},
    )
    end = forms.DateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the last day as a date (YYYY-MM-DD).")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The last day must be on or after the first day."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("A report covers at most five years."))
        return data

    @property
    def period(self) -> Period:
        return Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])


class FunderPeriodForm(forms.Form):
    """A funder period chosen from the list of those over by ``today`` (S13)."""

    period = forms.ChoiceField(
        label=_("Period"),
        error_messages={
            "required": _("Choose a month, quarter or year from the list."),
            "invalid_choice": (
                _(
                    "Choose a whole month, quarter or year that is over, from the list; "
                    "%(value)s is not one."
                )
            ),
        },
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        offered = funder_periods(today=today)
        groups = (("Quarters", QUARTER), ("Months", MONTH), ("Years", YEAR))
        self.fields["period"].choices = [  # type: ignore[attr-defined]
            (name, [(p.key, p.label) for p in offered if p.kind == kind]) for name, kind in groups
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "start" in self.data or "end" in self.data:
            self.add_error("period", NO_FREE_DAYS)
        return data

    @property
    def chosen(self) -> Period:
        found = parse_funder_period(self.cleaned_data["period"], today=self.today)
        if found is None:  # the choices are exactly today's funder periods: never happens
            raise ValueError("the chosen period is not a funder period")
        return found
