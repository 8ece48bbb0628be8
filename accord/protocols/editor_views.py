"""The guided protocol editor pages: a draft's decisions as tables a coordinator edits.

Thin views: the rows are read from the form (:mod:`.editor`), the decision is saved by
``services.protocol_decision_update`` (the YAML editor's write path), and the decision is
verified again at once so its findings show on the rows they concern.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.accounts.access import member, member_user
from accord.accounts.models import Role
from accord.core import LoadError
from accord.core.model import Decision, FactorKind, HitPolicy, Interval, OutputKind, Protocol
from accord.core.verify import Finding, FindingKind
from accord.errors import ConflictError, NotFound
from accord.errors import ValidationError as AccordValidationError

from . import editor, editor_directory, editor_fixes, editor_render, selectors, services
from .models import ProtocolStatus, ProtocolVersion
from .words import ProtocolWords


def _hit_words() -> list[tuple[str, str]]:
    return [
        ("first", _("the first rule that applies (from the top) wins")),
        ("all", _("all of them apply, in the order of the table")),
        ("agree", _("they may overlap only where they give the same answer")),
        ("one", _("they must not overlap: only one rule may apply")),
    ]


_HIT_POLICIES: Mapping[str, HitPolicy] = {
    "first": HitPolicy.FIRST,
    "all": HitPolicy.RULE_ORDER,
    "agree": HitPolicy.ANY,
    "one": HitPolicy.UNIQUE,
}


def _hit_key(policy: HitPolicy) -> str:
    return next((key for key, value in _HIT_POLICIES.items() if value is policy), "keep")


def _draft(request: HttpRequest, number: int) -> ProtocolVersion | HttpResponse:
    version = selectors.version_get(viewer=member_user(request), number=number)
    if version.status != ProtocolStatus.DRAFT:
        messages.warning(request, _("Only drafts can be edited; copy the version to change it."))
        return HttpResponseRedirect(reverse("protocols:detail", args=[version.number]))
    return version


def _words(version: ProtocolVersion) -> ProtocolWords:
    return ProtocolWords.for_task_force(version.task_force_id, version.protocol)


# -- the list of decisions --------------------------------------------------------------


@member(Role.COORDINATOR)
@require_http_methods(["GET"])
def guided(request: HttpRequest, number: int) -> HttpResponse:
    version = _draft(request, number)
    if isinstance(version, HttpResponse):
        return version
    protocol = version.protocol
    words = _words(version)
    decisions = []
    circulation = editor_directory.circulation(version)
    for decision in protocol.decisions.values():
        findings = editor.decision_findings(protocol, decision)
        decisions.append(
            {
                "id": decision.id,
                "question": decision.question or words.factor(decision.id),
                "factors": [words.factor(f) for f in decision.inputs],
                "rules": len(decision.rules),
                "errors": sum(1 for f in findings if f.severity == "error")
                + circulation["directory_errors"].get(decision.id, 0),
                "warnings": sum(1 for f in findings if f.severity != "error"),
            }
        )
    return render(
        request,
        "protocols/guided.html",
        {
            "version": version,
            "decisions": decisions,
            "circulation": circulation,
        },
    )


# -- one decision -----------------------------------------------------------------------


def _directory_choices(version: ProtocolVersion) -> tuple[list[editor.Choice], list[editor.Choice]]:
    from accord.directory.models import Organization, Service

    organizations = [
        editor.Choice(slug, name)
        for slug, name in Organization.objects.filter(task_force_id=version.task_force_id)
        .order_by("name")
        .values_list("slug", "name")
    ]
    services_ = [
        editor.Choice(slug, name or slug, organization)
        for slug, name, organization in Service.objects.filter(task_force_id=version.task_force_id)
        .order_by("name")
        .values_list("slug", "name", "organization__slug")
    ]
    return organizations, services_


def _region_part(words: ProtocolWords, protocol: Protocol, factor_id: str, part: Any) -> str:
    """One input of a finding's box in words ("" when it is the whole domain)."""
    factor = protocol.factors[factor_id]
    domain = factor.domain
    if isinstance(part, Interval):
        low = None if _unbounded(part.low) or part.low == domain.minimum else part.low
        high = None if _unbounded(part.high) or part.high == domain.maximum else part.high
        if low is None and high is None:
            return ""
        if low is None:
            return _("%(high)s or less") % {"high": _number(high)}
        if high is None:
            return _("%(low)s or more") % {"low": _number(low)}
        return _("%(low)s to %(high)s") % {"low": _number(low), "high": _number(high)}
    values = tuple(part)
    everything = (True, False) if domain.kind is FactorKind.BOOLEAN else domain.values
    if set(values) >= set(everything):
        return ""
    return _(" or ").join(words.value(value) for value in values)


def _unbounded(value: Any) -> bool:
    return isinstance(value, Decimal) and value.is_infinite()


def _bounded(value: Any) -> bool:
    return value is not None and not _unbounded(value)


def _number(value: Any) -> str:
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def _situation(
    words: ProtocolWords, protocol: Protocol, decision: Decision, box: Mapping[str, Any]
) -> str:
    parts = []
    for factor_id in decision.inputs:
        if factor_id in box and factor_id in protocol.factors:
            text = _region_part(words, protocol, factor_id, box[factor_id])
            if text:
                parts.append(f"{words.factor(factor_id)}: {text}")
    return "; ".join(parts) or _("any situation")


def _finding_words(
    words: ProtocolWords, protocol: Protocol, decision: Decision, finding: Finding
) -> str:
    if finding.kind is FindingKind.OVERLAP and finding.box is not None:
        return _("Rules %(rules)s all apply when %(situation)s.") % {
            "rules": ", ".join(finding.rules),
            "situation": _situation(words, protocol, decision, finding.box),
        }
    return finding.message


def _table_context(
    version: ProtocolVersion,
    decision: Decision,
    rows: list[editor.Row],
    choices: Mapping[str, Sequence[editor.Choice]],
    findings: Sequence[Finding],
    words: ProtocolWords,
    saved_rows: Mapping[str, editor.Row] | None = None,
) -> dict[str, Any]:
    """The table's context. ``saved_rows``: the saved table's rows by rule id, when ``rows``
    are not all as saved (posted ones); a row equal to its saved one is marked ``saved``,
    and the page may leave such a row out of its next save (``editor.KEPT_FIELD``)."""
    protocol = version.protocol
    columns: list[dict[str, Any]] = []
    for factor_id in decision.inputs:
        factor = protocol.factors.get(factor_id)
        if factor is None:
            continue
        domain = factor.domain
        options: list[tuple[str, str]] = []
        if domain.kind is FactorKind.BOOLEAN:
            options = [("true", _("yes")), ("false", _("no"))]
        elif domain.kind is FactorKind.ENUM:
            options = [(str(v), words.value(v)) for v in domain.values]
        columns.append(
            {
                "id": factor_id,
                "label": words.factor(factor_id),
                "numeric": domain.is_numeric,
                "options": options,
                "low": _number(domain.minimum) if _bounded(domain.minimum) else "",
                "high": _number(domain.maximum) if _bounded(domain.maximum) else "",
            }
        )
    outputs = []
    blocks: list[str] = []  # each output's options, rendered once for every row
    for output in decision.outputs:
        listed = [(c.value, c.name) for c in choices.get(output.name, ())]
        if output.kind is OutputKind.BOOLEAN:
            listed = [("true", _("yes")), ("false", _("no"))]
        outputs.append(
            {
                "name": output.name,
                "label": words.output(decision.id, output.name),
                "free": output.kind in (OutputKind.TEXT, OutputKind.NUMBER),
                "choices": listed,
            }
        )
        free = output.kind in (OutputKind.TEXT, OutputKind.NUMBER)
        blocks.append("" if free else editor_render.option_block(listed))
    pinned: dict[str, list[str]] = {}
    for finding in findings:
        if finding.kind is FindingKind.GAP:
            continue
        for rule_id in (
            finding.rules[:1] if finding.kind is not FindingKind.OVERLAP else finding.rules
        ):
            pinned.setdefault(rule_id, []).append(
                _finding_words(words, protocol, decision, finding)
            )
    gaps = [
        {
            "index": index,
            "situation": _situation(words, protocol, decision, finding.box or {}),
            "cells": [
                (
                    column["label"],
                    _region_part(words, protocol, column["id"], (finding.box or {})[column["id"]])
                    if column["id"] in (finding.box or {})
                    else "",
                )
                for column in columns
            ],
        }
        for index, finding in enumerate(editor.gap_findings(findings))
    ]
    table_rows: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        shown: dict[str, Any] = {
            "index": index,
            "row": row,
            "cells": list(zip(columns, row.cells, strict=True)),
            "outputs": [
                (output, cell, editor_render.options_for(block, cell.value) if block else "")
                for output, cell, block in zip(outputs, row.outputs, blocks, strict=True)
            ],
            "findings": pinned.get(row.rule_id, []),
            "saved": bool(row.rule_id)
            and (saved_rows is None or saved_rows.get(row.rule_id) == row),
            "first": index == 0,
            "last": index == len(rows) - 1,
        }
        table_rows.append(shown)
    policy = decision.hit_policy
    context = {
        "version": version,
        "decision": decision,
        "question": decision.question or words.factor(decision.id),
        "columns": columns,
        "outputs": outputs,
        "rows": table_rows,
        "row_count": len(rows),
        "gaps": gaps,
        "hit_choices": _hit_words(),
        "hit_key": _hit_key(policy),
        "hit_as_written": policy.value
        if decision.aggregation is None
        else f"{policy.value} {decision.aggregation.value}",
        "error_count": sum(1 for f in findings if f.severity == "error"),
        "lock_version": version.lock_version,
    }
    _add_fixes(context, version, decision, rows, choices, findings, words)
    for shown in table_rows:  # after the fixes: a row whose suggestions change is sent again
        shown["digest"] = editor_render.row_digest(shown)
    return context


def _apply_action(
    action: str,
    rows: list[editor.Row],
    protocol: Protocol,
    decision: Decision,
    findings: Sequence[Finding],
) -> bool:
    """Change ``rows`` as the button asks; True when the result is saved at once."""
    verb, _sep, where = action.partition("-")
    index = int(where) if where.isdigit() else -1
    if verb == "add":
        rows.append(editor.row_from_region(protocol, decision, {}))
        return False
    if verb == "answer":
        gaps = editor.gap_findings(findings)
        if 0 <= index < len(gaps):
            rows.append(editor.row_from_region(protocol, decision, gaps[index].box or {}))
        return False
    if not 0 <= index < len(rows):
        return verb == "save"
    if verb == "copy":
        original = rows[index]
        copy = editor.Row(
            rule_id="",
            cells=[editor.Cell(**vars(cell)) for cell in original.cells],
            outputs=[editor.OutputCell(**vars(cell)) for cell in original.outputs],
        )
        for cell in copy.outputs:
            cell.fixed = False
        rows.insert(index + 1, copy)
    elif verb == "remove":
        rows.pop(index)
    elif verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return True


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def guided_decision(request: HttpRequest, number: int, decision_id: str) -> HttpResponse:
    version = _draft(request, number)
    if isinstance(version, HttpResponse):
        return version
    protocol = version.protocol
    decision = protocol.decisions.get(decision_id)
    if decision is None:
        raise NotFound(_("No such decision in this version."))
    words = _words(version)
    organizations, services_ = _directory_choices(version)
    choices = editor.output_choices(
        protocol, decision, organizations=organizations, services=services_, names=words.names
    )
    if request.method == "GET":
        rows = editor.rows_from_decision(protocol, decision)
        context = _table_context(
            version, decision, rows, choices, editor.decision_findings(protocol, decision), words
        )
        return render(request, "protocols/guided_decision.html", context)

    rows = editor.rows_from_post(request.POST, protocol, decision)
    action = request.POST.get("action", "save")
    # The stored decision's findings: only needed to answer a gap or to show the page again.
    findings: Sequence[Finding] = ()
    if action.startswith("answer") or editor_fixes.needs_findings(action):
        findings = editor.decision_findings(protocol, decision)
    fix = editor_fixes.apply_fix(
        action,
        rows,
        protocol,
        decision,
        findings,
        choices=choices,
        describe=lambda box: _situation(words, protocol, decision, box),
    )
    save = fix.save if fix else _apply_action(action, rows, protocol, decision, findings)
    hit_key = request.POST.get("hit_policy", "keep")
    policy = _HIT_POLICIES.get(hit_key, decision.hit_policy)
    if fix and fix.policy:
        policy = fix.policy
    try:
        lock_version = int(request.POST.get("lock_version", ""))
    except ValueError:
        lock_version = version.lock_version

    htmx = bool(getattr(request, "htmx", False))

    def page(status: int, **extra: str) -> HttpResponse:
        shown = decision if policy is decision.hit_policy else _with_policy(decision, policy)
        stored = findings or editor.decision_findings(protocol, decision)
        saved_rows = {row.rule_id: row for row in editor.rows_from_decision(protocol, decision)}
        context = _table_context(version, shown, rows, choices, stored, words, saved_rows)
        context.update(lock_version=lock_version, **extra)
        if htmx and action == "save":
            # Through htmx a save answers with the rows that changed on the page only.
            return _changed_rows(request, context)
        # htmx swaps only successful answers: the page with its problem comes back as 200.
        return render(
            request, "protocols/guided_decision.html", context, status=200 if htmx else status
        )

    if fix and fix.problem:
        return page(fix.status, problem=fix.problem)
    if not save:
        return page(
            200,
            notice=_(
                "A new rule was added at the end of the table: choose what it answers, then save."
            ),
        )
    try:
        edited = editor.rows_to_decision(
            protocol, decision, rows, hit_policy=policy, choices=choices
        )
        saved = services.protocol_decision_update(
            actor=member_user(request),
            version=version,
            decision=edited,
            expected_lock_version=lock_version,
            directory=editor.directory_additions(protocol, edited, choices),
        )
    except editor.EditorError:
        return page(400, problem=_("Nothing was saved: correct the fields marked below."))
    except ConflictError as error:
        return page(409, problem=str(error.message))
    except (LoadError, AccordValidationError) as error:
        return page(400, problem=_("Nothing was saved: %(reason)s") % {"reason": str(error)})
    if htmx and action == "save":
        # The saved decision (the model the text was written from), verified and shown;
        # other saved actions move rows, and the page they redirect to is swapped whole.
        new_protocol = saved.protocol
        new_decision = new_protocol.decisions[decision.id]
        context = _table_context(
            saved,
            new_decision,
            editor.rows_from_decision(new_protocol, new_decision),
            choices,
            editor.decision_findings(new_protocol, new_decision),
            # The same names: the save changed one decision and added directory entries
            # named from the task force's directory, which ``words`` already read.
            dataclasses.replace(words, protocol=new_protocol),
        )
        context.update(notice=fix.done if fix and fix.done else _("Saved and checked."))
        return _changed_rows(request, context)
    messages.success(request, fix.done if fix and fix.done else _("Saved and checked."))
    return HttpResponseRedirect(
        reverse("protocols:guided_decision", args=[version.number, decision.id])
    )


def _with_policy(decision: Decision, policy: HitPolicy) -> Decision:
    from dataclasses import replace

    return replace(decision, hit_policy=policy, aggregation=None)


def _add_fixes(
    context: dict[str, Any],
    version: ProtocolVersion,
    decision: Decision,
    rows: list[editor.Row],
    choices: Mapping[str, Sequence[editor.Choice]],
    findings: Sequence[Finding],
    words: ProtocolWords,
) -> None:
    """Fix it from the finding: overlaps side by side, directory and law findings on rows."""
    protocol = version.protocol
    context["overlaps"] = editor_fixes.overlap_blocks(
        protocol,
        decision,
        findings,
        words=words,
        choices=choices,
        describe=lambda box: _situation(words, protocol, decision, box),
        region_part=lambda factor_id, part: _region_part(words, protocol, factor_id, part),
    )
    fixes = editor_directory.row_fixes(
        task_force=version.task_force, protocol=protocol, decision=decision, rows=rows, words=words
    )
    for row in context["rows"]:
        row["fixes"] = fixes.get(row["row"].rule_id, []) if row["row"].rule_id else []
    context["error_count"] += editor_directory.error_count(fixes)
    context["width"] = len(context["columns"]) + len(context["outputs"]) + 2


def _changed_rows(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The answer to a save made through htmx: the verdict, messages, lock and gaps, and
    only the rows whose digest differs from the one the page posted, each swapped in place."""
    changed = editor_render.rows_to_send(context["rows"], request.POST)
    # Not the other rows: a template's context ends in a reference cycle (Django's
    # ContextDict points back to its Context), so whatever it holds waits for the garbage
    # collector; the whole table there made each save leave ~6,000 objects for a full
    # collection to walk.
    shown = {key: value for key, value in context.items() if key != "rows"}
    response = render(request, "protocols/_guided_changed.html", {**shown, "changed": changed})
    response["HX-Reswap"] = "none"  # everything comes out of band, by id
    return response
