"""Forms parse and check shape; the services decide (and check again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import TaskForce, User
from accord.protocols.selectors import protocol_in_force
from accord.ui.pickers import datetime_field, future_error

from .models import Course, Topic, TrainingSession
from .uploads import max_bytes


def _members(task_force: TaskForce):
    return (
        User.objects.filter(agency__task_force=task_force, is_active=True)
        .select_related("agency")
        .order_by("agency__name", "username")
    )


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.agency.name})" if obj.agency else str(obj)


class CourseForm(forms.Form):
    code = forms.SlugField(max_length=60, help_text=_("Short id, e.g. cjis-2026."))
    title = forms.CharField(max_length=200)
    provider = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    topics = forms.MultipleChoiceField(
        choices=Topic.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    duration_minutes = forms.IntegerField(min_value=1, label=_("Duration (minutes)"))
    renew_months = forms.IntegerField(
        min_value=1,
        required=False,
        label=_("Renew every (months)"),
        help_text=_("Empty: never expires."),
    )
    requirement_ids = forms.MultipleChoiceField(
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Meets the protocol's requirements"),
    )

    def __init__(self, *args: Any, task_force: TaskForce, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = protocol_in_force(task_force=task_force)
        self.fields["requirement_ids"].choices = [  # type: ignore[attr-defined]
            (req.id, f"{req.course} ({', '.join(sorted(req.roles))})")
            for req in (version.protocol.training if version else ())
        ]


class MaterialForm(forms.Form):
    file = forms.FileField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, Word (.docx), PowerPoint (.pptx), PNG, JPEG or plain text; "
            f"at most {max_bytes() / (1024 * 1024):g} MB."
        )


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.none())
    starts_at = datetime_field(label=_("Starts"))
    ends_at = datetime_field(label=_("Ends"))
    place = forms.CharField(max_length=200, required=False)
    online_url = forms.URLField(required=False, label=_("Online link"), assume_scheme="https")
    trainers = MemberChoiceField(queryset=User.objects.none(), required=False)
    trainer_names = forms.CharField(
        max_length=300,
        required=False,
        label=_("Outside trainers"),
        help_text=_("Names, comma-separated."),
    )
    capacity = forms.IntegerField(min_value=1, required=False)
    attendees = MemberChoiceField(
        queryset=User.objects.none(),
        required=False,
        help_text=_("For a session already held: who attended (required then)."),
    )

    def __init__(self, *args: Any, task_force: TaskForce, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(  # type: ignore[attr-defined]
            task_force=task_force, is_active=True
        )
        self.fields["trainers"].queryset = _members(task_force)  # type: ignore[attr-defined]
        self.fields["attendees"].queryset = _members(task_force)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("attendees"):  # with attendance, it records a session already held
            error = future_error(cleaned.get("starts_at"), what="A training session")
            if error:
                self.add_error(
                    "starts_at", f"{error} To record a session already held, record who attended."
                )
        return cleaned


class AttendanceForm(forms.Form):
    attended = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    add_users = MemberChoiceField(
        queryset=User.objects.none(), required=False, label=_("Also attended (not registered)")
    )

    def __init__(self, *args: Any, session: TrainingSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attendances = session.attendances.select_related("user__agency")
        self.fields["attended"].choices = [  # type: ignore[attr-defined]
            (a.user_id, f"{a.user} ({a.user.agency.name if a.user.agency else ''})")
            for a in attendances
        ]
        if not self.is_bound:
            self.initial["attended"] = [a.user_id for a in attendances if a.status == "attended"]
        registered = [a.user_id for a in attendances]
        self.fields["add_users"].queryset = _members(session.course.task_force).exclude(  # type: ignore[attr-defined]
            pk__in=registered
        )


class RegisterOtherForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Register a member"))

    def __init__(self, *args: Any, session: TrainingSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _members(session.course.task_force).exclude(  # type: ignore[attr-defined]
            pk__in=session.attendances.values_list("user_id", flat=True)
        )
