"""Forms of the directory pages: parse and validate input, nothing more."""

from __future__ import annotations

from django import forms

from .search import SearchQuery
from .vocabulary import CITIZENSHIP, GENDERS, SERVICE_TYPES, TRAFFICKING_TYPES, normalize_language


def _choices(
    values: tuple[str, ...] | list[str], *, any_label: str = "Any"
) -> list[tuple[str, str]]:
    return [("", any_label), *((v, v.replace("_", " ").capitalize()) for v in values)]


class SearchForm(forms.Form):
    q = forms.CharField(label="Words", required=False, max_length=100)
    service_type = forms.ChoiceField(
        label="Service type",
        required=False,
        choices=[("", "Any"), *sorted(SERVICE_TYPES.items(), key=lambda item: item[1])],
    )
    language = forms.CharField(
        label="Language (ISO 639 code)",
        required=False,
        max_length=3,
        help_text="e.g. tl for Tagalog, es for Spanish",
    )
    age = forms.IntegerField(label="Age", required=False, min_value=0, max_value=120)
    gender = forms.ChoiceField(label="Gender", required=False, choices=_choices(GENDERS))
    citizenship = forms.ChoiceField(
        label="Citizenship or status", required=False, choices=_choices(CITIZENSHIP)
    )
    trafficking_type = forms.ChoiceField(
        label="Trafficking type", required=False, choices=_choices(TRAFFICKING_TYPES)
    )
    jurisdiction = forms.SlugField(label="Jurisdiction", required=False, max_length=60)
    open_now = forms.BooleanField(label="Open now", required=False)
    near_misses = forms.BooleanField(label="Show near misses", required=False)

    def clean_language(self) -> str:
        value = (self.cleaned_data.get("language") or "").strip()
        if value and normalize_language(value) is None:
            raise forms.ValidationError(f"{value!r} is not an ISO 639 language code.")
        return normalize_language(value) or "" if value else ""

    def to_query(self) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            text=data.get("q") or "",
            service_type=data.get("service_type") or "",
            language=data.get("language") or "",
            age=data.get("age"),
            gender=data.get("gender") or "",
            citizenship=data.get("citizenship") or "",
            trafficking_type=data.get("trafficking_type") or "",
            jurisdiction=data.get("jurisdiction") or "",
            open_now=bool(data.get("open_now")),
            include_near_misses=bool(data.get("near_misses")),
        )

    def has_criteria(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CapacityForm(VersionForm):
    beds_available = forms.IntegerField(label="Beds available now", min_value=0, max_value=10000)
    beds_total = forms.IntegerField(
        label="Beds in total", min_value=0, max_value=10000, required=False
    )


MAX_IMPORT_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label="HSDS 3.0 JSON file")
    dry_run = forms.BooleanField(label="Check only (change nothing)", required=False)

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        if not upload.name.lower().endswith(".json"):
            raise forms.ValidationError("Upload a .json file (HSDS 3.0 JSON).")
        return upload
