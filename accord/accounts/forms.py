"""Forms of the sign-in journey and of user management; they parse, services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from .models import Agency, Role, User

CODE_PATTERN = re.compile(r"^\d{6}$")


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, strip=True)
    password = forms.CharField(max_length=1024, strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", autofocus=True)
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        help_text=_("The code your authenticator app shows for Accord."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            autocomplete="one-time-code", inputmode="numeric", autofocus=True
        )

    def clean_code(self) -> str:
        code = re.sub(r"\s+", "", self.cleaned_data["code"])
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError(_("Enter the 6 digits of the code, without letters."))
        return code


class ReauthenticateForm(CodeForm):
    password = forms.CharField(max_length=1024, strip=False, widget=forms.PasswordInput)
    field_order = ["password", "code"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs.update(autocomplete="current-password")
        self.fields["code"].widget.attrs.pop("autofocus", None)


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("E-mail address of your account"))


def role_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Role.choices]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=role_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Changing roles is audited and needs a recent re-authentication."),
    )


class UserCreateForm(RolesForm):
    username = forms.CharField(
        max_length=150, help_text=_("Letters, digits and . @ + - _ only; it cannot change later.")
    )
    display_name = forms.CharField(max_length=200, required=False, label=_("Name"))
    email = forms.EmailField(
        max_length=254, help_text=_("The set-password link and password resets go here.")
    )
    agency = forms.ModelChoiceField(queryset=Agency.objects.none())
    password = forms.CharField(
        required=False,
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label=_("Initial password (optional)"),
        help_text=_("Leave empty to e-mail the person a link to choose their own password. ")
        + " ".join(password_validators_help_texts()),
    )
    field_order = ["username", "display_name", "email", "agency", "roles", "password"]

    def __init__(self, *args: Any, task_force_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            task_force_id=task_force_id, is_active=True
        )


class DisableForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        required=False,
        help_text=_("Recorded in the audit trail, e.g. 'left the agency'."),
    )


def roles_initial(user: User) -> dict[str, list[str]]:
    return {"roles": sorted(user.role_set)}


class UserSearchForm(forms.Form):
    """The coordinator's user list: a name or user name, an agency and a role (GET)."""

    q = forms.CharField(
        required=False,
        max_length=150,
        label=_("Name or user name"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, empty_label=_("All agencies")
    )
    role = forms.ChoiceField(required=False, choices=(), label=_("Role"))

    def __init__(self, *args: Any, task_force_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            task_force_id=task_force_id
        ).order_by("name")
        self.fields["role"].choices = [("", "All roles"), *Role.choices]  # type: ignore[attr-defined]


class TimeZoneForm(forms.Form):
    """The task force's zone, chosen by name from every zone the system knows."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_(
            "Every time in Accord is shown in this zone, and dates people type are read in it."
        ),
        error_messages={
            "required": _("Choose the time zone your task force works in."),
            "invalid_choice": _(
                "Time zone: %(value)s is not a time zone name; choose one from the list."
            ),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from accord.zones import zone_choices

        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zone_choices()  # type: ignore[attr-defined]
