"""One protocol decision answered for one potential victim of a case.

Placement, charging and interpreter services ask the protocol the same way: the case's facts with
some replaced by the person's own (her age, gender, citizenship) or by the matter at hand (the
proceeding). The answer keeps the rules and the "how" text, so a page can say why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.core.errors import FactError
from accord.core.evaluate import evaluate_protocol, json_value, validate_facts
from accord.errors import NotFound

from ..models import Case, PotentialVictim
from ..plan import plan_facts
from ._common import require_case


def victim_for(actor: User, victim_id: int) -> tuple[PotentialVictim, Case, Any]:
    victim = PotentialVictim.objects.filter(
        pk=victim_id, case__task_force_id=actor.task_force_id
    ).first()
    if victim is None:
        raise NotFound(_("No such potential victim."))
    case, access = require_case(actor, victim.case_id)
    return victim, case, access


def _in_domain(protocol: Any, factor_id: str, value: Any) -> bool:
    """A person's own value replaces the case fact only when the factor's domain holds it (a
    free-text gender the protocol does not know leaves the case's fact in place)."""
    try:
        validate_facts({factor_id: protocol.factors[factor_id]}, {factor_id: value})
    except FactError:
        return False
    return True


def decision_for(case: Case, decision_id: str, **overrides: Any) -> dict[str, Any]:
    """One decision's answer for the case facts with some facts replaced (a victim's own)."""
    protocol = case.protocol_version.protocol
    facts = plan_facts(protocol=protocol, facts=case.facts, stage=case.stage)
    facts.update(
        {
            k: v
            for k, v in overrides.items()
            if k in protocol.factors and v not in (None, "") and _in_domain(protocol, k, v)
        }
    )
    result = evaluate_protocol(protocol, facts).get(decision_id)
    if result is None or not result.answered:
        return {
            "answered": False,
            "needs": list(result.needs) if result else [],
            "rows": [],
            "how": [],
        }
    value = json_value(result.result)
    rows = value if isinstance(value, list) else [value]
    decision = protocol.decisions[decision_id]
    rows = [
        r if isinstance(r, Mapping) else {decision.outputs[0].name: r}
        for r in rows
        if r is not None
    ]
    return {"answered": True, "rows": rows, "rules": list(result.rules), "how": list(result.how)}
