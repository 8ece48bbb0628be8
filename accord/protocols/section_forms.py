"""Forms of the guided section editor: one form per kind of entry of the protocol.

A coordinator picks every name from a list (roles, agencies, committees, decisions,
training courses, data categories) and types only words and durations. Each form parses and
checks its own fields and builds the core model entry (``to_entry``); the service saves it.
Nothing here writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Role
from accord.core.load import parse_duration_minutes
from accord.core.model import (
    Audience,
    Deadline,
    DirectoryReference,
    EscalationLevel,
    FieldClass,
    OutputKind,
    Protocol,
    Responsibility,
    Sector,
    SharingRule,
    Stage,
    TrainingRequirement,
)
from accord.protocols.words import ProtocolWords
from accord.ui.labels import AUDIENCES, FIELD_CLASSES, SECTORS, label

#: The events a deadline counts from, as a coordinator says them.
ANCHOR_WORDS: Mapping[str, Any] = {
    "intake": _("the case is opened"),
    "victim_identified": _("a potential victim is identified"),
    "recovery": _("a potential victim is recovered"),
    "referral_sent": _("a referral is sent"),
    "referral_accepted": _("a referral is accepted"),
    "interview_scheduled": _("an interview is scheduled"),
    "proceeding_scheduled": _("a proceeding is scheduled"),
    "operation_planned": _("an operation is planned"),
    "operation_start": _("an operation starts"),
    "operation_end": _("an operation ends"),
    "charges_filed": _("charges are filed"),
    "prosecution": _("prosecution begins"),
    "case_closed": _("the case is closed"),
}

STAGE_WORDS: Mapping[str, Any] = {
    "referral": _("referral"),
    "investigation": _("investigation"),
    "prosecution": _("prosecution"),
    "closed": _("after the case is closed"),
}

#: Classes a deadline's task title may carry (never-shared and privileged make no tasks).
TASK_CLASSES = (
    FieldClass.CASE_BASIC,
    FieldClass.LE_SENSITIVE,
    FieldClass.VSP_CONFIDENTIAL,
    FieldClass.IMMIGRATION_1367,
)

#: Classes a sharing rule may release (never-shared and privileged are never released).
SHARED_CLASSES = TASK_CLASSES

#: What a training requirement can gate besides case work.
KNOWN_GATES = ("cji_access",)

_DURATION_HELP = _("For example 30 minutes, 2 hours, 3 days or 1 week.")
_HOW_LONG = _(
    "Write how long as a whole number and a unit, such as 2 hours or 3 days; "
    "to set a time before the event, choose “before”."
)


def parse_duration(text: str) -> int:
    """Minutes in ``text`` ("2 hours", "3d", "90 minutes"); a form error when unreadable,
    negative or zero."""
    cleaned = " ".join(text.split()).lower()
    minutes = parse_duration_minutes(cleaned)
    if minutes is None:
        raise forms.ValidationError(_HOW_LONG, code="duration")
    if minutes <= 0:
        raise forms.ValidationError(_("The time must be longer than zero."), code="duration")
    return minutes


def duration_words(minutes: int) -> str:
    """The duration a form shows back ("2 hours", "3 days")."""
    minutes = abs(minutes)
    for size, one, many in (
        (10080, _("1 week"), _("%(n)s weeks")),
        (1440, _("1 day"), _("%(n)s days")),
        (60, _("1 hour"), _("%(n)s hours")),
    ):
        if minutes and minutes % size == 0:
            count = minutes // size
            return str(one) if count == 1 else str(many) % {"n": count}
    return str(_("1 minute")) if minutes == 1 else str(_("%(n)s minutes")) % {"n": minutes}


def new_id(text: str, taken: Iterable[str], *, fallback: str) -> str:
    """A fresh id from the entry's words (``call-back``, ``call-back-2`` ...)."""
    base = re.sub(r"-+", "-", slugify(text)).strip("-")[:40] or fallback
    used = set(taken)
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


@dataclass
class SectionChoices:
    """The names a coordinator chooses from, each with its words: built from the protocol and
    the task force's directory, agencies and committees."""

    roles: list[tuple[str, str]]
    organizations: list[tuple[str, str]]
    deciders: list[tuple[str, str]]
    decisions: list[tuple[str, str]]
    decision_answers: list[tuple[str, str]]
    trainings: list[tuple[str, str]]
    gates: list[tuple[str, str]]
    categories: list[tuple[str, str]]
    #: ``decision.output=value`` -> the value itself (typed as the output is).
    answer_values: dict[str, Any] = field(default_factory=dict)
    #: Organizations picked from the task force's directory the protocol does not list yet.
    outside_directory: dict[str, DirectoryReference] = field(default_factory=dict)


def _data_categories() -> list[str]:
    """Every data category a stored case field belongs to (the cases app registers its
    fields with the read door at start-up)."""
    from accord.sharing.door.registry import field_specs

    return sorted({spec.category for fields in field_specs().values() for spec in fields.values()})


def data_categories() -> frozenset[str]:
    return frozenset(_data_categories())


def section_choices(
    protocol: Protocol, words: ProtocolWords, *, task_force_id: int
) -> SectionChoices:
    from accord.accounts.models import Agency
    from accord.directory.models import Organization

    roles = {str(value): str(name) for value, name in Role.choices}
    roles.pop(Role.AUDITOR, None)
    roles.pop(Role.SIGNATORY, None)
    for deadline in protocol.deadlines:
        if deadline.owner_role:
            roles.setdefault(deadline.owner_role, words.value(deadline.owner_role).capitalize())
    for requirement in protocol.training:
        for role in requirement.roles:
            roles.setdefault(role, words.value(role).capitalize())

    organizations = {
        ref.id: ref.name or words.value(ref.id)
        for ref in protocol.directory.values()
        if ref.kind == "organization"
    }
    outside: dict[str, DirectoryReference] = {}
    for model in (Organization, Agency):
        for slug, name in model.objects.filter(task_force_id=task_force_id).values_list(
            "slug", "name"
        ):
            if slug not in organizations:
                organizations[slug] = name
                outside[slug] = DirectoryReference(slug, "organization", name)

    deciders = {key: name for key, name in protocol.committees.items()}
    for level in protocol.escalation:
        deciders.setdefault(level.decided_by, words.value(level.decided_by))
    deciders.setdefault("party_leads", words.value("party_leads"))
    for role, name in roles.items():
        deciders.setdefault(role, name)

    decisions = [(d.id, d.question or words.factor(d.id)) for d in protocol.decisions.values()]
    answers = section_answers(protocol, words)
    trainings = [(t.id, t.course or t.id) for t in protocol.training]
    gates = sorted({*KNOWN_GATES, *(g for t in protocol.training for g in t.gates)})
    return SectionChoices(
        roles=sorted(roles.items(), key=lambda pair: pair[1].lower()),
        organizations=sorted(organizations.items(), key=lambda pair: pair[1].lower()),
        deciders=list(deciders.items()),
        decisions=decisions,
        decision_answers=[(key, text) for key, text, _value in answers],
        answer_values={key: value for key, _text, value in answers},
        trainings=trainings,
        gates=[(gate, words.value(gate)) for gate in gates],
        categories=[(c, label(c)) for c in _data_categories()],
        outside_directory=outside,
    )


def section_answers(protocol: Protocol, words: ProtocolWords) -> list[tuple[str, str, Any]]:
    """Every answer a deadline can wait for: (``decision.output=value``, words, value); the
    listed values of each output, and any value a deadline of the protocol already names."""
    answers: dict[str, tuple[str, Any]] = {}
    named: dict[str, list[Any]] = {}
    for deadline in protocol.deadlines:
        for reference, value in deadline.when_output.items():
            named.setdefault(reference, []).append(value)
    for decision in protocol.decisions.values():
        question = decision.question or words.factor(decision.id)
        for output in decision.outputs:
            reference = f"{decision.id}.{output.name}"
            values: list[Any] = list(output.values)
            if output.kind is OutputKind.BOOLEAN:
                values = [True, False]
            values.extend(v for v in named.get(reference, ()) if v not in values)
            for value in values:
                text = (
                    f"{question}: {words.output(decision.id, output.name)} — {words.value(value)}"
                )
                answers[f"{reference}={value_key(value)}"] = (text, value)
    return [(key, text, value) for key, (text, value) in answers.items()]


def section_answers_words(protocol: Protocol, words: ProtocolWords) -> list[tuple[str, str]]:
    return [(key, text) for key, text, _value in section_answers(protocol, words)]


def value_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sector_choices(*, blank: bool = False) -> list[tuple[str, str]]:
    listed = [(sector.value, str(SECTORS[sector.value])) for sector in Sector]
    return [("", str(_("— none —"))), *listed] if blank else listed


class _EntryForm(forms.Form):
    """A form that builds one entry of a section from its cleaned data."""

    def __init__(self, *args: Any, choices: SectionChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices

    def to_entry(self, *, existing: Any | None, taken: Iterable[str]) -> Any:
        raise NotImplementedError

    @staticmethod
    def initial_for(entry: Any) -> dict[str, Any]:
        raise NotImplementedError


# -- deadlines --------------------------------------------------------------------------


class DeadlineForm(_EntryForm):
    task = forms.CharField(
        label=_("Task"),
        max_length=300,
        help_text=_(
            "What must be done, as the person who does it reads it on the case. Names in "
            "braces, such as {victim}, are filled in on each case."
        ),
    )
    owner_role = forms.ChoiceField(label=_("Who does it (role)"))
    owner_sector = forms.ChoiceField(label=_("Which kind of agency"), required=False)
    owner_organization = forms.ChoiceField(label=_("Which agency"), required=False)
    direction = forms.ChoiceField(
        label=_("Due"),
        choices=[("within", _("within, after the event")), ("before", _("before the event"))],
        widget=forms.RadioSelect,
        initial="within",
    )
    duration = forms.CharField(label=_("How long"), max_length=40, help_text=_DURATION_HELP)
    anchor = forms.ChoiceField(
        label=_("Counted from when"), choices=[(k, v) for k, v in ANCHOR_WORDS.items()]
    )
    when_output = forms.MultipleChoiceField(
        label=_("Only when the protocol answers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every case."),
    )
    for_each = forms.ChoiceField(
        label=_("One task for each answer of"),
        required=False,
        help_text=_("For example one call for each agency the protocol names."),
    )
    requires_training = forms.MultipleChoiceField(
        label=_("Only people who completed"), required=False, widget=forms.CheckboxSelectMultiple
    )
    field_class = forms.ChoiceField(
        label=_("Who may read the task's title"),
        choices=[(c.value, FIELD_CLASSES[c.value]) for c in TASK_CLASSES],
    )

    def __init__(self, *args: Any, choices: SectionChoices, **kwargs: Any) -> None:
        super().__init__(*args, choices=choices, **kwargs)
        fields: Any = self.fields
        fields["owner_role"].choices = choices.roles
        fields["owner_sector"].choices = _sector_choices(blank=True)
        fields["owner_organization"].choices = [
            ("", _("— any member agency —")),
            *choices.organizations,
        ]
        fields["when_output"].choices = choices.decision_answers
        fields["for_each"].choices = [("", _("— one task —")), *choices.decisions]
        fields["requires_training"].choices = choices.trainings

    def clean_duration(self) -> int:
        return parse_duration(self.cleaned_data["duration"])

    def clean_when_output(self) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for key in self.cleaned_data["when_output"]:
            reference = key.partition("=")[0]
            if reference in chosen:
                raise forms.ValidationError(
                    _("Tick at most one answer for each question."), code="two_answers"
                )
            chosen[reference] = self.choices.answer_values[key]
        return chosen

    @staticmethod
    def initial_for(entry: Deadline) -> dict[str, Any]:
        return {
            "task": entry.task,
            "owner_role": entry.owner_role,
            "owner_sector": entry.owner_sector.value if entry.owner_sector else "",
            "owner_organization": entry.owner_organization or "",
            "direction": "before" if entry.offset_minutes < 0 else "within",
            "duration": duration_words(entry.offset_minutes),
            "anchor": entry.anchor,
            "when_output": [f"{k}={value_key(v)}" for k, v in entry.when_output.items()],
            "for_each": entry.for_each or "",
            "requires_training": list(entry.requires_training),
            "field_class": entry.field_class.value,
        }

    def to_entry(self, *, existing: Deadline | None, taken: Iterable[str]) -> Deadline:
        data = self.cleaned_data
        minutes = data["duration"] if data["direction"] == "within" else -data["duration"]
        when_output: dict[str, Any] = dict(data["when_output"])
        return Deadline(
            id=existing.id if existing else new_id(data["task"], taken, fallback="deadline"),
            task=data["task"].strip(),
            owner_sector=Sector(data["owner_sector"]) if data["owner_sector"] else None,
            owner_role=data["owner_role"],
            anchor=data["anchor"],
            offset_minutes=minutes,
            when=existing.when if existing else {},
            when_output=when_output,
            owner_organization=data["owner_organization"] or None,
            requires_training=tuple(data["requires_training"]),
            for_each=data["for_each"] or None,
            field_class=FieldClass(data["field_class"]),
        )


# -- escalation -------------------------------------------------------------------------


class EscalationLevelForm(_EntryForm):
    name = forms.CharField(label=_("Name of the level"), max_length=200)
    decided_by = forms.ChoiceField(label=_("Who decides at this level"))
    time_limit = forms.CharField(
        label=_("Time to decide"),
        max_length=40,
        help_text=_("Whole hours, days or weeks, such as 24 hours or 3 days."),
    )

    def __init__(self, *args: Any, choices: SectionChoices, **kwargs: Any) -> None:
        super().__init__(*args, choices=choices, **kwargs)
        self.fields["decided_by"].choices = choices.deciders  # type: ignore[attr-defined]

    def clean_time_limit(self) -> int:
        minutes = parse_duration(self.cleaned_data["time_limit"])
        if minutes % 60:
            raise forms.ValidationError(
                _("Give the time in whole hours, such as 24 hours or 3 days."), code="hours"
            )
        return minutes // 60

    @staticmethod
    def initial_for(entry: EscalationLevel) -> dict[str, Any]:
        return {
            "name": entry.name,
            "decided_by": entry.decided_by,
            "time_limit": duration_words(entry.time_limit_hours * 60),
        }

    def to_entry(
        self, *, existing: EscalationLevel | None, taken: Iterable[str]
    ) -> EscalationLevel:
        data = self.cleaned_data
        return EscalationLevel(
            level=existing.level if existing else 0,  # renumbered by position on save
            name=data["name"].strip(),
            decided_by=data["decided_by"],
            time_limit_hours=data["time_limit"],
        )


# -- sharing rules ----------------------------------------------------------------------


class SharingRuleForm(_EntryForm):
    field_class = forms.ChoiceField(
        label=_("What is shared"),
        choices=[(c.value, FIELD_CLASSES[c.value]) for c in SHARED_CLASSES],
    )
    from_sectors = forms.MultipleChoiceField(
        label=_("Produced by"), widget=forms.CheckboxSelectMultiple
    )
    to_sectors = forms.MultipleChoiceField(
        label=_("Shared with"), widget=forms.CheckboxSelectMultiple
    )
    audience = forms.ChoiceField(
        label=_("Which of them"), choices=[(a.value, AUDIENCES[a.value]) for a in Audience]
    )
    stages = forms.MultipleChoiceField(
        label=_("At which stages of the case"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(s.value, STAGE_WORDS[s.value]) for s in Stage],
    )
    categories = forms.MultipleChoiceField(
        label=_("Only these kinds of records"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every record of the kind chosen above."),
    )
    requires_consent = forms.BooleanField(
        label=_("Only with the victim's written release naming the recipient"), required=False
    )
    authorized_only = forms.BooleanField(
        label=_("Only to users specially authorized for immigration records"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, choices: SectionChoices, **kwargs: Any) -> None:
        super().__init__(*args, choices=choices, **kwargs)
        fields: Any = self.fields
        fields["from_sectors"].choices = _sector_choices()
        fields["to_sectors"].choices = _sector_choices()
        fields["categories"].choices = choices.categories

    @staticmethod
    def initial_for(entry: SharingRule) -> dict[str, Any]:
        return {
            "field_class": entry.field_class.value,
            "from_sectors": sorted(s.value for s in entry.from_sectors),
            "to_sectors": sorted(s.value for s in entry.to_sectors),
            "audience": entry.audience.value,
            "stages": [s.value for s in Stage if s in entry.stages],
            "categories": sorted(entry.categories),
            "requires_consent": entry.requires_consent,
            "authorized_only": entry.authorized_only,
            "note": entry.note,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field_class = data.get("field_class")
        if field_class == FieldClass.VSP_CONFIDENTIAL and not data.get("requires_consent"):
            serving_only = (
                data.get("audience") == Audience.SERVING_PROVIDER
                and set(data.get("from_sectors", ())) == {Sector.VICTIM_SERVICES}
                and set(data.get("to_sectors", ())) <= {Sector.VICTIM_SERVICES}
            )
            if not serving_only:
                self.add_error(
                    "requires_consent",
                    _(
                        "Victim service provider information leaves the provider only with "
                        "the victim's written release: tick this box."
                    ),
                )
        if field_class == FieldClass.IMMIGRATION_1367:
            allowed = {
                Sector.LAW_ENFORCEMENT_FEDERAL,
                Sector.PROSECUTION,
                Sector.LEGAL_SERVICES,
            }
            if not set(data.get("to_sectors", ())) <= allowed:
                self.add_error(
                    "to_sectors",
                    _(
                        "Immigration relief records may go only to federal law enforcement, "
                        "prosecution and legal services."
                    ),
                )
            if not data.get("authorized_only"):
                self.add_error(
                    "authorized_only",
                    _("Immigration relief records go only to specially authorized users."),
                )
        return data

    def to_entry(self, *, existing: SharingRule | None, taken: Iterable[str]) -> SharingRule:
        data = self.cleaned_data
        words = f"{data['field_class']}-to-{'-'.join(sorted(data['to_sectors']))[:30]}"
        return SharingRule(
            id=existing.id if existing else new_id(words, taken, fallback="sharing"),
            field_class=FieldClass(data["field_class"]),
            from_sectors=frozenset(Sector(s) for s in data["from_sectors"]),
            to_sectors=frozenset(Sector(s) for s in data["to_sectors"]),
            stages=frozenset(Stage(s) for s in data["stages"]),
            audience=Audience(data["audience"]),
            categories=frozenset(data["categories"]),
            requires_consent=data["requires_consent"],
            authorized_only=data["authorized_only"],
            note=data["note"].strip(),
        )


# -- training ---------------------------------------------------------------------------


class TrainingForm(_EntryForm):
    course = forms.CharField(label=_("Course"), max_length=300)
    roles = forms.MultipleChoiceField(
        label=_("Who must complete it"), widget=forms.CheckboxSelectMultiple
    )
    renew_months = forms.IntegerField(
        label=_("Renew every (months)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("Leave empty when it never lapses."),
    )
    gates = forms.MultipleChoiceField(
        label=_("Without it, a person loses"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: SectionChoices, **kwargs: Any) -> None:
        super().__init__(*args, choices=choices, **kwargs)
        fields: Any = self.fields
        fields["roles"].choices = choices.roles
        fields["gates"].choices = choices.gates

    @staticmethod
    def initial_for(entry: TrainingRequirement) -> dict[str, Any]:
        return {
            "course": entry.course,
            "roles": sorted(entry.roles),
            "renew_months": entry.renew_months,
            "gates": list(entry.gates),
        }

    def to_entry(
        self, *, existing: TrainingRequirement | None, taken: Iterable[str]
    ) -> TrainingRequirement:
        data = self.cleaned_data
        return TrainingRequirement(
            id=existing.id if existing else new_id(data["course"], taken, fallback="training"),
            course=data["course"].strip(),
            roles=frozenset(data["roles"]),
            renew_months=data["renew_months"],
            gates=tuple(data["gates"]),
        )


# -- responsibilities -------------------------------------------------------------------


class ResponsibilityForm(_EntryForm):
    sector = forms.ChoiceField(label=_("Kind of agency"))
    summary = forms.CharField(
        label=_("What the others must know"), widget=forms.Textarea(attrs={"rows": 3})
    )
    duties = forms.CharField(
        label=_("Duties, one a line"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    contacts = forms.MultipleChoiceField(
        label=_("Agencies to contact"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        choices: SectionChoices,
        used_sectors: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, choices=choices, **kwargs)
        self.used_sectors = frozenset(used_sectors)
        fields: Any = self.fields
        fields["sector"].choices = _sector_choices()
        fields["contacts"].choices = choices.organizations

    def clean_sector(self) -> str:
        sector = str(self.cleaned_data["sector"])
        if sector in self.used_sectors:
            raise forms.ValidationError(
                _("This kind of agency already has its responsibilities: edit those instead."),
                code="duplicate",
            )
        return sector

    def clean_duties(self) -> tuple[str, ...]:
        lines = (line.strip() for line in self.cleaned_data["duties"].splitlines())
        return tuple(line for line in lines if line)

    @staticmethod
    def initial_for(entry: Responsibility) -> dict[str, Any]:
        return {
            "sector": entry.sector.value,
            "summary": entry.summary,
            "duties": "\n".join(entry.duties),
            "contacts": list(entry.contacts),
        }

    def to_entry(self, *, existing: Responsibility | None, taken: Iterable[str]) -> Responsibility:
        data = self.cleaned_data
        return Responsibility(
            sector=Sector(data["sector"]),
            summary=data["summary"].strip(),
            duties=data["duties"],
            contacts=tuple(data["contacts"]),
        )
