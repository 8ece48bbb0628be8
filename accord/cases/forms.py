"""Forms: parse and check shapes; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.core.model import UNKNOWN, FactorKind, Protocol
from accord.ui.pickers import date_field, datetime_field, future_error

from .models import (
    PLACE_FACTOR,
    CaseStage,
    ChargeCategory,
    ChargingDecision,
    IncidentKind,
    ParticipantPart,
    PlacementKind,
    Proceeding,
    ReliefKind,
    ReliefStatus,
    SensitiveMaterialKind,
)

UNKNOWN_CHOICE = (UNKNOWN, "Unknown")


def factor_fields(
    protocol: Protocol,
    *,
    initial: dict[str, Any] | None = None,
    case_facts_only: bool = False,
) -> dict[str, forms.Field]:
    """One form field per protocol factor; every one accepts "unknown". ``case_facts_only``
    leaves out the facts each potential victim's own record holds (her age, gender ...)."""
    initial = initial or {}
    fields: dict[str, forms.Field] = {}
    for factor in protocol.factors.values():
        if case_facts_only and factor.victim_attribute:
            continue
        label = factor.label or factor.id
        value = initial.get(factor.id, UNKNOWN)
        if factor.domain.kind is FactorKind.BOOLEAN:
            field: forms.Field = forms.ChoiceField(
                choices=[UNKNOWN_CHOICE, ("true", "Yes"), ("false", "No")], label=label
            )
            value = UNKNOWN if value in (None, UNKNOWN) else ("true" if value else "false")
        elif factor.domain.is_numeric:
            field = forms.CharField(
                label=label,
                required=False,
                help_text=gettext(
                    "A number from %(minimum)s to %(maximum)s; leave empty if unknown."
                )
                % {"minimum": factor.domain.minimum, "maximum": factor.domain.maximum},
            )
            value = "" if value in (None, UNKNOWN) else str(value)
        else:
            field = forms.ChoiceField(
                choices=[
                    UNKNOWN_CHOICE,
                    *[
                        (str(v), str(v).replace("_", " ").capitalize())
                        for v in factor.domain.values
                    ],
                ],
                label=label,
            )
        field.initial = value
        fields[f"fact_{factor.id}"] = field
    return fields


def facts_from(cleaned: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    """The facts the form asked (a factor it left out is not touched)."""
    return {
        factor_id: (cleaned.get(f"fact_{factor_id}") or UNKNOWN)
        for factor_id in protocol.factors
        if f"fact_{factor_id}" in cleaned
    }


YES_NO_UNKNOWN = [("", "Unknown"), ("True", "Yes"), ("False", "No")]


def _yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=YES_NO_UNKNOWN,
        coerce=lambda value: value == "True",
        empty_value=None,
        required=False,
        label=label,
        help_text=help_text,
    )


def _bound_choices(protocol: Protocol | None, attribute: str) -> list[tuple[str, str]] | None:
    """The values the protocol's factor bound to ``attribute`` allows, as choices."""
    if protocol is None:
        return None
    for factor in protocol.factors.values():
        if factor.victim_attribute == attribute and factor.domain.values:
            return [("", "Unknown")] + [
                (str(v), str(v).replace("_", " ").capitalize()) for v in factor.domain.values
            ]
    return None


class VictimFactsMixin:
    """A potential victim's own facts, offered as the protocol's choices where it binds them."""

    fields: dict[str, forms.Field]

    def victim_facts_init(self, protocol: Protocol | None) -> None:
        for name in ("gender", "citizenship"):
            choices = _bound_choices(protocol, name)
            if choices is not None and name in self.fields:
                old = self.fields[name]
                self.fields[name] = forms.ChoiceField(
                    choices=choices, required=False, label=old.label, help_text=old.help_text
                )


class VictimIntakeForm(VictimFactsMixin, forms.Form):
    """One potential victim at intake: her pseudonym and her own facts."""

    pseudonym = forms.CharField(
        max_length=60, required=False, help_text=_("e.g. V-1; never a name")
    )
    legal_name = forms.CharField(
        max_length=200, required=False, label=_("Legal name (confidential)")
    )
    age = forms.IntegerField(required=False, min_value=0, max_value=120, label=_("Age"))
    age_low = forms.IntegerField(
        required=False, min_value=0, max_value=120, label=_("Or an age range: from")
    )
    age_high = forms.IntegerField(required=False, min_value=0, max_value=120, label=_("to"))
    gender = forms.CharField(max_length=20, required=False)
    citizenship = forms.CharField(
        max_length=30, required=False, label=_("Citizenship or immigration status")
    )
    language = forms.CharField(
        max_length=60, required=False, label=_("Languages"), help_text=_("Comma-separated")
    )
    interpreter_needed = _yes_no("Needs an interpreter", "Unknown: decided from the languages")
    arrested = _yes_no("Arrested")
    charged = _yes_no("Charged with an offense")
    contact = forms.CharField(max_length=200, required=False, label=_("Contact (confidential)"))

    def __init__(self, *args: Any, protocol: Protocol | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.victim_facts_init(protocol)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("age_low"), data.get("age_high")
        if low is not None and high is not None and low > high:
            self.add_error("age_high", "The range ends before it starts.")
        if data.get("age") is not None and (low is not None or high is not None):
            self.add_error("age", "Give an exact age or a range, not both.")
        return data

    def has_person(self) -> bool:
        return any(
            self.cleaned_data.get(name) not in (None, "")
            for name in self.fields
            if name not in ("interpreter_needed", "arrested", "charged")
        ) or any(self.cleaned_data.get(n) is not None for n in ("arrested", "charged"))


VictimIntakeFormSet = forms.formset_factory(VictimIntakeForm, extra=0, max_num=50)


class IntakeForm(forms.Form):
    """The incident and the case's facts. The place is asked once: as the protocol's place
    factor when it has one (its answer drives the plan), else as free text."""

    intake_token = forms.CharField(widget=forms.HiddenInput)
    title = forms.CharField(max_length=200)
    incident_kind = forms.ChoiceField(choices=IncidentKind.choices, label=_("What happened"))
    jurisdiction = forms.CharField(max_length=60, required=False, label=_("Where it took place"))
    incident_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Incident summary (law enforcement only)"),
    )
    suspect_name = forms.CharField(
        max_length=200, required=False, label=_("Suspect (law enforcement only)")
    )

    def __init__(self, *args: Any, protocol: Protocol, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        self.fields.update(factor_fields(protocol, case_facts_only=True))
        if self.place_name != "jurisdiction":
            del self.fields["jurisdiction"]

    @property
    def place_name(self) -> str:
        """The one field that asks where: the place factor's, else the free-text one."""
        return f"fact_{PLACE_FACTOR}" if f"fact_{PLACE_FACTOR}" in self.fields else "jurisdiction"

    def fact_names(self) -> list[str]:
        """The fact fields asked under "Facts about the case" (the place is asked above)."""
        return [n for n in self.fields if n.startswith("fact_") and n != self.place_name]


class FactsForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        protocol: Protocol,
        facts: dict[str, Any],
        case_facts_only: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        self.fields.update(factor_fields(protocol, initial=facts, case_facts_only=case_facts_only))


class AgencyServiceSelect(forms.Select):
    """A service ``<select>`` whose options name their agency (``data-agency``), so the page's
    script keeps the choice to the agency chosen; without the script the service still
    refuses a service of another agency, on the field."""

    agency_of: dict[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency_of = {}
        self.attrs["data-agency-field"] = "to_agency"

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        agency = self.agency_of.get(str(value))
        if agency:
            option["attrs"]["data-agency"] = agency
        return option


class ReferralForm(forms.Form):
    """The view fills the choices (services by name, grouped by organization) and pre-selects
    the provider and service the response plan answers for the victim."""

    victim = forms.TypedChoiceField(coerce=int, label=_("Potential victim"))
    to_agency = forms.ChoiceField(
        label=_("Refer to"),
        help_text=_("Pre-selected: the response plan's provider for this person."),
    )
    to_service = forms.ChoiceField(
        required=False,
        label=_("Service (optional)"),
        help_text=_("One of the chosen agency's services in the directory, listed under it."),
        widget=AgencyServiceSelect,
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Message (no identifying details)"),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class VictimForm(VictimIntakeForm):
    """A potential victim recorded after intake: the same questions as at intake."""


class SuspectForm(forms.Form):
    name = forms.CharField(max_length=200)
    aliases = forms.CharField(max_length=200, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class SensitiveForm(forms.Form):
    kind = forms.ChoiceField(choices=SensitiveMaterialKind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class OperationWindowMixin:
    """The operation's time window, picked in the task force's zone: it ends after it starts
    and, when it is set or moved, it does not start in the past."""

    add_error: Any
    changed_data: list[str]

    def window_errors(self, cleaned: dict[str, Any], *, moved_only: bool) -> None:
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end and end <= start:
            self.add_error("window_end", "The window must end after it starts.")
        if moved_only and "window_start" not in self.changed_data:
            return
        error = future_error(start, what="An operation")
        if error:
            self.add_error("window_start", error)


class OperationForm(OperationWindowMixin, forms.Form):
    name = forms.CharField(max_length=200)
    window_start = datetime_field(label=_("Window starts"))
    window_end = datetime_field(label=_("Window ends"))
    estimated_victims = forms.IntegerField(min_value=0)
    genders = forms.CharField(required=False, help_text=_("Comma-separated"))
    languages = forms.CharField(required=False, help_text=_("Comma-separated"))
    minors_expected = forms.BooleanField(required=False)
    location = forms.CharField(required=False, label=_("Location (law enforcement only)"))
    targets = forms.CharField(required=False, label=_("Targets (law enforcement only)"))
    staff_safety_notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.window_errors(cleaned, moved_only=False)
        return cleaned


class ExceptionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class PlacementForm(forms.Form):
    """Services are chosen by name from the directory (never by typing an id); the view fills
    the choices and pre-selects the protocol's answer for the victim."""

    victim = forms.TypedChoiceField(coerce=int, label=_("Potential victim"))
    kind = forms.ChoiceField(choices=PlacementKind.choices, label=_("Kind of placement"))
    service = forms.ChoiceField(
        required=False,
        label=_("Service (from the directory)"),
        help_text=_("Pre-selected: the protocol's placement answer for this person, if any."),
    )
    details = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Details (confidential)")
    )
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("Emergency override of the directory's eligibility: why (coordinators only)"),
        help_text=_(
            "Only when the directory's age or gender eligibility excludes this person "
            "and there is no other safe place tonight."
        ),
    )


class InterpreterForm(forms.Form):
    proceeding = forms.ChoiceField(choices=Proceeding.choices)
    language = forms.CharField(max_length=60)
    scheduled_for = datetime_field(label=_("When"))

    def clean(self) -> dict[str, Any]:
        from .services.interpreters import appointment_words

        cleaned = super().clean() or {}
        what = appointment_words(cleaned.get("proceeding") or "")
        error = future_error(cleaned.get("scheduled_for"), what=what)
        if error:
            self.add_error("scheduled_for", error)
        return cleaned


YES_NO = [("", "Choose"), ("yes", "Yes"), ("no", "No")]


class InterpreterAssignForm(forms.Form):
    """The booking asks whether the interpreter holds the certification required; the conflict
    attestation is asked only of a user who is shown the suspects' names."""

    interpreter_name = forms.CharField(max_length=200, label=_("Interpreter"))
    interpreter_certified = forms.ChoiceField(
        choices=YES_NO, label=_("The interpreter holds the certification required")
    )
    attestation_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        initial="I do not know any of the suspects named to me.",
        label=_("Attestation (in the interpreter's words)"),
    )
    knows_no_suspect = forms.BooleanField(
        required=False, label=_("The interpreter attests they know none of the suspects named")
    )

    def __init__(self, *args: Any, attest: bool, court: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if court:
            self.fields[
                "interpreter_certified"
            ].label = "The interpreter is court-certified (required for this proceeding)"
        if not attest:
            del self.fields["attestation_text"]
            del self.fields["knows_no_suspect"]

    def clean_interpreter_certified(self) -> bool:
        return bool(self.cleaned_data["interpreter_certified"] == "yes")


class InterpreterAttestForm(forms.Form):
    attestation_text = InterpreterAssignForm.base_fields["attestation_text"]
    knows_no_suspect = InterpreterAssignForm.base_fields["knows_no_suspect"]


class ReliefForm(forms.Form):
    victim = forms.TypedChoiceField(coerce=int)
    kind = forms.ChoiceField(choices=ReliefKind.choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReliefUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=ReliefStatus.choices)
    expires_on = date_field(label=_("Expires on"), required=False)


class ChargingForm(forms.Form):
    victim = forms.TypedChoiceField(coerce=int)
    arrested = forms.BooleanField(required=False)
    charged = forms.BooleanField(required=False)
    charge_category = forms.ChoiceField(
        choices=[("", "Not charged"), *ChargeCategory.choices],
        required=False,
        label=_("What the charge is"),
    )
    charge_description = forms.CharField(
        max_length=300, required=False, label=_("Charge as written (optional, for the record)")
    )
    decision = forms.ChoiceField(choices=ChargingDecision.choices)
    identified_after_charges = forms.BooleanField(required=False)


class SafetyForm(forms.Form):
    victim = forms.TypedChoiceField(coerce=int)

    def __init__(self, *args: Any, questions: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[f"q_{question['id']}"] = forms.BooleanField(
                required=False, label=question["text"]
            )


# --- edit pages (S23: every one carries the version it was read at) ---------------------------


class VersionedForm(forms.Form):
    """A form that changes a stored record: the hidden version it was read at (S23)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def keep(self, names: tuple[str, ...]) -> None:
        """Offer only these fields (plus the version): nobody is shown a field they may not
        change, nor a value they may not see."""
        for name in list(self.fields):
            if name != "expected_version" and name not in names:
                del self.fields[name]


class VictimEditForm(VersionedForm):
    pseudonym = forms.CharField(max_length=60)
    legal_name = forms.CharField(
        max_length=200, required=False, label=_("Legal name (confidential)")
    )
    date_of_birth = forms.CharField(
        max_length=40,
        required=False,
        label=_("Date of birth (confidential)"),
        help_text=_("As known"),
    )
    contact = forms.CharField(max_length=200, required=False, label=_("Contact (confidential)"))
    current_location = forms.CharField(
        max_length=200, required=False, label=_("Current location (confidential)")
    )
    needs = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Needs (confidential)")
    )
    age = forms.IntegerField(required=False, min_value=0, max_value=120)
    age_low = forms.IntegerField(
        required=False, min_value=0, max_value=120, label=_("Or an age range: from")
    )
    age_high = forms.IntegerField(required=False, min_value=0, max_value=120, label=_("to"))
    gender = forms.CharField(max_length=20, required=False)
    citizenship = forms.CharField(
        max_length=30, required=False, label=_("Citizenship or immigration status")
    )
    language = forms.CharField(
        max_length=60, required=False, label=_("Languages"), help_text=_("Comma-separated")
    )
    interpreter_needed = _yes_no("Needs an interpreter")
    arrested = _yes_no("Arrested")
    charged = _yes_no("Charged with an offense")


class StageForm(VersionedForm):
    stage = forms.ChoiceField(
        choices=CaseStage.choices,
        help_text=_("Referral → investigation → prosecution → closed; the plan follows the stage."),
    )


class OperationPlanForm(OperationWindowMixin, VersionedForm):
    window_start = datetime_field(label=_("Window starts"))
    window_end = datetime_field(label=_("Window ends"))
    estimated_victims = forms.IntegerField(min_value=0, label=_("Estimated number of victims"))
    genders = forms.CharField(max_length=100, required=False, help_text=_("Comma-separated"))
    languages = forms.CharField(max_length=200, required=False, help_text=_("Comma-separated"))
    minors_expected = forms.BooleanField(required=False)
    location = forms.CharField(required=False, label=_("Location (law enforcement only)"))
    targets = forms.CharField(required=False, label=_("Targets (law enforcement only)"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.window_errors(cleaned, moved_only=True)
        return cleaned


# --- privileged advocate notes; immigration-records authorization and designation -----------


class AdvocateNoteForm(forms.Form):
    victim = forms.TypedChoiceField(coerce=int, label=_("About"))
    text = forms.CharField(
        label=_(
            "Counseling or case-management note (privileged: only your provider's advocates "
            "ever read it)"
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReliefAccessForm(forms.Form):
    """One change on the immigration-records page: authorize or designate a user, or undo it."""

    user = forms.IntegerField(widget=forms.HiddenInput)
    change = forms.ChoiceField(
        choices=[
            ("authorize", "Authorize for immigration-relief records"),
            ("revoke", "Revoke the authorization"),
            ("designate", "Designate as certifying official"),
            ("undesignate", "End the designation"),
        ]
    )


# --- the case team (issue 11) -----------------------------------------------------------------

TEAM_PART_CHOICES = [
    (value, label) for value, label in ParticipantPart.choices if value != ParticipantPart.LEAD
]


class ParticipantAddForm(forms.Form):
    """Choices (member agencies by name) are filled in by the view."""

    agency = forms.TypedChoiceField(coerce=int, label=_("Agency"))
    part = forms.ChoiceField(choices=[("", "Choose a part"), *TEAM_PART_CHOICES], label=_("Part"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Why it joins"),
        help_text=_("Recorded on the case team and the timeline."),
    )


class ParticipantRemoveForm(forms.Form):
    agency = forms.TypedChoiceField(coerce=int, label=_("Agency leaving the case"))
    reassign_to = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        label=_("Its open tasks go to"),
        help_text=_("Required when the agency still owns open tasks."),
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why it leaves"))


class HandOffForm(forms.Form):
    agency = forms.TypedChoiceField(coerce=int, label=_("New lead agency"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=_("Why it takes the lead")
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TaskReassignForm(forms.Form):
    task = forms.TypedChoiceField(coerce=int, label=_("Task"))
    agency = forms.TypedChoiceField(coerce=int, label=_("Give it to"))


class ProsecutionForm(forms.Form):
    office = forms.TypedChoiceField(coerce=int, label=_("Prosecuting office"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("Why this office"),
        help_text=_("Required when you choose another office than the one the protocol proposes."),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """``form.fields[name]`` as the choice field it is, for a view to fill in its choices
    (Django types ``fields`` as plain ``Field``, which has no ``choices``)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"The form field {name!r} is not a choice field.")
    return field


# --- the case list: search, filters, sort ---------------------------------------------------


class CaseListForm(forms.Form):
    """What the case list was asked for (GET); ``query()`` is what the read door takes."""

    q = forms.CharField(
        required=False,
        max_length=60,
        label=_("Case number or pseudonym"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    stage = forms.ChoiceField(
        required=False, choices=[("", "All stages"), *CaseStage.choices], label=_("Stage")
    )
    type = forms.ChoiceField(required=False, choices=(), label=_("Trafficking type"))
    part = forms.ChoiceField(required=False, choices=(), label=_("My agency's part"))
    overdue = forms.BooleanField(required=False, label=_("Has overdue tasks"))
    unanswered = forms.BooleanField(required=False, label=_("Has unanswered plan questions"))
    # Visible too, not only as column headings: on a phone the headings are not shown.
    sort = forms.ChoiceField(required=False, choices=(), label=_("Sort by"))
    dir = forms.ChoiceField(
        required=False,
        choices=[("desc", "Newest or Z first"), ("asc", "Oldest or A first")],
        label=_("Order"),
    )
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from accord.sharing import door

        super().__init__(*args, **kwargs)
        choice_field(self, "type").choices = [
            ("", "All types"),
            *door.TRAFFICKING_TYPE_LABELS.items(),
        ]
        choice_field(self, "part").choices = [
            ("", "Any case I may see"),
            (door.MY_PART_ANY, "My agency is on the case"),
            *ParticipantPart.choices,
        ]
        choice_field(self, "sort").choices = [
            ("opened", "Date opened"),
            ("number", "Case number"),
            ("title", "Title"),
            ("stage", "Stage"),
            ("lead", "Lead agency"),
        ]

    def query(self) -> Any:
        """The door's ``CaseQuery``; an invalid form asks for the plain list."""
        from accord.sharing import door

        if not self.is_bound or not self.is_valid():
            return door.CaseQuery()
        data = self.cleaned_data
        return door.CaseQuery(
            search=data["q"].strip(),
            stage=data["stage"],
            trafficking_type=data["type"],
            my_part=data["part"],
            overdue=data["overdue"],
            unanswered=data["unanswered"],
            sort=data["sort"] or "opened",
            descending=(data["dir"] or "desc") == "desc",
        )
