"""The response plan: the protocol in force evaluated on the case facts, with directory contacts.

Answers are stored as plain JSON (a snapshot: what the plan said when it was
generated), so the plan page needs no evaluation and no directory look-ups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from accord.core.evaluate import DecisionResult, json_value
from accord.core.model import COMMON_QUESTIONS, OutputKind, Protocol
from accord.core.victims import CaseEvaluation, VictimFacts, evaluate_case


@dataclass(frozen=True)
class PlanResult:
    evaluation: CaseEvaluation
    answers: list[dict[str, Any]]


def plan_facts(*, protocol: Protocol, facts: Mapping[str, Any], stage: str) -> dict[str, Any]:
    """The case facts plus what the case itself knows (its stage), for factors the protocol has."""
    merged = dict(facts)
    if "stage" in protocol.factors and merged.get("stage") in (None, "", "unknown"):
        merged["stage"] = stage
    return merged


def _rows(result: Any, output_names: Sequence[str]) -> list[dict[str, Any]]:
    if result is None:
        return []
    items = result if isinstance(result, list) else [result]
    rows = []
    for item in items:
        if isinstance(item, Mapping):
            rows.append(dict(item))
        else:
            rows.append({output_names[0]: item})
    return rows


def _decision_order(protocol: Protocol) -> list[str]:
    common = {d.common_question or d.id: d.id for d in protocol.decisions.values()}
    ordered = [common[q] for q in COMMON_QUESTIONS if q in common]
    return ordered + [d for d in protocol.decisions if d not in ordered]


def plan_compute(
    *,
    protocol: Protocol,
    facts: Mapping[str, Any],
    task_force_id: int,
    victims: Sequence[VictimFacts] = (),
    evaluation: CaseEvaluation | None = None,
) -> PlanResult:
    """Every decision answered (or loudly not), with the contacts for each organization/service:
    questions about a person once for each potential victim (``victim_id`` and ``victim`` set),
    questions about the case once (``victim_id`` None)."""
    if evaluation is None:
        evaluation = evaluate_case(protocol, facts, victims)
    answers: list[dict[str, Any]] = []
    wanted: dict[str, set[str]] = {"organization": set(), "service": set()}
    for decision_id in _decision_order(protocol):
        for victim_key, result in evaluation.answers_for(decision_id):
            answers.append(
                _answer(protocol, decision_id, result, victim_key, evaluation.labels, wanted)
            )
    _attach_contacts(protocol, answers, task_force_id, wanted)
    return PlanResult(evaluation=evaluation, answers=answers)


def _answer(
    protocol: Protocol,
    decision_id: str,
    result: DecisionResult,
    victim_key: str | None,
    labels: Mapping[str, str],
    wanted: dict[str, set[str]],
) -> dict[str, Any]:
    decision = protocol.decisions[decision_id]
    names = [o.name for o in decision.outputs]
    rows = _rows(json_value(result.result), names)
    references = []
    for row in rows:
        for output in decision.outputs:
            value = row.get(output.name)
            if value and output.kind in (OutputKind.ORGANIZATION, OutputKind.SERVICE):
                wanted[output.kind.value].add(str(value))
                references.append({"kind": output.kind.value, "slug": str(value)})
    return {
        "decision": decision_id,
        "victim_id": int(victim_key) if victim_key and victim_key.isdigit() else None,
        "victim": labels.get(victim_key, "") if victim_key else "",
        "question": decision.question,
        "common": decision_id in COMMON_QUESTIONS or (decision.common_question in COMMON_QUESTIONS),
        "answered": result.answered,
        "rows": rows,
        "rules": list(result.rules),
        "explanation": result.explanation,
        "how": list(result.how),
        "needs": list(result.needs),
        "needs_labels": [
            protocol.factors[n].label or n for n in result.needs if n in protocol.factors
        ],
        "error": result.error,
        "references": references,
        "contacts": [],
    }


def _attach_contacts(
    protocol: Protocol,
    answers: list[dict[str, Any]],
    task_force_id: int,
    wanted: dict[str, set[str]],
) -> None:
    contacts = directory_contacts(
        task_force_id=task_force_id,
        organizations=wanted["organization"],
        services=wanted["service"],
    )
    for answer in answers:
        seen: set[tuple[str, str]] = set()
        for reference in answer["references"]:
            key = (reference["kind"], reference["slug"])
            if key in seen:
                continue
            seen.add(key)
            answer["contacts"].append(
                contacts.get(
                    key,
                    {
                        "kind": reference["kind"],
                        "slug": reference["slug"],
                        "name": protocol.directory[reference["slug"]].name
                        if reference["slug"] in protocol.directory
                        else reference["slug"],
                        "organization": "",
                        "phones": [],
                        "missing": True,
                    },
                )
            )


def directory_contacts(
    *, task_force_id: int, organizations: set[str], services: set[str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Names and phones (24/7 first) of directory entries, never addresses. Three queries."""
    from accord.directory.models import Organization, Phone, Service

    found: dict[tuple[str, str], dict[str, Any]] = {}
    if not organizations and not services:
        return found
    service_rows = list(
        Service.objects.filter(task_force_id=task_force_id, slug__in=services).select_related(
            "organization"
        )
    )
    org_slugs = set(organizations) | {s.organization.slug for s in service_rows}
    org_rows = {
        o.pk: o
        for o in Organization.objects.filter(task_force_id=task_force_id, slug__in=org_slugs)
    }
    service_ids = [s.pk for s in service_rows]
    phones_by_org: dict[int, list[dict[str, Any]]] = {}
    phones_by_service: dict[int, list[dict[str, Any]]] = {}
    for phone in Phone.objects.filter(
        Q(organization_id__in=list(org_rows))
        | Q(service_id__in=service_ids)
        | Q(contact__organization_id__in=list(org_rows))
    ).values(
        "number",
        "extension",
        "is_24_7",
        "description",
        "organization_id",
        "service_id",
        "contact__organization_id",
    ):
        entry = {
            "number": phone["number"] + (f" x{phone['extension']}" if phone["extension"] else ""),
            "is_24_7": phone["is_24_7"],
            "description": phone["description"],
        }
        if phone["service_id"]:
            phones_by_service.setdefault(phone["service_id"], []).append(entry)
        org_id = phone["organization_id"] or phone["contact__organization_id"]
        if org_id:
            phones_by_org.setdefault(org_id, []).append(entry)

    def ordered(phones: list[dict[str, Any]]) -> list[dict[str, Any]]:
        unique = {p["number"]: p for p in phones}
        return sorted(unique.values(), key=lambda p: (not p["is_24_7"], p["number"]))

    for organization in org_rows.values():
        found[("organization", organization.slug)] = {
            "kind": "organization",
            "slug": organization.slug,
            "name": organization.name,
            "organization": organization.name,
            "phones": ordered(phones_by_org.get(organization.pk, [])),
            "missing": False,
        }
    for service in service_rows:
        found[("service", service.slug)] = {
            "kind": "service",
            "slug": service.slug,
            "name": service.name,
            "organization": service.organization.name,
            "phones": ordered(
                phones_by_service.get(service.pk, [])
                + phones_by_org.get(service.organization_id, [])
            ),
            "beds_available": service.beds_available,
            "beds_total": service.beds_total,
            "missing": False,
        }
    return found


def _answer_text(answer: Mapping[str, Any]) -> str:
    if not answer.get("answered"):
        return "not answered (needs " + ", ".join(answer.get("needs", [])) + ")"
    rows = answer.get("rows") or []
    if not rows:
        return "no rule applies"
    return "; ".join(
        ", ".join(f"{k}: {_value_text(v)}" for k, v in sorted(row.items()) if v is not None)
        or "none"
        for row in rows
    )


def _value_text(value: Any) -> str:
    """Yes/no for a boolean output; a row's keys are compared in sorted order because a stored
    plan comes back from PostgreSQL's jsonb with its keys reordered (no change must be seen
    where only the order differs)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _answer_key(answer: Mapping[str, Any]) -> tuple[str, Any]:
    return (answer["decision"], answer.get("victim_id"))


def plan_changes(
    previous: Sequence[Mapping[str, Any]], current: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """What a regeneration changed, answer by answer (and victim by victim), in words; an
    answer for a victim who is no longer on the case reads "absent" after."""
    before = {_answer_key(a): a for a in previous}
    now_keys = {_answer_key(a) for a in current}
    changes = []
    for answer in current:
        old = before.get(_answer_key(answer))
        new_text = _answer_text(answer)
        old_text = _answer_text(old) if old else "absent"
        if old_text != new_text:
            changes.append(_change(answer, old_text, new_text))
    for key, old in before.items():
        if key not in now_keys and old.get("victim_id") is not None:
            changes.append(_change(old, _answer_text(old), "absent"))
    return changes


def _change(answer: Mapping[str, Any], before: str, after: str) -> dict[str, str]:
    question = answer["question"]
    if answer.get("victim"):
        question = f"{question} (for {answer['victim']})"
    return {"decision": answer["decision"], "question": question, "before": before, "after": after}


def answer_rows(
    answers: Sequence[Mapping[str, Any]], decision_id: str, *, victim_id: int | None = None
) -> list[dict[str, Any]]:
    """The rows of one answered decision: the victim's own answer when she has one, else the
    case's (or the first answer, for a plan made before answers were per victim)."""
    matching = [a for a in answers if a["decision"] == decision_id and a.get("answered")]
    for answer in matching:
        if victim_id is not None and answer.get("victim_id") == victim_id:
            return list(answer.get("rows") or [])
    for answer in matching:
        if answer.get("victim_id") is None:
            return list(answer.get("rows") or [])
    return list(matching[0].get("rows") or []) if matching else []
