"""DMN literal-expression decisions and information requirements into the core model.

A ``<decision>`` whose logic is a ``<literalExpression>`` becomes a
:class:`~accord.core.model.Decision` with an ``expression`` and no rules; its
FEEL text is parsed at import (:mod:`accord.core.feel`), so unsupported syntax,
an unknown name or function is refused naming the decision, the expression and
its line. ``<informationRequirement>`` elements say which input data and
decisions a decision reads; decisions requiring each other in a ring are refused.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # the element type only; parsing uses defusedxml
from collections.abc import Mapping
from typing import TYPE_CHECKING

from accord.core.feel import FeelError, parse
from accord.core.literal import remember_parsed
from accord.core.load import NEG_INF, POS_INF
from accord.core.model import Decision, Domain, Factor, FactorKind, OutputDef, OutputKind

if TYPE_CHECKING:
    from accord.core.dmn_tables import DMNImporter

#: DMN types a FEEL-only input may have, as the factor kind that holds its facts.
_INPUT_KINDS = {
    "number": FactorKind.DECIMAL,
    "integer": FactorKind.INTEGER,
    "long": FactorKind.INTEGER,
    "decimal": FactorKind.DECIMAL,
    "double": FactorKind.DECIMAL,
    "boolean": FactorKind.BOOLEAN,
    "string": FactorKind.TEXT,
    "date": FactorKind.TEXT,
    "dateTime": FactorKind.TEXT,
    "date and time": FactorKind.TEXT,
    "time": FactorKind.TEXT,
    "duration": FactorKind.TEXT,
    "dayTimeDuration": FactorKind.TEXT,
    "yearMonthDuration": FactorKind.TEXT,
    "days and time duration": FactorKind.TEXT,
    "years and months duration": FactorKind.TEXT,
    "": FactorKind.TEXT,
    "Any": FactorKind.TEXT,
}
_FEEL_TYPES = {
    "date and time": "dateTime",
    "days and time duration": "dayTimeDuration",
    "years and months duration": "yearMonthDuration",
}
_OUTPUT_KINDS = {
    "number": OutputKind.NUMBER,
    "integer": OutputKind.NUMBER,
    "decimal": OutputKind.NUMBER,
    "boolean": OutputKind.BOOLEAN,
}


def input_data(importer: DMNImporter, root: ET.Element) -> dict[str, tuple[str, ET.Element]]:
    """Input data name -> (DMN type, element)."""
    found: dict[str, tuple[str, ET.Element]] = {}
    for element in importer.findall(root, "inputData"):
        name = element.get("name") or element.get("id") or ""
        variable = importer.find(element, "variable")
        type_ref = (variable.get("typeRef") if variable is not None else None) or ""
        found[name] = (type_ref, element)
    return found


def element_names(importer: DMNImporter, root: ET.Element) -> dict[str, str]:
    """``#id`` -> name of every input data and decision element (requirements' hrefs)."""
    names: dict[str, str] = {}
    for kind in ("inputData", "decision"):
        for element in importer.findall(root, kind):
            identifier = element.get("id")
            if identifier:
                names[f"#{identifier}"] = element.get("name") or identifier
    return names


def required_decisions(
    importer: DMNImporter, element: ET.Element, hrefs: Mapping[str, str]
) -> tuple[str, ...]:
    """The decisions an element's information requirements name, in order."""
    required: list[str] = []
    for requirement in importer.findall(element, "informationRequirement"):
        target = importer.find(requirement, "requiredDecision")
        if target is None:
            continue
        href = target.get("href") or ""
        name = hrefs.get(href[href.find("#") :] if "#" in href else f"#{href}", href)
        if name not in required:
            required.append(name)
    return tuple(required)


def text_factor(
    name: str, type_ref: str, items: Mapping[str, tuple[str, str | None]]
) -> Factor | None:
    """The factor holding the facts of an input data element only expressions read."""
    if type_ref in items:
        type_ref = items[type_ref][0]
        if not type_ref:  # an item definition with components: a structure
            return None
    type_ref = type_ref.removeprefix("feel:")
    kind = _INPUT_KINDS.get(type_ref)
    if kind is None:
        return None
    if kind is FactorKind.BOOLEAN:
        return Factor(name, Domain(kind, (False, True)))
    if kind is FactorKind.TEXT:
        return Factor(name, Domain(kind), feel_type=_FEEL_TYPES.get(type_ref, type_ref or "string"))
    return Factor(name, Domain(kind, minimum=NEG_INF, maximum=POS_INF))


def literal_decision(
    importer: DMNImporter,
    element: ET.Element,
    literal: ET.Element,
    *,
    names: frozenset[str],
    decision_names: set[str],
    requires: tuple[str, ...],
    items: Mapping[str, tuple[str, str | None]],
) -> Decision | None:
    """A literal-expression decision, its FEEL parsed; ``None`` after an issue."""
    decision_name = element.get("name") or element.get("id") or "decision"
    text = importer.child_text(literal) or ""
    where = literal if literal.get("id") else element
    if not text:
        importer.issue(
            where,
            f"decision {decision_name!r} has an empty literal expression",
            expected="a FEEL expression in <literalExpression><text>",
        )
        return None
    try:
        expression = parse(text, names)  # one frozenset for the whole model: parsed fast
        if decision_name in expression.names:
            raise FeelError(f"the decision {decision_name!r} reads its own answer")
    except FeelError as error:
        importer.issue(
            where,
            f"unsupported DMN construct: decision {decision_name!r}, literal expression "
            f"{text!r}: {error}",
            expected="simple FEEL (docs/protocol-format.md lists what Accord evaluates)",
            unsupported=True,
        )
        return None
    reads_decisions = [name for name in expression.names if name in decision_names]
    variable = importer.find(element, "variable")
    type_ref = (
        literal.get("typeRef") or (variable.get("typeRef") if variable is not None else "") or ""
    )
    if type_ref in items:
        type_ref = items[type_ref][0] or ""
    kind = _OUTPUT_KINDS.get(type_ref.removeprefix("feel:"), OutputKind.TEXT)
    decision = Decision(
        id=decision_name,
        question=importer.child_text(element, "question") or decision_name,
        inputs=tuple(name for name in expression.names if name not in decision_names),
        outputs=(OutputDef(decision_name, kind),),
        rules=(),
        expression=text,
        requires=tuple(dict.fromkeys([*requires, *reads_decisions])),
    )
    remember_parsed(decision, expression)
    return decision


__all__ = [
    "element_names",
    "input_data",
    "literal_decision",
    "required_decisions",
    "text_factor",
]
