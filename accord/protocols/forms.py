"""Forms of the protocol pages: they parse input; the services decide."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import MAX_PROTOCOL_BYTES

TEXT_TYPES = {
    "",
    "text/yaml",
    "application/x-yaml",
    "text/x-yaml",
    "text/plain",
    "application/yaml",
    "application/octet-stream",
}
DMN_TYPES = {"", "application/xml", "text/xml", "application/octet-stream", "text/plain"}


def read_upload(upload: UploadedFile, *, suffixes: tuple[str, ...], types: set[str]) -> str:
    """The text of a small UTF-8 upload of an expected type (S21), or a form error."""
    name = (upload.name or "").lower()
    if not name.endswith(suffixes):
        raise forms.ValidationError(
            _("Expected a %(value)s file.") % {"value": " or ".join(suffixes)}
        )
    if (upload.content_type or "") not in types:
        raise forms.ValidationError(_("That file type is not accepted here."))
    if upload.size is not None and upload.size > MAX_PROTOCOL_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(MAX_PROTOCOL_BYTES)s bytes.")
            % {"MAX_PROTOCOL_BYTES": MAX_PROTOCOL_BYTES}
        )
    raw = upload.read(MAX_PROTOCOL_BYTES + 1)
    if len(raw) > MAX_PROTOCOL_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(MAX_PROTOCOL_BYTES)s bytes.")
            % {"MAX_PROTOCOL_BYTES": MAX_PROTOCOL_BYTES}
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise forms.ValidationError(_("The file is not UTF-8 text.")) from error


class VersionNewForm(forms.Form):
    title = forms.CharField(
        max_length=200, required=False, help_text=_("Defaults to the protocol's own title.")
    )
    protocol_file = forms.FileField(
        required=False,
        label=_("Protocol file (YAML)"),
        help_text=_("Upload a .yaml file, or paste the text below."),
    )
    yaml_text = forms.CharField(
        required=False,
        label=_("Protocol text (YAML)"),
        strip=False,
        widget=forms.Textarea(attrs={"class": "code", "rows": 20, "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("protocol_file")
        if upload:
            data["yaml_text"] = read_upload(upload, suffixes=(".yaml", ".yml"), types=TEXT_TYPES)
        if not (data.get("yaml_text") or "").strip():
            raise forms.ValidationError(_("Upload a protocol file or paste its text."))
        return data


class VersionEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    yaml_text = forms.CharField(
        label=_("Protocol text (YAML)"),
        strip=False,
        widget=forms.Textarea(attrs={"class": "code", "rows": 30, "spellcheck": "false"}),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


class DmnImportForm(forms.Form):
    decision_id = forms.CharField(
        max_length=100,
        label=_("Decision to replace or add"),
        help_text=_("The id of the decision table in this protocol (e.g. placement)."),
    )
    dmn_file = forms.FileField(label=_("DMN file (.dmn or .xml)"))

    def clean_dmn_file(self) -> str:
        return read_upload(
            self.cleaned_data["dmn_file"], suffixes=(".dmn", ".xml"), types=DMN_TYPES
        )


class AcceptRiskForm(forms.Form):
    finding_key = forms.CharField(max_length=200, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Why the task force accepts this"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class SignOffForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve on behalf of my agency"), ("object", "Object")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Required when objecting: say what must change."),
    )


class BringIntoForceForm(forms.Form):
    effective_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The version takes effect today; a later date is not supported."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].initial = timezone.localdate()


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=200)
    facts = forms.CharField(
        widget=forms.Textarea(attrs={"class": "code", "rows": 8, "spellcheck": "false"}),
        help_text=_(
            'JSON, factor id to value, e.g. {"victim_age": 17, "trafficking_type": "labor"}.'
        ),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_facts(self) -> dict[str, Any]:
        try:
            facts = json.loads(self.cleaned_data["facts"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("Not valid JSON (line %(lineno)s, column %(colno)s): %(msg)s")
                % {"lineno": error.lineno, "colno": error.colno, "msg": error.msg}
            ) from error
        if not isinstance(facts, dict):
            raise forms.ValidationError(_("Facts must be a JSON object of factor to value."))
        return facts


def today() -> datetime.date:
    return timezone.localdate()
