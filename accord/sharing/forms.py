"""Forms of the release pages: they parse what was typed; the consent services decide.

Fields the services check (recipients, categories, purpose, expiry, signature,
guardian) are optional here, so every refusal comes from one place
(``consent_record``) and is shown next to its field (``show_service_errors``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.accounts.models import Agency
from accord.errors import ValidationError as AccordValidationError
from accord.zones import zone_label

from .categories import CONSENT_CATEGORIES
from .models import ConsentText, SignatureMethod
from .services import consent_max_days

DEFAULT_DAYS = 30

#: keys of ``ValidationError.data["errors"]`` (and ``data["field"]``) -> form field
SERVICE_ERROR_FIELDS: Mapping[str, str] = {
    "recipients": "recipients",
    "categories": "categories",
    "purpose": "purpose",
    "expires_at": "expires_on",
    "signature": "signer_typed_name",
    "signed_form": "signed_form",
    "victim_is_minor": "victim_is_minor",
    "guardian": "guardian_name",
}


def expiry_moment(day: date) -> datetime:
    """A release chosen to expire "on" a day stops at the start of that day in the task
    force's zone (the zone the request activated)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def show_service_errors(
    form: forms.Form,
    error: AccordValidationError,
    names: Mapping[str, str] = SERVICE_ERROR_FIELDS,
) -> None:
    """Put each refusal of the service next to the field it concerns (S24); a key ``names``
    does not map is its own field name when the form has one."""
    errors = dict(error.data.get("errors") or {})
    if not errors:
        errors = {str(error.data.get("field", "")): error.message}
    for key, message in errors.items():
        field = names.get(key, key)
        form.add_error(field if field in form.fields else None, message)


class ReleaseForm(forms.Form):
    """Record a victim's release: recipients, categories, purpose, expiry, signature."""

    consent_text = forms.ModelChoiceField(
        queryset=ConsentText.objects.none(), widget=forms.HiddenInput
    )
    recipients = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Agencies that may see the records"),
        help_text=gettext_lazy("Member agencies of the task force named by the victim."),
    )
    categories = forms.MultipleChoiceField(
        choices=list(CONSENT_CATEGORIES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("What they may see"),
    )
    purpose = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Purpose"),
        help_text=gettext_lazy(
            "What the named agencies may use the information for, in the victim's words."
        ),
    )
    expires_on = forms.DateField(
        required=False,
        label=gettext_lazy("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    signature_method = forms.ChoiceField(
        choices=SignatureMethod.choices,
        initial=SignatureMethod.E_SIGNATURE,
        widget=forms.RadioSelect,
        label=gettext_lazy("How the victim signs"),
    )
    signer_typed_name = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Victim's name, typed by the victim"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    signer_agreed = forms.BooleanField(
        required=False, label=gettext_lazy("I agree to this release (ticked by the victim)")
    )
    signed_form = forms.FileField(
        required=False,
        label=gettext_lazy("Signed release form"),
        help_text=gettext_lazy("PDF, PNG or JPEG; stored encrypted."),
    )
    victim_is_minor = forms.ChoiceField(
        choices=[("", "Choose"), ("yes", "Yes, under 18"), ("no", "No, 18 or older")],
        required=False,
        label=gettext_lazy("Is the victim a minor?"),
        help_text=gettext_lazy("The victim's age is not recorded on the case, so say it here."),
    )
    guardian_name = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Parent or guardian's name"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    guardian_relationship = forms.CharField(
        required=False, max_length=100, label=gettext_lazy("Relationship to the victim")
    )
    guardian_attested_non_abusive = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "The parent or guardian is not the abuser or trafficker, as far as we know"
        ),
    )

    def __init__(
        self,
        *args: object,
        task_force_id: int,
        producer_id: int,
        consent_text: ConsentText,
        age_known: bool,
        today: date | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        today = today or timezone.localdate()
        max_days = consent_max_days()
        self.fields["consent_text"].queryset = ConsentText.objects.filter(  # type: ignore[attr-defined]
            task_force_id=task_force_id
        )
        self.fields["consent_text"].initial = consent_text.pk
        self.fields["recipients"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            task_force_id=task_force_id, is_active=True
        ).exclude(pk=producer_id)
        expiry = self.fields["expires_on"]
        expiry.initial = today + timedelta(days=min(DEFAULT_DAYS, max_days))
        expiry.help_text = (
            f"At most {max_days} days from today (the longest release the task force allows), "
            f"so no later than {today + timedelta(days=max_days):%Y-%m-%d}. "
            "The release stops at the start of this day (00:00, "
            f"{zone_label(timezone.get_current_timezone())})."
        )
        expiry.widget.attrs.update(
            {
                "min": (today + timedelta(days=1)).isoformat(),
                "max": (today + timedelta(days=max_days)).isoformat(),
            }
        )
        if age_known:
            del self.fields["victim_is_minor"]

    def minor_answer(self) -> bool | None:
        """The advocate's answer when the age is unknown; None lets the service use the age."""
        answer = self.cleaned_data.get("victim_is_minor", "")
        return {"yes": True, "no": False}.get(answer)

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        return expiry_moment(day) if day else None


class RevokeForm(forms.Form):
    """Revoke a release: the reason and an explicit confirmation are required."""

    reason = forms.CharField(
        max_length=500,
        label=gettext_lazy("Reason for the revocation"),
        help_text=gettext_lazy("For example: the victim asked to stop sharing."),
        error_messages={"required": gettext_lazy("Say why the release is revoked.")},
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Revoke now: the named agencies stop seeing the records on their next page load"
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm the revocation.")},
    )


class LanguageForm(forms.Form):
    """The victim's language, chosen before the release is read (a GET form)."""

    language = forms.ChoiceField(label=gettext_lazy("The victim's language"), required=False)

    def __init__(self, *args: object, texts: Sequence[ConsentText], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            (text.language_code, text.language) for text in texts
        ]


#: keys of the wording service's errors -> form field (the same names, but said once)
WORDING_FIELDS: tuple[str, ...] = (
    "language",
    "language_code",
    "text",
    "revocation_notice",
    *(f"category_{code}" for code in CONSENT_CATEGORIES),
    "signature_label",
    "guardian_signature_label",
    "date_label",
)


class WordingForm(forms.Form):
    """A language of the victim-facing wording: the release, the revocation notice, the words
    for each data category and the labels of the printed signature lines."""

    language = forms.CharField(
        max_length=40,
        required=False,
        label=gettext_lazy("Language"),
        help_text=gettext_lazy(
            "Its name in English, as advocates record it on a case (for example Vietnamese)."
        ),
    )
    language_code = forms.CharField(
        max_length=20,
        required=False,
        label=gettext_lazy("Language code"),
        help_text=gettext_lazy(
            "Two or three letters, for example vi for Vietnamese or pt-br for Brazilian "
            "Portuguese. Dates are written the way this language writes them."
        ),
    )
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        label=gettext_lazy("The release"),
        help_text=gettext_lazy(
            "The first line is the heading. Short sentences and everyday words."
        ),
    )
    revocation_notice = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        label=gettext_lazy("The revocation notice"),
        help_text=gettext_lazy(
            "Given to the victim when a release is stopped. The first line is the heading."
        ),
    )
    signature_label = forms.CharField(
        max_length=200, required=False, label=gettext_lazy("Label of the victim's signature line")
    )
    guardian_signature_label = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Label of the parent or guardian's signature line"),
    )
    date_label = forms.CharField(
        max_length=60, required=False, label=gettext_lazy("The word for “Date”")
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for code, label in CONSENT_CATEGORIES.items():
            self.fields[f"category_{code}"] = forms.CharField(
                max_length=200,
                required=False,
                label=_("In this language: %(label)s") % {"label": label},
            )

    def category_words(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"category_{code}", "") for code in CONSENT_CATEGORIES}
