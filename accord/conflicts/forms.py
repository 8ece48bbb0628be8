"""Forms only parse and check shape; the services decide (and re-check everything)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Agency, TaskForce
from accord.protocols.models import ProtocolStatus, ProtocolVersion

from .services import PartyPosition

PARTY_SLOTS = 4


class RaiseForm(forms.Form):
    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. “May the investigator hold a second interview this week?”"),
    )
    subject_kind = forms.ChoiceField(
        label=_("About"),
        choices=[("case", "A case"), ("protocol", "The protocol")],
        widget=forms.RadioSelect,
        initial="case",
    )
    case_id = forms.IntegerField(label=_("Case id"), required=False, min_value=1)
    protocol_version = forms.ModelChoiceField(
        queryset=ProtocolVersion.objects.none(), required=False, label=_("Protocol version")
    )
    protocol_reference = forms.CharField(
        label=_("Decision or rule"),
        required=False,
        max_length=200,
        help_text=_("E.g. placement/r3"),
    )

    def __init__(self, *args: Any, task_force: TaskForce, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(task_force=task_force, is_active=True)
        self.fields["protocol_version"].queryset = ProtocolVersion.objects.filter(  # type: ignore[attr-defined]
            task_force=task_force
        )
        for slot in range(1, PARTY_SLOTS + 1):
            self.fields[f"party_{slot}"] = forms.ModelChoiceField(
                queryset=agencies,
                required=False,
                label=_("Party %(slot)s: agency") % {"slot": slot},
            )
            self.fields[f"position_{slot}"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                label=_("Party %(slot)s: position") % {"slot": slot},
            )

    def party_slots(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"party_{n}"], self[f"position_{n}"]) for n in range(1, PARTY_SLOTS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parties: list[PartyPosition] = []
        for slot in range(1, PARTY_SLOTS + 1):
            agency = data.get(f"party_{slot}")
            position = (data.get(f"position_{slot}") or "").strip()
            if agency is None and position:
                self.add_error(f"party_{slot}", _("Choose the agency whose position this is."))
            elif agency is not None and not position:
                self.add_error(
                    f"position_{slot}", _("Write the position of %(name)s.") % {"name": agency.name}
                )
            elif agency is not None:
                parties.append(PartyPosition(agency_id=agency.pk, position=position))
        if len(parties) < 2 and not self.errors:
            raise forms.ValidationError(
                _("A disagreement needs at least two party agencies, each with its position.")
            )
        if len({p.agency_id for p in parties}) != len(parties):
            raise forms.ValidationError(_("Each agency can be a party only once."))
        if data.get("subject_kind") == "case" and not data.get("case_id"):
            self.add_error("case_id", _("Give the id of the case the disagreement is about."))
        if data.get("subject_kind") == "protocol" and not data.get("protocol_version"):
            self.add_error("protocol_version", _("Choose the protocol version concerned."))
        data["parties"] = parties
        return data


def _drafts(task_force: TaskForce):
    return ProtocolVersion.objects.filter(
        task_force=task_force, status__in=[ProtocolStatus.DRAFT, ProtocolStatus.CIRCULATED]
    )


class DecideForm(forms.Form):
    decision = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Why"))
    amendment = forms.ModelChoiceField(
        queryset=ProtocolVersion.objects.none(),
        required=False,
        label=_("Feeds protocol draft"),
        help_text=_("When the decision changes the protocol, link the draft that carries it."),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, task_force: TaskForce, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amendment"].queryset = _drafts(task_force)  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why withdraw"))
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


class AmendmentForm(forms.Form):
    amendment = forms.ModelChoiceField(
        queryset=ProtocolVersion.objects.none(), label=_("Protocol draft")
    )

    def __init__(self, *args: Any, task_force: TaskForce, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amendment"].queryset = _drafts(task_force)  # type: ignore[attr-defined]
