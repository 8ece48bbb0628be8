"""Forms of the directory pages: parse and validate input, nothing more."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Agency
from accord.core.limits import size_text
from accord.ui import labels

from .hsds import import_limits
from .models import ServiceStatus
from .search import SearchQuery
from .services import PHONE_TYPES, ContactEntry, PhoneEntry
from .vocabulary import (
    AGE_DOMAIN,
    CITIZENSHIP,
    GENDERS,
    SERVICE_TYPES,
    TRAFFICKING_TYPES,
    normalize_language,
)


def _choices(
    values: tuple[str, ...] | list[str], *, any_label: str = "Any"
) -> list[tuple[str, str]]:
    return [("", any_label), *((v, v.replace("_", " ").capitalize()) for v in values)]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    service_type = forms.ChoiceField(
        label=_("Service type"),
        required=False,
        choices=[("", "Any"), *sorted(SERVICE_TYPES.items(), key=lambda item: item[1])],
    )
    language = forms.CharField(
        label=_("Language (ISO 639 code)"),
        required=False,
        max_length=3,
        help_text=_("e.g. tl for Tagalog, es for Spanish"),
    )
    age = forms.IntegerField(label=_("Age"), required=False, min_value=0, max_value=120)
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=_choices(GENDERS))
    citizenship = forms.ChoiceField(
        label=_("Citizenship or status"), required=False, choices=_choices(CITIZENSHIP)
    )
    trafficking_type = forms.ChoiceField(
        label=_("Trafficking type"), required=False, choices=_choices(TRAFFICKING_TYPES)
    )
    jurisdiction = forms.SlugField(label=_("Jurisdiction"), required=False, max_length=60)
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    near_misses = forms.BooleanField(label=_("Show near misses"), required=False)

    def clean_language(self) -> str:
        value = (self.cleaned_data.get("language") or "").strip()
        if value and normalize_language(value) is None:
            raise forms.ValidationError(
                _("%(value)r is not an ISO 639 language code.") % {"value": value}
            )
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
    beds_available = forms.IntegerField(label=_("Beds available now"), min_value=0, max_value=10000)
    beds_total = forms.IntegerField(
        label=_("Beds in total"), min_value=0, max_value=10000, required=False
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("HSDS 3.0 JSON file"))
    dry_run = forms.BooleanField(label=_("Check only (change nothing)"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = import_limits().max_bytes  # ACCORD_HSDS_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size_text)s, larger than the limit of %(size_text2)s.")
                % {"size_text": size_text(upload.size), "size_text2": size_text(limit)}
            )
        if not upload.name.lower().endswith(".json"):
            raise forms.ValidationError(_("Upload a .json file (HSDS 3.0 JSON)."))
        return upload


# --- editing the directory ------------------------------------------------------------------

AGE_MIN, AGE_MAX = AGE_DOMAIN
EDITABLE_STATUSES = (ServiceStatus.ACTIVE, ServiceStatus.INACTIVE)


def _codes(values: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    def label(value: str) -> str:
        words = value.replace("_", " ").capitalize()
        return words.replace("Us ", "US ", 1)

    return [(value, label(value)) for value in values]


def _split(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


class ServiceFieldsForm(forms.Form):
    """Everything a maintainer changes about a service; ``to_changes`` feeds the services."""

    name = forms.CharField(label=_("Name"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    service_types = forms.MultipleChoiceField(
        label=_("Service types"),
        required=False,
        choices=sorted(SERVICE_TYPES.items(), key=lambda item: str(item[1])),
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages (ISO 639 codes)"),
        required=False,
        max_length=300,
        help_text=_("Separated by commas or spaces, e.g. en, es, tl."),
    )
    minimum_age = forms.IntegerField(
        label=_("Minimum age"), required=False, min_value=AGE_MIN, max_value=AGE_MAX
    )
    maximum_age = forms.IntegerField(
        label=_("Maximum age"), required=False, min_value=AGE_MIN, max_value=AGE_MAX
    )
    genders = forms.MultipleChoiceField(
        label=_("Genders served (none ticked: all)"),
        required=False,
        choices=_codes(GENDERS),
        widget=forms.CheckboxSelectMultiple,
    )
    citizenship = forms.MultipleChoiceField(
        label=_("Citizenship or status served (none ticked: any)"),
        required=False,
        choices=_codes(CITIZENSHIP),
        widget=forms.CheckboxSelectMultiple,
    )
    trafficking_types = forms.MultipleChoiceField(
        label=_("Trafficking types served (none ticked: any)"),
        required=False,
        choices=_codes(TRAFFICKING_TYPES),
        widget=forms.CheckboxSelectMultiple,
    )
    eligibility_description = forms.CharField(
        label=_("Eligibility notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    jurisdictions = forms.MultipleChoiceField(
        label=_("Service area (none ticked and none added: not limited)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_jurisdictions = forms.CharField(
        label=_("Add jurisdictions (ids)"),
        required=False,
        max_length=300,
        help_text=_("Lowercase ids separated by commas, e.g. riverton, lakeside."),
    )
    is_24_7 = forms.BooleanField(label=_("Available 24 hours, 7 days a week"), required=False)
    schedule_notes = forms.CharField(
        label=_("Schedule notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Free text, e.g. “Walk-ins Mon-Fri 9-17; after hours call the hotline”."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=[])

    def __init__(
        self,
        *args: Any,
        jurisdictions: dict[str, str],
        current_status: str = ServiceStatus.ACTIVE,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdictions"].choices = [  # type: ignore[attr-defined]
            (slug, name if name != slug else labels.label(slug))
            for slug, name in sorted(jurisdictions.items(), key=lambda item: item[1])
        ]
        statuses = [s for s in ServiceStatus if s in EDITABLE_STATUSES or s == current_status]
        self.fields["status"].choices = [(s.value, s.label) for s in statuses]  # type: ignore[attr-defined]

    def clean_languages(self) -> list[str]:
        codes = _split(self.cleaned_data.get("languages", ""))
        unknown = [code for code in codes if normalize_language(code) is None]
        if unknown:
            raise forms.ValidationError(
                _("Not ISO 639 language codes: ")
                + ", ".join(unknown)
                + gettext(" (use e.g. en, es, tl, vi, or a three-letter code such as mam).")
            )
        return sorted({normalize_language(code) or "" for code in codes})

    def clean_new_jurisdictions(self) -> list[str]:
        slugs = _split(self.cleaned_data.get("new_jurisdictions", ""))
        bad = [slug for slug in slugs if slugify(slug) != slug or len(slug) > 60]
        if bad:
            raise forms.ValidationError(
                _("Use lowercase letters, digits and dashes in jurisdiction ids: ") + ", ".join(bad)
            )
        return slugs

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error(
                "minimum_age",
                _("Inverted age range: minimum %(low)s is above maximum %(high)s.")
                % {"low": low, "high": high},
            )
        return data

    def to_changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "service_types": data["service_types"],
            "languages": data["languages"],
            "minimum_age": data["minimum_age"],
            "maximum_age": data["maximum_age"],
            "genders": data["genders"],
            "citizenship": data["citizenship"],
            "trafficking_types": data["trafficking_types"],
            "eligibility_description": data["eligibility_description"],
            "jurisdictions": sorted({*data["jurisdictions"], *data["new_jurisdictions"]}),
            "is_24_7": data["is_24_7"],
            "schedule_notes": data["schedule_notes"],
            "status": data["status"],
        }


class ServiceEditForm(ServiceFieldsForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ServiceCreateForm(ServiceFieldsForm):
    slug = forms.SlugField(
        label=_("Directory id"),
        max_length=100,
        help_text=_("The id the protocol uses: lowercase letters, digits and dashes."),
    )
    field_order = ["slug", "name"]


class OrganizationCreateForm(forms.Form):
    slug = forms.SlugField(
        label=_("Directory id"),
        max_length=100,
        help_text=_("The id the protocol uses: lowercase letters, digits and dashes."),
    )
    name = forms.CharField(label=_("Name"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    agency = forms.ModelChoiceField(
        label=_("Member agency (if the organization is one)"),
        required=False,
        queryset=Agency.objects.none(),
        empty_label=_("Not a member agency"),
    )
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    website = forms.URLField(
        label=_("Website"), required=False, max_length=500, assume_scheme="https"
    )

    def __init__(self, *args: Any, task_force_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            task_force_id=task_force_id
        ).order_by("name")


class PhoneForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    number = forms.CharField(label=_("Number"), max_length=60)
    extension = forms.CharField(label=_("Extension"), max_length=20, required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", "—"), *((t, t) for t in PHONE_TYPES)]
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    is_24_7 = forms.BooleanField(label=_("Answered 24/7"), required=False)

    def clean_number(self) -> str:
        number = " ".join(self.cleaned_data["number"].split())
        if not re.fullmatch(r"[0-9+().\-\s/]+", number) or sum(c.isdigit() for c in number) < 3:
            raise forms.ValidationError(
                _("Not a phone number: use digits, spaces and + ( ) - . (at least 3 digits).")
            )
        return number

    def to_entry(self) -> PhoneEntry:
        data = self.cleaned_data
        return PhoneEntry(
            id=data.get("id"),
            number=data["number"],
            extension=data.get("extension") or "",
            type=data.get("type") or "",
            description=data.get("description") or "",
            is_24_7=bool(data.get("is_24_7")),
        )


class ContactForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    department = forms.CharField(label=_("Department"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("name") or data.get("title") or data.get("department")):
            self.add_error("name", _("Give a name, a title or a department."))
        return data

    def to_entry(self) -> ContactEntry:
        data = self.cleaned_data
        return ContactEntry(
            id=data.get("id"),
            name=data.get("name") or "",
            title=data.get("title") or "",
            department=data.get("department") or "",
            email=data.get("email") or "",
        )


PhoneFormSet = forms.formset_factory(PhoneForm, extra=2, can_delete=True, max_num=50)
ContactFormSet = forms.formset_factory(ContactForm, extra=1, can_delete=True, max_num=50)


def kept_entries(formset: forms.BaseFormSet) -> list[Any]:
    """The rows the editor kept: filled in (blank extra rows are empty) and not ticked to remove."""
    return [
        form.to_entry()
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class DisclosureForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Member agency to name"), queryset=Agency.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
