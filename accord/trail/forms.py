from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.audit.events import event_choices, outcome_choices


class AuditFilterForm(forms.Form):
    # callables: the labels are read in the language of each request
    event = forms.ChoiceField(
        required=False, choices=lambda: [("", gettext("Any event")), *event_choices()]
    )
    outcome = forms.ChoiceField(
        required=False, choices=lambda: [("", gettext("Any outcome")), *outcome_choices()]
    )
    username = forms.CharField(required=False, max_length=150, label=_("Person (user name)"))
    object_type = forms.CharField(required=False, max_length=80, label=_("Object type"))
    object_id = forms.CharField(required=False, max_length=80, label=_("Object id"))
    since = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned
