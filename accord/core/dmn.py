"""DMN 1.3-1.5 decision tables in and out, so tables can be edited in DMN tools.

Import reads decision tables whose cells are simple unary tests (the same
grammar the YAML format uses), input and output values, item definitions
with allowed values, default output entries and every hit policy. Anything
else (literal expressions, contexts, business knowledge models, decisions
feeding other decisions, FEEL beyond simple unary tests) is refused with an
issue naming the construct. XML is parsed with defusedxml: no DTD (a
``<!DOCTYPE>`` of any kind is refused, naming its line), no entities, no
external references; the file's size and element depth are limited
(:mod:`accord.core.limits`).

Export writes DMN 1.5 XML that this importer (and DMN modelers) read back.
"""

from __future__ import annotations

import codecs
import math
import pathlib
import re
import xml.etree.ElementTree as ET  # building only; parsing uses defusedxml
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.parsers import expat

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from accord.core.errors import LoadError, LoadIssue, UnsupportedDMNError
from accord.core.limits import InputLimits, too_deep_message, too_large_message
from accord.core.load import (
    NEG_INF,
    POS_INF,
    ConditionProblem,
    parse_condition,
    parse_hit_policy,
    read_source,
)
from accord.core.model import (
    UNKNOWN,
    Aggregation,
    Condition,
    Decision,
    Domain,
    Factor,
    FactorKind,
    HitPolicy,
    OutputDef,
    OutputKind,
    Protocol,
    Rule,
    Scalar,
)

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}
DMN15 = "https://www.omg.org/spec/DMN/20230324/MODEL/"
FEEL15 = "https://www.omg.org/spec/DMN/20230324/FEEL/"

#: Elements under <definitions> that carry no decision logic and are skipped.
_IGNORED = {"inputData", "itemDefinition", "DMNDI", "extensionElements", "description", "import"}
_REFUSED = {
    "businessKnowledgeModel": "business knowledge models",
    "decisionService": "decision services",
    "knowledgeSource": None,  # documentation only: ignored
    "textAnnotation": None,
    "association": None,
    "group": None,
}
_STRING_LITERAL = re.compile(r'^"((?:[^"\\]|\\.)*)"$')
_NUMBER = r"-?\d+(?:\.\d+)?"
#: Input values of a number input: ``[0..10]``, ``[0..10)``, ``]0..10[``, ``(0..10]``...
_INPUT_RANGE = re.compile(rf"^([\[\](])\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*([\])[])$")
#: ... or a comparison: ``>= 0``, ``> 0``, ``<= 120``, ``< 1``.
_INPUT_COMPARISON = re.compile(rf"^(>=|>|<=|<)\s*({_NUMBER})$")
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Importer:
    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.file = filename
        self.issues: list[LoadIssue] = []
        self.unsupported = False
        self.ns = ""

    def _line_of(self, element: ET.Element | None) -> int:
        if element is None:
            return 1
        identifier = element.get("id")
        if identifier:
            index = self.text.find(f'id="{identifier}"')
            if index >= 0:
                return self.text.count("\n", 0, index) + 1
        return 1

    def issue(
        self,
        element: ET.Element | None,
        message: str,
        *,
        expected: str = "",
        unsupported: bool = False,
    ) -> None:
        self.unsupported = self.unsupported or unsupported
        self.issues.append(LoadIssue(self.file, self._line_of(element), 1, message, expected))

    def find(self, element: ET.Element, name: str) -> ET.Element | None:
        return element.find(f"{{{self.ns}}}{name}")

    def findall(self, element: ET.Element, name: str) -> list[ET.Element]:
        return element.findall(f"{{{self.ns}}}{name}")

    def child_text(self, element: ET.Element | None, name: str = "text") -> str | None:
        if element is None:
            return None
        child = self.find(element, name)
        if child is None:
            return None
        return (child.text or "").strip()

    # -- values -------------------------------------------------------
    def literal(
        self, text: str, element: ET.Element, what: str
    ) -> Scalar | tuple[Scalar, ...] | None:
        text = text.strip()
        if text in ("", "-", "null"):
            return None
        match = _STRING_LITERAL.match(text)
        if match:
            return match.group(1).replace('\\"', '"')
        if text in ("true", "false"):
            return text == "true"
        if text.startswith("[") and text.endswith("]"):
            items = [part.strip() for part in _split(text[1:-1])]
            values = [self.literal(item, element, what) for item in items if item]
            return tuple(v for v in values if v is not None and not isinstance(v, tuple))
        try:
            return Decimal(text)
        except InvalidOperation:
            self.issue(
                element,
                f"unsupported DMN construct: {what} {text!r} is a FEEL expression, not a literal",
                expected="a string, number or boolean literal",
                unsupported=True,
            )
            return None

    def value_list(self, text: str | None, element: ET.Element) -> tuple[Scalar, ...]:
        if not text:
            return ()
        values = []
        for part in _split(text):
            value = self.literal(part, element, "value")
            if value is not None and not isinstance(value, tuple):
                values.append(value)
        return tuple(values)

    # -- types ----------------------------------------------------------
    def item_definitions(self, root: ET.Element) -> dict[str, tuple[str, str | None]]:
        """name -> (base typeRef, allowed values text)."""
        result: dict[str, tuple[str, str | None]] = {}
        for item in self.findall(root, "itemDefinition"):
            name = item.get("name") or ""
            type_ref = self.child_text(item, "typeRef") or ""
            allowed = self.child_text(self.find(item, "allowedValues"))
            result[name] = (type_ref, allowed)
        return result

    def domain(
        self,
        type_ref: str,
        values_text: str | None,
        element: ET.Element,
        literals: list[str],
        items: Mapping[str, tuple[str, str | None]],
    ) -> Domain | None:
        if type_ref in items:
            base, allowed = items[type_ref]
            type_ref = base or "string"
            values_text = values_text or allowed
        type_ref = type_ref.removeprefix("feel:")
        if type_ref == "boolean":
            return Domain(FactorKind.BOOLEAN, (False, True))
        if type_ref in ("number", "integer", "decimal", "double", "long"):
            kind = FactorKind.INTEGER if type_ref in ("integer", "long") else FactorKind.DECIMAL
            if values_text and values_text.strip():
                return self.numeric_domain(kind, values_text.strip(), element)
            return Domain(kind, minimum=NEG_INF, maximum=POS_INF)
        if type_ref in ("string", ""):
            values = [str(v) for v in self.value_list(values_text, element)] if values_text else []
            if not values:
                for cell in literals:
                    for part in _split(cell.removeprefix("not(").removesuffix(")")):
                        match = _STRING_LITERAL.match(part.strip())
                        if match and match.group(1) not in values:
                            values.append(match.group(1))
            if not values:
                self.issue(
                    element,
                    "a string input has no input values and no rule names a value",
                    expected="inputValues listing the allowed strings",
                )
                return None
            if UNKNOWN in (value.lower() for value in values):
                self.issue(
                    element,
                    f'the value "{UNKNOWN}" cannot be imported: Accord reads "{UNKNOWN}" as a '
                    "fact nobody knows yet, which every input allows without declaring it",
                    expected='another word for that value, e.g. "not known" or "undetermined", '
                    "in the input values and in every rule that tests it",
                )
                return None
            return Domain(FactorKind.ENUM, tuple(values))
        self.issue(
            element,
            f"unsupported DMN construct: input type {type_ref!r}",
            expected="string, number or boolean inputs",
            unsupported=True,
        )
        return None

    def numeric_domain(self, kind: FactorKind, text: str, element: ET.Element) -> Domain | None:
        """A number input's declared values, in every interval form DMN allows."""
        low: Decimal = NEG_INF
        high: Decimal = POS_INF
        low_open = high_open = False
        range_match = _INPUT_RANGE.match(text)
        comparison = _INPUT_COMPARISON.match(text)
        if range_match:
            start, low_text, high_text, end = range_match.groups()
            low, high = Decimal(low_text), Decimal(high_text)
            low_open, high_open = start != "[", end != "]"
        elif comparison:
            operator, number = comparison.groups()
            if operator.startswith(">"):
                low, low_open = Decimal(number), operator == ">"
            else:
                high, high_open = Decimal(number), operator == "<"
        else:
            self.issue(
                element,
                f"the input values {text!r} of a number input are not a range Accord reads",
                expected="a range such as [0..120], [0..10), ]0..10[, (0..1] or >= 0",
                unsupported=True,
            )
            return None
        if kind is FactorKind.INTEGER:  # integers keep closed bounds: (0..10) is [1..9]
            if low.is_finite():
                low = Decimal(math.floor(low) + 1 if low_open else math.ceil(low))
            if high.is_finite():
                high = Decimal(math.ceil(high) - 1 if high_open else math.floor(high))
            low_open = high_open = False
        if low > high or (low == high and (low_open or high_open)):
            self.issue(
                element,
                f"the input values {text!r} contain no value",
                expected="a range whose lower end is below its upper end",
            )
            return None
        if kind is FactorKind.INTEGER:
            return Domain(
                kind,
                minimum=int(low) if low.is_finite() else low,
                maximum=int(high) if high.is_finite() else high,
            )
        return Domain(
            kind,
            minimum=low,
            maximum=high,
            minimum_open=low_open and low.is_finite(),
            maximum_open=high_open and high.is_finite(),
        )

    # -- decisions -------------------------------------------------------
    def definitions(self, root: ET.Element) -> Protocol | None:
        version = DMN_NAMESPACES.get(self.ns)
        if version is None:
            self.issue(
                root,
                f"not a DMN 1.2-1.5 model (namespace {self.ns or 'none'!r})",
                expected="DMN 1.3, 1.4 or 1.5 <definitions>",
                unsupported=True,
            )
            return None
        items = self.item_definitions(root)
        factors: dict[str, Factor] = {}
        decisions: dict[str, Decision] = {}
        decision_names = {d.get("name") for d in self.findall(root, "decision")}
        for child in root:
            name = _local(child.tag)
            if name in _IGNORED or not isinstance(child.tag, str):
                continue
            if name in _REFUSED:
                if _REFUSED[name]:
                    self.issue(
                        child,
                        f"unsupported DMN construct: {_REFUSED[name]} ({child.get('name', '')})",
                        expected="decision tables only",
                        unsupported=True,
                    )
                continue
            if name != "decision":
                continue
            decision = self.decision(child, factors, items, decision_names)
            if decision is not None:
                if decision.id in decisions:
                    self.issue(
                        child, f"duplicate decision name {decision.id!r}", expected="unique names"
                    )
                decisions[decision.id] = decision
        if not decisions and not self.issues:
            self.issue(root, "the DMN model holds no decision table", expected="a <decisionTable>")
        name = root.get("name") or "dmn-model"
        return Protocol(
            id=name,
            title=name,
            version="",
            task_force="",
            factors=factors,
            decisions=decisions,
            source=self.file,
        )

    def decision(
        self,
        element: ET.Element,
        factors: dict[str, Factor],
        items: Mapping[str, tuple[str, str | None]],
        decision_names: set[str | None],
    ) -> Decision | None:
        decision_name = element.get("name") or element.get("id") or "decision"
        for requirement in self.findall(element, "informationRequirement"):
            if self.find(requirement, "requiredDecision") is not None:
                self.issue(
                    element,
                    f"unsupported DMN construct: decision {decision_name!r} requires another decision",
                    expected="decision tables over input data only",
                    unsupported=True,
                )
                return None
        table = self.find(element, "decisionTable")
        if table is None:
            kinds = [
                _local(c.tag)
                for c in element
                if _local(c.tag)
                not in (
                    "variable",
                    "informationRequirement",
                    "knowledgeRequirement",
                    "authorityRequirement",
                    "description",
                    "extensionElements",
                    "question",
                    "allowedAnswers",
                )
            ]
            self.issue(
                element,
                f"unsupported DMN construct: decision {decision_name!r} is a "
                f"{kinds[0] if kinds else 'decision without logic'}, not a decision table",
                expected="a <decisionTable>",
                unsupported=True,
            )
            return None
        policy_text = table.get("hitPolicy", "UNIQUE")
        aggregation_text = table.get("aggregation")
        parsed = parse_hit_policy(
            policy_text + (f" {aggregation_text}" if aggregation_text else "")
        )
        if parsed is None:
            self.issue(table, f"unknown hit policy {policy_text!r}", expected="a DMN hit policy")
            return None
        hit_policy, aggregation = parsed

        rules_xml = self.findall(table, "rule")
        inputs: list[str] = []
        domains: list[Domain | None] = []
        for column, input_element in enumerate(self.findall(table, "input")):
            expression = self.find(input_element, "inputExpression")
            text = self.child_text(expression) if expression is not None else None
            if not text:
                self.issue(
                    input_element,
                    "an input has no input expression",
                    expected="<inputExpression><text>name</text>",
                )
                return None
            if not re.match(r"^[\w .'/-]+$", text) or text in decision_names:
                self.issue(
                    input_element,
                    f"unsupported DMN construct: input expression {text!r} is not a plain input name",
                    expected="the name of an input data element",
                    unsupported=True,
                )
                return None
            literals = []
            for rule in rules_xml:
                entries = self.findall(rule, "inputEntry")
                if column < len(entries):
                    literals.append(self.child_text(entries[column]) or "")
            type_ref = expression.get("typeRef", "") if expression is not None else ""
            domain = self.domain(
                type_ref,
                self.child_text(self.find(input_element, "inputValues")),
                input_element,
                literals,
                items,
            )
            factor = factors.get(text)
            if domain is not None:
                if factor is None:
                    factors[text] = Factor(text, domain, label=input_element.get("label", ""))
                elif factor.domain.kind != domain.kind:
                    self.issue(
                        input_element,
                        f"input {text!r} has different types in different tables",
                        expected="one type per input",
                    )
                    return None
                domain = factors[text].domain
            inputs.append(text)
            domains.append(domain)

        outputs: list[OutputDef] = []
        output_elements = self.findall(table, "output")
        for output_element in output_elements:
            name = output_element.get("name") or (
                decision_name if len(output_elements) == 1 else output_element.get("id") or "output"
            )
            type_ref = (
                output_element.get("typeRef")
                or (table.get("typeRef") if len(output_elements) == 1 else "")
                or ""
            )
            if type_ref in items:
                type_ref = items[type_ref][0] or ""
            values = self.value_list(
                self.child_text(self.find(output_element, "outputValues")), output_element
            )
            if type_ref == "number" or (values and all(isinstance(v, Decimal) for v in values)):
                kind = OutputKind.NUMBER
            elif type_ref == "boolean":
                kind = OutputKind.BOOLEAN
            elif values:
                kind = OutputKind.ENUM
            else:
                kind = OutputKind.TEXT
            default_text = self.child_text(self.find(output_element, "defaultOutputEntry"))
            default = (
                self.literal(default_text, output_element, "default output")
                if default_text
                else None
            )
            outputs.append(
                OutputDef(
                    name,
                    kind,
                    values,
                    output_element.get("label", ""),
                    None if isinstance(default, tuple) else default,
                )
            )
        if aggregation in (Aggregation.SUM, Aggregation.MIN, Aggregation.MAX) and len(outputs) == 1:
            outputs[0] = OutputDef(
                outputs[0].name,
                OutputKind.NUMBER,
                outputs[0].values,
                outputs[0].label,
                outputs[0].default,
            )

        rules: list[Rule] = []
        for index, rule in enumerate(rules_xml):
            rule_id = rule.get("id") or f"R{index + 1}"
            entries = self.findall(rule, "inputEntry")
            output_entries = self.findall(rule, "outputEntry")
            if len(entries) != len(inputs) or len(output_entries) != len(outputs):
                self.issue(
                    rule,
                    f"rule {rule_id!r} has the wrong number of cells",
                    expected=f"{len(inputs)} input and {len(outputs)} output entries",
                )
                continue
            conditions: dict[str, Condition] = {}
            for factor_id, domain, entry in zip(inputs, domains, entries, strict=True):
                text = self.child_text(entry) or "-"
                if domain is None:
                    continue
                try:
                    condition = parse_condition(text, domain)
                except ConditionProblem as problem:
                    unsupported = "cannot read" in problem.message
                    self.issue(
                        entry,
                        (
                            f"unsupported DMN construct: input entry {text!r} on {factor_id!r} is not a simple unary test"
                            if unsupported
                            else f"rule {rule_id!r}, {factor_id!r}: {problem.message}"
                        ),
                        expected=problem.expected,
                        unsupported=unsupported,
                    )
                    continue
                if not condition.is_any:
                    conditions[factor_id] = condition
            rule_outputs: dict[str, Any] = {}
            for output, entry in zip(outputs, output_entries, strict=True):
                rule_outputs[output.name] = self.literal(
                    self.child_text(entry) or "", entry, "output entry"
                )
            description = self.child_text(rule, "description") or ""
            rules.append(Rule(rule_id, conditions, rule_outputs, how=description))
        return Decision(
            id=decision_name,
            question=self.child_text(element, "question") or decision_name,
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            rules=tuple(rules),
            hit_policy=hit_policy,
            aggregation=aggregation,
        )


def _split(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "[(":
            depth += 1
        elif not quoted and char in "])":
            depth -= 1
        if char == "," and not quoted and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _read_xml_file(path: pathlib.Path, filename: str | None, *, max_bytes: int) -> tuple[str, str]:
    """A DMN file's text decoded by its byte order mark or XML declaration (UTF-8 by default).

    DMN tools write ISO-8859-1, windows-1252 or UTF-16 as well as UTF-8; the declaration
    says which. An unknown encoding or bytes that do not decode name the line.
    """
    name = filename or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(
                [LoadIssue(name, 1, 1, too_large_message(size, max_bytes), "a smaller file")],
                code="input_too_large",
            )
        data = path.read_bytes()
    except OSError as error:
        raise LoadError(
            [LoadIssue(name, 1, 1, f"cannot read the file: {error}", "a readable DMN file")],
            code="protocol_unreadable",
        ) from error
    encoding = "utf-8"
    for bom, bom_encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            encoding = bom_encoding
            break
    else:
        declared = _XML_ENCODING.match(data)
        if declared:
            encoding = declared.group(1).decode("ascii")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise LoadError(
            [
                LoadIssue(
                    name,
                    1,
                    1,
                    f"the XML declaration names the encoding {encoding!r}, which is not known",
                    "UTF-8, UTF-16, ISO-8859-1, windows-1252 or another standard encoding",
                )
            ]
        ) from None
    try:
        return data.decode(encoding), name
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LoadError(
            [
                LoadIssue(
                    name,
                    line,
                    1,
                    f"the bytes at line {line} are not {encoding} text, as the file declares",
                    "the file saved in the encoding its XML declaration names",
                )
            ]
        ) from error


def _redeclare_utf8(text: str) -> str:
    """``text`` with its XML declaration's encoding, if any, replaced by UTF-8."""
    text = text.removeprefix("\ufeff")
    if not text.startswith("<?xml"):
        return text
    end = text.find("?>")
    if end < 0:
        return text
    declaration = re.sub(
        r"""encoding\s*=\s*["'][^"']*["']""", 'encoding="UTF-8"', text[:end], count=1
    )
    return declaration + text[end:]


class _Refused(Exception):
    def __init__(self, line: int, column: int, message: str, expected: str) -> None:
        super().__init__(message)
        self.issue = (line, column, message, expected)


def _prescan(data: bytes, *, name: str, max_depth: int) -> None:
    """Refuse a DTD and over-deep nesting before the tree is built, naming the line.

    A streaming pass with expat: no tree, no recursion; it stops at the
    ``<!DOCTYPE`` (before any entity is declared) or at the first element
    deeper than ``max_depth``. Malformed XML is left to the real parse to describe.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def doctype(doctype_name: str, *_ignored: object) -> None:
        raise _Refused(
            parser.CurrentLineNumber,
            1,
            f"a DTD (<!DOCTYPE {doctype_name}>) is refused: DMN files carry no DTD, "
            "entities or external references",
            "plain DMN XML without <!DOCTYPE>",
        )

    def start(tag: str, _attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise _Refused(
                parser.CurrentLineNumber,
                parser.CurrentColumnNumber + 1,
                f"<{_local(tag)}> is {too_deep_message(max_depth)}",
                f"at most {max_depth} levels of elements",
            )

    def end(_tag: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        line, column, message, expected = refused.issue
        raise UnsupportedDMNError([LoadIssue(name, line, column, message, expected)]) from None
    except expat.ExpatError:
        return  # the parse below reports malformed XML with its position


def load_dmn(
    source: str | pathlib.Path,
    *,
    filename: str | None = None,
    limits: InputLimits | None = None,
) -> Protocol:
    """Import the decision tables of a DMN file (path) or DMN XML text.

    The eight-common-questions requirement does not apply: a DMN file holds
    decision tables only. Raises :class:`UnsupportedDMNError` naming any
    construct Accord does not interpret (a DTD among them), :class:`LoadError`
    otherwise. ``limits`` bounds the file's size and element depth (default:
    the environment's, see :mod:`accord.core.limits`).
    """
    limits = limits or InputLimits.from_environ()
    if isinstance(source, pathlib.Path):
        text, name = _read_xml_file(source, filename, max_bytes=limits.max_bytes)
    else:
        text, name = read_source(source, filename, max_bytes=limits.max_bytes, kind="DMN")
    # The text is decoded now: say so, or the parser would decode UTF-8 bytes as declared.
    data = _redeclare_utf8(text).encode("utf-8")
    _prescan(data, name=name, max_depth=limits.max_depth)
    importer = _Importer(text, name)
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except ET.ParseError as error:
        line, column = getattr(error, "position", (1, 0))
        raise LoadError(
            [LoadIssue(name, line, column + 1, f"malformed XML: {error}", "well-formed DMN XML")]
        ) from error
    except DefusedXmlException as error:
        raise UnsupportedDMNError(
            [
                LoadIssue(
                    name,
                    1,
                    1,
                    f"unsupported DMN construct: {type(error).__name__} (DTDs and entities are refused)",
                    "plain DMN XML",
                )
            ]
        ) from error
    if _local(root.tag) != "definitions":
        raise LoadError(
            [LoadIssue(name, 1, 1, f"the root element is <{_local(root.tag)}>", "<definitions>")]
        )
    importer.ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    protocol = importer.definitions(root)
    if importer.issues or protocol is None:
        error_type = UnsupportedDMNError if importer.unsupported else LoadError
        raise error_type(importer.issues)
    return protocol


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------


def _feel_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_feel_literal(v) for v in value) + "]"
    escaped = str(value).replace('"', '\\"')
    return f'"{escaped}"'


def _feel_number(value: Any) -> str:
    return str(value)


def condition_to_feel(condition: Condition, domain: Domain) -> str:
    """The canonical region as a DMN simple unary test."""
    if condition.is_any:
        return "-"
    if condition.values is not None:
        ordered = [v for v in domain.values if v in condition.values]
        if domain.kind is FactorKind.BOOLEAN:
            return ", ".join("true" if v else "false" for v in ordered)
        return ", ".join(_feel_literal(v) for v in ordered)
    parts = []
    for interval in condition.intervals or ():
        low_inf = isinstance(interval.low, Decimal) and interval.low.is_infinite()
        high_inf = isinstance(interval.high, Decimal) and interval.high.is_infinite()
        if low_inf and high_inf:
            return "-"
        if low_inf:
            parts.append(("< " if interval.high_open else "<= ") + _feel_number(interval.high))
        elif high_inf:
            parts.append(("> " if interval.low_open else ">= ") + _feel_number(interval.low))
        elif interval.low == interval.high and not (interval.low_open or interval.high_open):
            parts.append(_feel_number(interval.low))
        else:
            parts.append(
                ("(" if interval.low_open else "[")
                + f"{_feel_number(interval.low)}..{_feel_number(interval.high)}"
                + (")" if interval.high_open else "]")
            )
    return ", ".join(parts)


_TYPE_REF = {
    OutputKind.NUMBER: "number",
    OutputKind.BOOLEAN: "boolean",
}


def _domain_type(domain: Domain) -> str:
    if domain.kind is FactorKind.BOOLEAN:
        return "boolean"
    if domain.is_numeric:
        return "number"
    return "string"


def _id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else f"_{cleaned}"


def export_dmn(protocol: Protocol, decision_ids: list[str] | None = None) -> str:
    """DMN 1.5 XML holding the protocol's decision tables (or those named)."""
    ET.register_namespace("", DMN15)

    def q(name: str) -> str:
        return f"{{{DMN15}}}{name}"

    root = ET.Element(
        q("definitions"),
        {
            "id": _id(f"definitions_{protocol.id}"),
            "name": protocol.id,
            "namespace": f"https://accord.example/protocols/{_id(protocol.id)}",
            "expressionLanguage": FEEL15,
            "typeLanguage": FEEL15,
            "exporter": "Accord",
        },
    )
    chosen = [protocol.decisions[d] for d in (decision_ids or list(protocol.decisions))]
    used_inputs: dict[str, Factor] = {}
    for decision in chosen:
        element = ET.SubElement(
            root, q("decision"), {"id": _id(f"decision_{decision.id}"), "name": decision.id}
        )
        if decision.question and decision.question != decision.id:
            ET.SubElement(element, q("question")).text = decision.question
        single_type = (
            _TYPE_REF.get(decision.outputs[0].kind, "string")
            if len(decision.outputs) == 1
            else None
        )
        ET.SubElement(
            element,
            q("variable"),
            {"name": decision.id, **({"typeRef": single_type} if single_type else {})},
        )
        for factor_id in decision.inputs:
            requirement = ET.SubElement(
                element, q("informationRequirement"), {"id": _id(f"req_{decision.id}_{factor_id}")}
            )
            ET.SubElement(
                requirement, q("requiredInput"), {"href": f"#{_id('input_' + factor_id)}"}
            )
            used_inputs[factor_id] = protocol.factors[factor_id]
        attributes = {"id": _id(f"table_{decision.id}"), "hitPolicy": decision.hit_policy.value}
        if decision.hit_policy is HitPolicy.COLLECT and decision.aggregation is not None:
            attributes["aggregation"] = decision.aggregation.value
        table = ET.SubElement(element, q("decisionTable"), attributes)
        for factor_id in decision.inputs:
            factor = protocol.factors[factor_id]
            column = ET.SubElement(
                table,
                q("input"),
                {
                    "id": _id(f"in_{decision.id}_{factor_id}"),
                    **({"label": factor.label} if factor.label else {}),
                },
            )
            expression = ET.SubElement(
                column, q("inputExpression"), {"typeRef": _domain_type(factor.domain)}
            )
            ET.SubElement(expression, q("text")).text = factor_id
            values_text = _input_values(factor.domain)
            if values_text:
                ET.SubElement(ET.SubElement(column, q("inputValues")), q("text")).text = values_text
        for output in decision.outputs:
            column = ET.SubElement(
                table,
                q("output"),
                {
                    "id": _id(f"out_{decision.id}_{output.name}"),
                    "name": output.name,
                    "typeRef": _TYPE_REF.get(output.kind, "string"),
                },
            )
            if output.values:
                ET.SubElement(ET.SubElement(column, q("outputValues")), q("text")).text = ", ".join(
                    _feel_literal(v) for v in output.values
                )
            if output.default is not None:
                ET.SubElement(
                    ET.SubElement(column, q("defaultOutputEntry")), q("text")
                ).text = _feel_literal(output.default)
        for rule in decision.rules:
            row = ET.SubElement(table, q("rule"), {"id": _id(rule.id)})
            if rule.how:
                ET.SubElement(row, q("description")).text = rule.how
            for factor_id in decision.inputs:
                cell = ET.SubElement(row, q("inputEntry"))
                ET.SubElement(cell, q("text")).text = condition_to_feel(
                    rule.condition(factor_id), protocol.factors[factor_id].domain
                )
            for output in decision.outputs:
                cell = ET.SubElement(row, q("outputEntry"))
                ET.SubElement(cell, q("text")).text = _feel_literal(rule.outputs.get(output.name))
    for factor_id, factor in used_inputs.items():
        data = ET.SubElement(
            root, q("inputData"), {"id": _id("input_" + factor_id), "name": factor_id}
        )
        ET.SubElement(
            data, q("variable"), {"name": factor_id, "typeRef": _domain_type(factor.domain)}
        )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _input_values(domain: Domain) -> str:
    if domain.kind is FactorKind.ENUM:
        return ", ".join(_feel_literal(v) for v in domain.values)
    if domain.is_numeric:
        low, high = domain.minimum, domain.maximum
        low_finite = low is not None and not (isinstance(low, Decimal) and low.is_infinite())
        high_finite = high is not None and not (isinstance(high, Decimal) and high.is_infinite())
        if low_finite and high_finite:
            start = "(" if domain.minimum_open else "["
            end = ")" if domain.maximum_open else "]"
            return f"{start}{low}..{high}{end}"
        if low_finite:
            return f"{'>' if domain.minimum_open else '>='} {low}"
        if high_finite:
            return f"{'<' if domain.maximum_open else '<='} {high}"
    return ""


__all__ = ["condition_to_feel", "export_dmn", "load_dmn"]
