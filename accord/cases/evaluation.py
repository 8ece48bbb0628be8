"""The protocol evaluated for one case: the case's facts and each potential victim's own.

The victims' records supply the factors bound to a victim attribute (``victim: age`` ...), so a
question about a person is answered from her own record; see ``accord.core.victims``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accord.core.evaluate import ProtocolEvaluation
from accord.core.victims import (
    CaseEvaluation,
    VictimFacts,
    evaluate_case,
    victim_fact_problems,
)

from .plan import plan_facts

#: Languages that need no interpreter with the task force's staff.
LOCAL_LANGUAGES: frozenset[str] = frozenset({"english", "en"})


def victim_languages(victim: Any) -> list[str]:
    return [part.strip() for part in (victim.language or "").split(",") if part.strip()]


def interpreter_needed(victim: Any) -> bool | None:
    """As recorded; otherwise yes when she speaks a language other than English, else unknown."""
    if victim.interpreter_needed is not None:
        return bool(victim.interpreter_needed)
    languages = victim_languages(victim)
    if not languages:
        return None
    return any(language.lower() not in LOCAL_LANGUAGES for language in languages)


def victim_facts(victim: Any) -> VictimFacts:
    """What one potential victim's record says, as evaluation reads it."""
    age: Any = victim.age
    if age is None and (victim.age_low is not None or victim.age_high is not None):
        age = (victim.age_low, victim.age_high)
    return VictimFacts(
        key=str(victim.pk),
        label=victim.pseudonym,
        attributes={
            "age": age,
            "gender": victim.gender or None,
            "citizenship": victim.citizenship or None,
            "charged": victim.charged,
            "arrested": victim.arrested,
            "interpreter_needed": interpreter_needed(victim),
        },
    )


def case_evaluation(case: Any, *, victims: Iterable[Any] | None = None) -> CaseEvaluation:
    """Every decision for the case and each of its potential victims, under the case's version."""
    protocol = case.protocol_version.protocol
    facts = plan_facts(protocol=protocol, facts=case.facts, stage=case.stage)
    records = list(victims) if victims is not None else list(case.potentialvictims.all())
    found = []
    for record in records:
        own = victim_facts(record)
        problems = victim_fact_problems(protocol, own.attributes)
        if problems:  # recorded before the protocol bound it: read as unknown, never crash
            own = VictimFacts(
                own.key,
                own.label,
                {k: (None if k in problems else v) for k, v in own.attributes.items()},
            )
        found.append(own)
    return evaluate_case(protocol, facts, found)


def as_case_evaluation(evaluation: CaseEvaluation | ProtocolEvaluation) -> CaseEvaluation:
    """Accept a plain evaluation (no victims) where a case evaluation is expected."""
    if isinstance(evaluation, CaseEvaluation):
        return evaluation
    return CaseEvaluation(evaluation, {}, {}, frozenset())
