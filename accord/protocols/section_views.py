"""The guided section pages: a draft's deadlines, sharing rules, escalation ladder, training
requirements and responsibilities as lists a coordinator edits with forms (issue 14).

Thin views: a form (:mod:`.section_forms`) builds the entry, the section is saved by
``services.protocol_section_update`` (the YAML editor's write path: dumped, loaded back,
lock-checked, audited), and the section is checked again at once (:mod:`.section_checks`)
so its findings show beside the entries they concern.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accord.accounts.access import member, member_user
from accord.accounts.models import Role
from accord.core import LoadError
from accord.core.model import (
    Deadline,
    EscalationLevel,
    Protocol,
    Responsibility,
    SharingRule,
    Stage,
    TrainingRequirement,
    title_placeholders,
)
from accord.errors import ConflictError, NotFound
from accord.errors import ValidationError as AccordValidationError
from accord.protocols.words import ProtocolWords
from accord.ui.labels import AUDIENCES, FIELD_CLASSES, SECTORS

from . import section_checks, section_forms, selectors, services
from .models import ProtocolStatus, ProtocolVersion

Lines = list[tuple[str, str]]


@dataclass(frozen=True)
class Section:
    """One editable section: its words, its form, and how an entry reads."""

    key: str  # the Protocol field and the URL part
    title: Promise
    intro: Promise
    add_label: Promise
    form: type[section_forms._EntryForm]
    describe: Callable[[Any, ProtocolWords, Protocol], tuple[str, Lines]]
    ordered: bool = False  # the order means something: entries move up and down

    def entries(self, protocol: Protocol) -> tuple[Any, ...]:
        return tuple(getattr(protocol, self.key))


def _sector(value: Any) -> str:
    return str(SECTORS.get(str(value), str(value)))


def _due(deadline: Deadline) -> str:
    duration = section_forms.duration_words(deadline.offset_minutes)
    event = str(section_forms.ANCHOR_WORDS.get(deadline.anchor, deadline.anchor))
    if deadline.offset_minutes < 0:
        return _("%(duration)s before %(event)s") % {"duration": duration, "event": event}
    return _("within %(duration)s after %(event)s") % {"duration": duration, "event": event}


def _describe_deadline(
    entry: Deadline, words: ProtocolWords, protocol: Protocol
) -> tuple[str, Lines]:
    who = words.value(entry.owner_role).capitalize() if entry.owner_role else _("The lead agency")
    if entry.owner_organization:
        who = _("%(role)s at %(agency)s") % {
            "role": who,
            "agency": words.value(entry.owner_organization),
        }
    elif entry.owner_sector:
        who = _("%(role)s of %(sector)s") % {
            "role": who,
            "sector": _sector(entry.owner_sector).lower(),
        }
    lines: Lines = [(_("Who"), who), (_("Due"), _due(entry))]
    answers = dict(section_forms.section_answers_words(protocol, words))
    for reference, value in entry.when_output.items():
        key = f"{reference}={section_forms.value_key(value)}"
        lines.append((_("Only when"), answers.get(key, f"{reference}: {value}")))
    for factor_id, condition in entry.when.items():
        lines.append(
            (_("Only when"), f"{words.factor(factor_id)}: {words.sentence(condition.text)}")
        )
    if entry.for_each and entry.for_each in protocol.decisions:
        decision = protocol.decisions[entry.for_each]
        lines.append(
            (_("One task for each answer of"), decision.question or words.factor(decision.id))
        )
    if entry.requires_training:
        lines.append(
            (_("Only people who completed"), ", ".join(words.words(entry.requires_training)))
        )
    lines.append((_("Who may read the title"), str(FIELD_CLASSES[entry.field_class.value])))
    return task_title_words(entry.task, words), lines


def task_title_words(task: str, words: ProtocolWords) -> str:
    """A task title with its placeholders in words: ``{victim}`` and ``{decision.output}``
    are filled in on each case; here they read as [the potential victim] and [Agency]."""
    for name in title_placeholders(task):
        if name == "victim":
            shown = _("the potential victim")
        else:
            decision_id, _sep, output = name.partition(".")
            shown = words.output(decision_id, output)
        task = task.replace("{" + name + "}", f"[{shown}]")
    return task


def _describe_level(
    entry: EscalationLevel, words: ProtocolWords, protocol: Protocol
) -> tuple[str, Lines]:
    heading = _("Level %(level)s: %(name)s") % {"level": entry.level, "name": entry.name}
    return heading, [
        (_("Who decides"), words.value(entry.decided_by)),
        (_("Time to decide"), section_forms.duration_words(entry.time_limit_hours * 60)),
    ]


def _describe_sharing(
    entry: SharingRule, words: ProtocolWords, protocol: Protocol
) -> tuple[str, Lines]:
    words_of_class = str(FIELD_CLASSES[entry.field_class.value])
    heading = words_of_class[:1].upper() + words_of_class[1:]
    lines: Lines = [
        (_("Produced by"), ", ".join(sorted(_sector(s) for s in entry.from_sectors))),
        (_("Shared with"), ", ".join(sorted(_sector(s) for s in entry.to_sectors))),
        (_("Which of them"), str(AUDIENCES[entry.audience.value])),
        (
            _("At which stages"),
            ", ".join(str(section_forms.STAGE_WORDS[s.value]) for s in Stage if s in entry.stages),
        ),
    ]
    if entry.categories:
        lines.append(
            (_("Only these kinds of records"), ", ".join(words.words(sorted(entry.categories))))
        )
    if entry.requires_consent:
        lines.append((_("Condition"), _("only with the victim's written release")))
    if entry.authorized_only:
        lines.append((_("Condition"), _("only to specially authorized users")))
    if entry.note:
        lines.append((_("Note"), entry.note))
    return heading, lines


def _describe_training(
    entry: TrainingRequirement, words: ProtocolWords, protocol: Protocol
) -> tuple[str, Lines]:
    roles = dict(Role.choices)
    lines: Lines = [
        (
            _("Who must complete it"),
            ", ".join(sorted(str(roles.get(r, words.value(r))) for r in entry.roles)),
        ),
        (
            _("Renew"),
            _("every %(months)s months") % {"months": entry.renew_months}
            if entry.renew_months
            else _("never lapses"),
        ),
    ]
    if entry.gates:
        lines.append((_("Without it, a person loses"), ", ".join(words.words(entry.gates))))
    return entry.course, lines


def _describe_responsibility(
    entry: Responsibility, words: ProtocolWords, protocol: Protocol
) -> tuple[str, Lines]:
    lines: Lines = [(_("What the others must know"), entry.summary)]
    lines.extend((_("Duty"), duty) for duty in entry.duties)
    if entry.contacts:
        lines.append((_("Agencies to contact"), ", ".join(words.words(entry.contacts))))
    return _sector(entry.sector), lines


SECTIONS: Mapping[str, Section] = {
    section.key: section
    for section in (
        Section(
            key="deadlines",
            title=gettext_lazy("Deadlines"),
            intro=gettext_lazy(
                "Each deadline makes a task on a case: who does what, by when, counted from "
                "which event."
            ),
            add_label=gettext_lazy("Add a deadline"),
            form=section_forms.DeadlineForm,
            describe=_describe_deadline,
        ),
        Section(
            key="sharing",
            title=gettext_lazy("Sharing rules"),
            intro=gettext_lazy(
                "What each kind of agency may see of another's records, at which stage of the "
                "case. Nothing is shared without a rule."
            ),
            add_label=gettext_lazy("Add a sharing rule"),
            form=section_forms.SharingRuleForm,
            describe=_describe_sharing,
        ),
        Section(
            key="escalation",
            title=gettext_lazy("Escalation ladder"),
            intro=gettext_lazy(
                "When agencies disagree, the question goes up these levels in order, each with "
                "its time to decide. Move a level to change the order."
            ),
            add_label=gettext_lazy("Add a level"),
            form=section_forms.EscalationLevelForm,
            describe=_describe_level,
            ordered=True,
        ),
        Section(
            key="training",
            title=gettext_lazy("Training requirements"),
            intro=gettext_lazy("The courses people of each role must complete, and how often."),
            add_label=gettext_lazy("Add a training requirement"),
            form=section_forms.TrainingForm,
            describe=_describe_training,
        ),
        Section(
            key="responsibilities",
            title=gettext_lazy("Responsibilities"),
            intro=gettext_lazy(
                "What each kind of agency does, and what the others must know about its work."
            ),
            add_label=gettext_lazy("Add the responsibilities of an agency kind"),
            form=section_forms.ResponsibilityForm,
            describe=_describe_responsibility,
        ),
    )
}


def section_links() -> list[tuple[str, str]]:
    """(url part, title) of every section, for the guided editor's front page."""
    return [(key, str(section.title)) for key, section in SECTIONS.items()]


def _draft(request: HttpRequest, number: int) -> ProtocolVersion | HttpResponse:
    version = selectors.version_get(viewer=member_user(request), number=number)
    if version.status != ProtocolStatus.DRAFT:
        messages.warning(request, _("Only drafts can be edited; copy the version to change it."))
        return HttpResponseRedirect(reverse("protocols:detail", args=[version.number]))
    return version


def _words(version: ProtocolVersion) -> ProtocolWords:
    return ProtocolWords.for_task_force(version.task_force_id, version.protocol)


def _section(key: str) -> Section:
    section = SECTIONS.get(key)
    if section is None:
        raise NotFound(_("No such section of the protocol."))
    return section


def _renumbered(section: Section, entries: Sequence[Any]) -> tuple[Any, ...]:
    if section.key == "escalation":
        return tuple(replace(level, level=index + 1) for index, level in enumerate(entries))
    return tuple(entries)


def _lock(request: HttpRequest, version: ProtocolVersion) -> int:
    try:
        return int(request.POST.get("lock_version", ""))
    except ValueError:
        return version.lock_version


def _list_context(version: ProtocolVersion, section: Section) -> dict[str, Any]:
    protocol = version.protocol
    words = _words(version)
    facts = section_checks.TaskForceFacts.read(version.task_force_id)
    findings = section_checks.FINDERS[section.key](protocol, words, facts)
    entries = section.entries(protocol)
    rows = []
    for index, entry in enumerate(entries):
        heading, lines = section.describe(entry, words, protocol)
        rows.append(
            {
                "index": index,
                "heading": heading,
                "lines": lines,
                "findings": [f for f in findings if f.index == index],
                "first": index == 0,
                "last": index == len(entries) - 1,
            }
        )
    return {
        "version": version,
        "section": section,
        "rows": rows,
        "error_count": sum(1 for f in findings if f.severity == "error"),
        "warning_count": sum(1 for f in findings if f.severity != "error"),
        "lock_version": version.lock_version,
    }


def _save(
    request: HttpRequest,
    version: ProtocolVersion,
    section: Section,
    entries: Sequence[Any],
    *,
    change: str,
    lock_version: int,
    directory: Mapping[str, Any] | None = None,
) -> tuple[int, str] | None:
    """Save the section; the HTTP status and the reason it was refused, or None when saved."""
    try:
        services.protocol_section_update(
            actor=member_user(request),
            version=version,
            section=section.key,
            entries=_renumbered(section, entries),
            expected_lock_version=lock_version,
            directory=directory,
            change=change,
        )
    except ConflictError as error:
        return 409, str(error.message)
    except LoadError as error:
        reasons = "; ".join(issue.message for issue in error.issues[:3])
        return 400, _("Nothing was saved: the protocol would not read back (%(reasons)s).") % {
            "reasons": reasons
        }
    except AccordValidationError as error:
        return 400, _("Nothing was saved: %(reason)s") % {"reason": str(error)}
    return None


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def guided_section(request: HttpRequest, number: int, section_key: str) -> HttpResponse:
    version = _draft(request, number)
    if isinstance(version, HttpResponse):
        return version
    section = _section(section_key)
    if request.method == "GET":
        return render(request, "protocols/guided_section.html", _list_context(version, section))
    entries = list(section.entries(version.protocol))
    verb, _sep, where = request.POST.get("action", "").partition("-")
    index = int(where) if where.isdigit() else -1
    if not 0 <= index < len(entries) or verb not in ("remove", "up", "down"):
        context = _list_context(version, section)
        context["problem"] = _("Nothing was changed: that entry is no longer in the list.")
        return render(request, "protocols/guided_section.html", context, status=400)
    if verb == "remove":
        entries.pop(index)
        done = _("Removed and checked.")
    elif verb == "up" and index > 0:
        entries[index - 1], entries[index] = entries[index], entries[index - 1]
        done = _("Moved and checked.")
    elif verb == "down" and index < len(entries) - 1:
        entries[index + 1], entries[index] = entries[index], entries[index + 1]
        done = _("Moved and checked.")
    else:
        return HttpResponseRedirect(request.path)
    refused = _save(
        request,
        version,
        section,
        entries,
        change="removed" if verb == "remove" else "moved",
        lock_version=_lock(request, version),
    )
    if refused:
        version.refresh_from_db()
        context = _list_context(version, section)
        context["problem"] = refused[1]
        return render(request, "protocols/guided_section.html", context, status=refused[0])
    messages.success(request, done)
    return HttpResponseRedirect(request.path)


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def guided_section_entry(
    request: HttpRequest, number: int, section_key: str, index: int | None = None
) -> HttpResponse:
    version = _draft(request, number)
    if isinstance(version, HttpResponse):
        return version
    section = _section(section_key)
    protocol = version.protocol
    entries = list(section.entries(protocol))
    if index is not None and not 0 <= index < len(entries):
        raise NotFound(_("No such entry in this section."))
    existing = entries[index] if index is not None else None
    words = _words(version)
    choices = section_forms.section_choices(protocol, words, task_force_id=version.task_force_id)
    extra: dict[str, Any] = {}
    if section.key == "responsibilities":
        extra["used_sectors"] = {
            r.sector.value for i, r in enumerate(protocol.responsibilities) if i != index
        }
    list_url = reverse("protocols:guided_section", args=[version.number, section.key])

    def page(
        form: section_forms._EntryForm, *, status: int = 200, problem: str = "", lock: int
    ) -> HttpResponse:
        heading = section.describe(existing, words, protocol)[0] if existing is not None else ""
        context = {
            "version": version,
            "section": section,
            "form": form,
            "existing": existing,
            "heading": heading,
            "problem": problem,
            "lock_version": lock,
            "list_url": list_url,
            "kept": _kept_conditions(existing, words),
        }
        return render(request, "protocols/guided_section_entry.html", context, status=status)

    if request.method == "GET":
        initial = section.form.initial_for(existing) if existing is not None else {}
        form = section.form(initial=initial, choices=choices, **extra)
        return page(form, lock=version.lock_version)

    lock_version = _lock(request, version)
    form = section.form(request.POST, choices=choices, **extra)
    if not form.is_valid():
        return page(
            form,
            status=400,
            problem=_("Nothing was saved: correct the fields marked below."),
            lock=lock_version,
        )
    taken = [getattr(entry, "id", "") for entry in entries]
    entry = form.to_entry(existing=existing, taken=taken)
    if index is None:
        entries.append(entry)
    else:
        entries[index] = entry
    refused = _save(
        request,
        version,
        section,
        entries,
        change="added" if index is None else "edited",
        lock_version=lock_version,
        directory=_picked_outside(entry, choices),
    )
    if refused:
        return page(form, status=refused[0], problem=refused[1], lock=lock_version)
    messages.success(request, _("Saved and checked."))
    return HttpResponseRedirect(list_url)


def _picked_outside(entry: Any, choices: section_forms.SectionChoices) -> dict[str, Any]:
    """Organizations chosen from the task force's directory that the protocol must now list."""
    named: set[str] = set()
    if isinstance(entry, Deadline) and entry.owner_organization:
        named.add(entry.owner_organization)
    if isinstance(entry, Responsibility):
        named.update(entry.contacts)
    return {slug: ref for slug, ref in choices.outside_directory.items() if slug in named}


def _kept_conditions(existing: Any, words: ProtocolWords) -> list[str]:
    """Conditions on the case's facts a deadline keeps unchanged (edited in the YAML view)."""
    if not isinstance(existing, Deadline):
        return []
    return [f"{words.factor(f)}: {c.text}" for f, c in existing.when.items()]
