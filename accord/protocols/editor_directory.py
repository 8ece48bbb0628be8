"""Fix it from the finding: directory mismatches and the law's findings in the guided editor.

A rule that sends people to a directory organization or service that does not fit them
(a minor sent to an adults-only shelter, a service that does not list the rule's
language, an organization without a 24/7 phone, ...) gets the finding pinned to its row,
in words, and the directory's entries that *do* fit the rule's situation, by name, each a
one-click "Use <service>" that sets the rule's answer (saved at once, verified again).

An entry fits when the directory's own eligibility check (``accord.directory.eligibility``)
finds nothing against it for the rule's situation (ages, genders, citizenship, trafficking
types, languages and areas the rule covers), when it lists every language the rule names,
and, when the finding is about 24/7 reachability or the rule's current service is open
24/7, when it is open 24/7 too. The directory is read through its selectors.

A finding the law fixes (:mod:`.legal_constants`) is pinned with the reason no
accepted-risk note can waive it: such a draft cannot be circulated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from accord.core.model import Decision, OutputKind, Protocol

from . import editor, legal_constants
from .directory_checks import DirectoryFinding, RuleReference, check_protocol_references
from .directory_checks import rule_references as all_rule_references

#: At most this many entries are offered per rule answer (24/7 ones first, then by name).
MAX_SUGGESTIONS = 6


def _agency_sectors(task_force_id: int) -> dict[str, str]:
    from accord.accounts.models import Agency

    return dict(Agency.objects.filter(task_force_id=task_force_id).values_list("slug", "sector"))


def decision_findings(
    *,
    task_force: Any,
    protocol: Protocol,
    decision: Decision,
    entries: Any = None,
    references: Sequence[RuleReference] | None = None,
) -> list[DirectoryFinding]:
    """The directory's and the law's findings on the rules of one decision (``entries``:
    the directory already read, ``references``: the decision's rule references, if any)."""
    alone = dataclasses.replace(protocol, decisions={decision.id: decision}, deadlines=())
    found = list(
        check_protocol_references(
            task_force=task_force, protocol=alone, entries=entries, references=references
        )
        or ()
    )
    found.extend(
        legal_constants.continued_presence_findings(
            protocol=alone, agency_sectors=_agency_sectors(task_force.pk)
        )
    )
    return found


def not_waivable_because(finding: DirectoryFinding) -> str:
    if finding.check == legal_constants.CONTINUED_PRESENCE_NOT_FEDERAL or (
        legal_constants.is_minor_to_adult_service(finding)
    ):
        key = (
            finding.check
            if finding.check in legal_constants.WHY
            else legal_constants.MINOR_TO_ADULT_SERVICE
        )
        return str(legal_constants.WHY[key])
    return ""


def finding_words(finding: DirectoryFinding, *, words: Any) -> str:
    """The finding in words, naming the directory entry by name."""
    target = words.value(finding.target)
    example = dict(finding.example)
    check = finding.check
    if check == "eligibility_mismatch":
        if "age" in example:
            return _(
                "%(target)s does not take everyone this rule sends there: for example, age %(age)s."
            ) % {"target": target, "age": example["age"]}
        value = next(iter(example.values()), "")
        return _(
            "%(target)s does not take everyone this rule sends there: for example, %(value)s."
        ) % {"target": target, "value": words.value(value)}
    if check == "language_not_served":
        return _("%(target)s does not list the language %(language)s.") % {
            "target": target,
            "language": _language_name(str(example.get("language", ""))),
        }
    if check == "jurisdiction_not_covered":
        return _("%(target)s does not cover %(place)s.") % {
            "target": target,
            "place": words.value(example.get("jurisdiction", "")),
        }
    if check == "no_24_7_contact":
        return _("%(target)s has no phone answered 24 hours a day, 7 days a week.") % {
            "target": target
        }
    if check == "inactive":
        return _("%(target)s is marked inactive in the directory.") % {"target": target}
    if check == "unknown_id":
        return _("“%(target)s” is not in the task force's directory.") % {"target": target}
    if check == legal_constants.CONTINUED_PRESENCE_NOT_FEDERAL:
        return _(
            "This rule gives the Continued Presence request to %(who)s, who is not federal "
            "law enforcement."
        ) % {"who": words.value(finding.target)}
    return str(words.sentence(finding.message))


def _language_name(code: str) -> str:
    from accord.directory.vocabulary import language_name

    return language_name(code) or code


def _normal_language(code: str) -> str:
    from accord.directory.vocabulary import normalize_language

    return normalize_language(code) or code


@dataclasses.dataclass(frozen=True)
class _Candidate:
    """A directory entry a rule could send people to instead."""

    slug: str
    name: str
    open_24_7: bool
    languages: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class _Entries:
    """The directory read once per page: all of it (for the checks), and the active
    services (24/7 ones first, then by name) and organizations (by name) that could be
    offered instead."""

    directory: Any  # accord.directory.eligibility.DirectoryEntries
    services: tuple[_Candidate, ...]
    organizations: tuple[_Candidate, ...]

    @classmethod
    def read(cls, task_force: Any) -> _Entries:
        from accord.directory import eligibility
        from accord.directory.models import ServiceStatus

        directory = eligibility.DirectoryEntries.read(task_force=task_force)
        services = [  # in the directory's order: 24/7 first, then by name
            service
            for service in directory.services.values()
            if service.status == ServiceStatus.ACTIVE and service.organization_active
        ]
        organizations = [o for o in directory.organizations.values() if o.is_active]
        return cls(
            directory=directory,
            services=tuple(
                _Candidate(
                    slug=service.slug,
                    name=service.name or service.slug,
                    open_24_7=service.is_24_7,
                    languages=service.languages,
                    kinds=service.service_type_set,
                )
                for service in services
            ),
            organizations=tuple(
                _Candidate(slug=organization.slug, name=organization.name, open_24_7=True)
                for organization in organizations
            ),
        )


@dataclasses.dataclass(frozen=True)
class _Wanted:
    """What one finding asks of its replacement."""

    reference: RuleReference
    need_24_7: bool
    kinds: frozenset[str] = frozenset()
    among: frozenset[str] = frozenset()


def _candidates(entries: _Entries, wanted: _Wanted) -> list[_Candidate]:
    """The entries of the right kind, language and hours (eligibility not yet checked)."""
    from accord.directory import eligibility

    reference = wanted.reference
    if eligibility.ReferenceKind(reference.kind) is eligibility.ReferenceKind.SERVICE:
        found = [c for c in entries.services if not wanted.kinds or c.kinds & wanted.kinds]
        if reference.languages:
            languages = {_normal_language(code) for code in reference.languages}
            found = [c for c in found if languages <= c.languages]
    else:
        found = [c for c in entries.organizations if not wanted.among or c.slug in wanted.among]
    found = [c for c in found if c.slug != reference.target]
    if wanted.need_24_7:
        found = [c for c in found if c.open_24_7]
    return found


def _fitting_all(
    *, task_force: Any, wanted: Sequence[_Wanted], entries: _Entries | None = None
) -> list[list[tuple[str, str, bool]]]:
    """For each of ``wanted``: (id, name, open 24/7) of the directory entries that fit the
    rule's situation. The directory is read once and its eligibility check runs once for
    all of them (a 200-rule decision had a hundred findings, each reading it again)."""
    from accord.directory import eligibility

    entries = entries if entries is not None else _Entries.read(task_force)
    candidates = [_candidates(entries, one) for one in wanted]
    uses = [
        eligibility.ReferenceUse(
            directory_id=candidate.slug,
            kind=eligibility.ReferenceKind(one.reference.kind),
            rule=str(position),  # which of ``wanted`` the use is for
            **one.reference.region(),
        )
        for position, (one, found) in enumerate(zip(wanted, candidates, strict=True))
        for candidate in found
    ]
    refused = {
        (finding.rule, finding.directory_id)
        for finding in eligibility.check_references(
            task_force=task_force, references=uses, entries=entries.directory
        )
    }
    return [
        [(c.slug, c.name, c.open_24_7) for c in found if (str(position), c.slug) not in refused]
        for position, found in enumerate(candidates)
    ]


def _fitting(
    *,
    task_force: Any,
    reference: RuleReference,
    need_24_7: bool,
    kinds: frozenset[str] = frozenset(),
    among: frozenset[str] = frozenset(),
) -> list[tuple[str, str, bool]]:
    """(id, name, open 24/7) of the directory entries that fit the rule's situation;
    services only of ``kinds`` (service types), organizations only ``among`` these, when
    given."""
    (fitting,) = _fitting_all(
        task_force=task_force,
        wanted=[_Wanted(reference=reference, need_24_7=need_24_7, kinds=kinds, among=among)],
    )
    return fitting


def row_fixes(
    *,
    task_force: Any,
    protocol: Protocol,
    decision: Decision,
    rows: Sequence[editor.Row],
    words: Any,
    findings: Iterable[DirectoryFinding] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per rule id: its directory and law findings in words, each with what fits instead."""
    entries = _Entries.read(task_force)
    rule_references = all_rule_references(
        dataclasses.replace(protocol, decisions={decision.id: decision})
    )
    if findings is None:
        findings = decision_findings(
            task_force=task_force,
            protocol=protocol,
            decision=decision,
            entries=entries.directory,
            references=rule_references,
        )
    found = [f for f in findings if f.decision == decision.id]
    if not found:
        return {}
    positions = {row.rule_id: index for index, row in enumerate(rows) if row.rule_id}
    outputs = {output.name: index for index, output in enumerate(decision.outputs)}
    kinds = {output.name: output.kind for output in decision.outputs}
    references = {(reference.rule, reference.target): reference for reference in rule_references}
    answered = {
        str(rule.outputs.get(output.name))
        for rule in decision.rules
        for output in decision.outputs
        if output.kind is OutputKind.SERVICE
    }
    targets = {c.slug: (c.open_24_7, c.kinds) for c in entries.services}
    organizations = frozenset(
        str(rule.outputs.get(output.name))
        for rule in decision.rules
        for output in decision.outputs
        if output.kind is OutputKind.ORGANIZATION
    )
    answered_kinds = frozenset(
        kind for slug in answered if slug in targets for kind in targets[slug][1]
    )
    fixes: dict[str, list[dict[str, Any]]] = {}
    offered: dict[tuple[str, str], tuple[dict[str, Any], RuleReference, _Wanted]] = {}
    for finding in found:
        item: dict[str, Any] = {
            "message": finding_words(finding, words=words),
            "why": not_waivable_because(finding),
            "suggestions": [],
            "offer": False,
        }
        reference = references.get((finding.rule, finding.target))
        if (
            reference is not None
            and finding.rule in positions
            and kinds.get(reference.output) in (OutputKind.SERVICE, OutputKind.ORGANIZATION)
            and (finding.rule, reference.output) not in offered
        ):
            target = targets.get(finding.target, (False, frozenset()))
            need = finding.check == "no_24_7_contact" or target[0]
            # the same kind of service as the one it replaces (else as this question's answers)
            wanted = _Wanted(
                reference=reference,
                need_24_7=need,
                kinds=target[1] or answered_kinds,
                among=organizations,
            )
            offered[(finding.rule, reference.output)] = (item, reference, wanted)
            item["offer"] = True
            item["output"] = words.output(decision.id, reference.output)
            item["need_24_7"] = need
        fixes.setdefault(finding.rule, []).append(item)
    fitting_all = _fitting_all(
        task_force=task_force, wanted=[w for _i, _r, w in offered.values()], entries=entries
    )
    for (item, reference, _w), fitting in zip(offered.values(), fitting_all, strict=True):
        item["suggestions"] = [
            {
                "name": name,
                "open_24_7": open_,
                "action": f"use-{positions[reference.rule]}-{outputs[reference.output]}-{slug}",
            }
            for slug, name, open_ in fitting[:MAX_SUGGESTIONS]
        ]
    return fixes


def error_count(fixes: Mapping[str, Sequence[Mapping[str, Any]]]) -> int:
    return sum(len(items) for items in fixes.values())


def circulation(version: Any) -> dict[str, Any]:
    """What stands between a draft and circulation, in words: the law's findings (which no
    note can waive) one by one, with their reason and where to change them, then how many
    other errors still need a fix or an accepted-risk note."""
    from django.urls import reverse

    from .selectors import version_report

    report = version_report(version=version)
    protocol = version.protocol
    law = []
    for item in report.unresolved:
        if item.waivable:
            continue
        decision = protocol.decisions.get(item.decision)
        rule = ", ".join(item.rules)
        if decision is None:
            where = _("Deadline %(rule)s") % {"rule": rule}
            url = reverse("protocols:report", args=[version.number])
        else:
            where = _("%(question)s, rule %(rule)s") % {
                "question": decision.question or item.decision,
                "rule": rule,
            }
            ids = [r.id for r in decision.rules]
            url = reverse("protocols:guided_decision", args=[version.number, decision.id])
            if item.rules and item.rules[0] in ids:
                url += f"#fixes-{ids.index(item.rules[0])}"
        law.append({"where": where, "why": item.not_waivable_because, "url": url})
    others = len(report.unresolved) - len(law)
    # the directory's and the law's errors per decision (the core's are counted by the editor)
    checked_here: dict[str, int] = {}
    for item in report.errors:
        if item.source != "verification" and item.decision:
            checked_here[item.decision] = checked_here.get(item.decision, 0) + 1
    return {
        "law": law,
        "directory_errors": checked_here,
        "others": others,
        "complete": report.complete,
        "blocked": bool(law or others or not report.complete),
    }
