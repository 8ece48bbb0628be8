from __future__ import annotations

from django import forms

from accord.web.labels import event_choices, outcome_choices


class AuditFilterForm(forms.Form):
    event = forms.ChoiceField(required=False, choices=[("", "Any event"), *event_choices()])
    outcome = forms.ChoiceField(required=False, choices=[("", "Any outcome"), *outcome_choices()])
    username = forms.CharField(required=False, max_length=150, label="Person (user name)")
    object_type = forms.CharField(required=False, max_length=80, label="Object type")
    object_id = forms.CharField(required=False, max_length=80, label="Object id")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned
