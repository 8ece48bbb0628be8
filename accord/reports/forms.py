"""The period form: a first and a last day, both required, in order, at most five years."""

from __future__ import annotations

from typing import Any

from django import forms

from .periods import MAX_DAYS, Period


class PeriodForm(forms.Form):
    start = forms.DateField(
        label="First day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the first day as a date (YYYY-MM-DD)."},
    )
    end = forms.DateField(
        label="Last day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the last day as a date (YYYY-MM-DD)."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last day must be on or after the first day.")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", "A report covers at most five years.")
        return data

    @property
    def period(self) -> Period:
        return Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])
