"""The loader reads the protocol format and names every mistake with its place."""

from __future__ import annotations

import pathlib
from decimal import Decimal

import pytest

from accord.core.errors import LoadError, LoadIssue
from accord.core.load import load_protocol, parse_condition
from accord.core.model import (
    COMMON_QUESTIONS,
    Aggregation,
    Domain,
    FactorKind,
    FieldClass,
    HitPolicy,
    Interval,
)
from accord.core.tests.conftest import minimal_protocol


def issues_of(text: str) -> list[LoadIssue]:
    with pytest.raises(LoadError) as caught:
        load_protocol(text, filename="p.yaml")
    return list(caught.value.issues)


def only_issue(text: str) -> LoadIssue:
    issues = issues_of(text)
    assert len(issues) == 1, issues
    return issues[0]


def table(body: str, name: str = "extra") -> str:
    return (
        f"  {name}:\n" + "\n".join("    " + line for line in body.strip("\n").splitlines()) + "\n"
    )


def test_example_protocol_loads_with_every_section(example_path: pathlib.Path) -> None:
    protocol = load_protocol(example_path)
    assert set(COMMON_QUESTIONS) <= set(protocol.decisions)
    assert protocol.decisions["law_enforcement_contact"].hit_policy is HitPolicy.RULE_ORDER
    assert protocol.responsibilities and protocol.deadlines and protocol.sharing
    assert protocol.escalation and protocol.training and protocol.guidelines
    assert protocol.directory["hsi-riverton"].kind == "organization"
    assert protocol.directory["harbor-light-safe-house"].organization == "harbor-light"
    rule = protocol.decisions["placement"].rules[0]
    assert (rule.span.line, rule.span.file) == (rule.span.line, str(example_path))
    assert rule.span.line > 0


def test_minimal_protocol_loads() -> None:
    protocol = load_protocol(minimal_protocol())
    assert protocol.factors["age"].domain == Domain(FactorKind.INTEGER, minimum=0, maximum=120)


def test_unknown_factor_is_named_with_its_position() -> None:
    text = minimal_protocol(
        table("outputs: {a: text}\nrules:\n  - {id: X1, when: {colour: red}, then: {a: b}}")
    )
    issue = only_issue(text)
    assert issue.message == "unknown factor 'colour'"
    assert "kind, age, danger, score" in issue.expected
    line = text.splitlines().index("      - {id: X1, when: {colour: red}, then: {a: b}}") + 1
    assert (issue.file, issue.line) == ("p.yaml", line)
    assert issue.column == text.splitlines()[line - 1].index("colour") + 1


def test_value_outside_enumeration_domain() -> None:
    issue = only_issue(
        minimal_protocol(
            table("outputs: {a: text}\nrules:\n  - {when: {kind: organ}, then: {a: b}}")
        )
    )
    assert "value 'organ' is outside the domain" in issue.message
    assert issue.expected == "one of: sex, labor, both"


def test_number_outside_numeric_domain() -> None:
    issue = only_issue(
        minimal_protocol(
            table("outputs: {a: text}\nrules:\n  - {when: {age: '>= 200'}, then: {a: b}}")
        )
    )
    assert "outside the domain [0..120]" in issue.message


@pytest.mark.parametrize(
    ("cell", "words"),
    [("'[18..16]'", "inverted range"), ("'(3..4)'", "empty range"), ("'(5..5]'", "empty range")],
)
def test_empty_or_inverted_range(cell: str, words: str) -> None:
    issue = only_issue(
        minimal_protocol(
            table(f"outputs: {{a: text}}\nrules:\n  - {{when: {{age: {cell}}}, then: {{a: b}}}}")
        )
    )
    assert words in issue.message


def test_inverted_factor_domain() -> None:
    issue = only_issue(minimal_protocol(factors="  weight: {type: decimal, min: 10, max: 2}"))
    assert issue.message == "inverted range for 'weight': min 10 is above max 2"


def test_duplicate_rule_ids() -> None:
    issue = only_issue(
        minimal_protocol(
            table(
                "outputs: {a: text}\nrules:\n"
                "  - {id: X1, when: {kind: sex}, then: {a: b}}\n"
                "  - {id: X1, when: {kind: labor}, then: {a: c}}"
            )
        )
    )
    assert issue.message.startswith("duplicate rule id 'X1' in decision 'extra'")


def test_duplicate_decision_ids() -> None:
    text = minimal_protocol(table("outputs: {a: text}\nrules: [{then: {a: b}}]", name="placement"))
    issue = only_issue(text)
    assert issue.message.startswith("duplicate key 'placement'")


def test_missing_common_question_is_named() -> None:
    issue = only_issue(minimal_protocol(skip="interpreter"))
    assert issue.message.startswith("missing common question 'interpreter'")
    assert "who pays" in issue.message


def test_unknown_hit_policy() -> None:
    issue = only_issue(
        minimal_protocol(
            table("hit_policy: SOMETIMES\noutputs: {a: text}\nrules: [{then: {a: b}}]")
        )
    )
    assert issue.message == "unknown hit policy 'SOMETIMES'"
    assert "RULE ORDER" in issue.expected


def test_every_hit_policy_spelling_loads() -> None:
    spellings = {
        "UNIQUE": (HitPolicy.UNIQUE, None),
        "A": (HitPolicy.ANY, None),
        "RULE ORDER": (HitPolicy.RULE_ORDER, None),
        "rule_order": (HitPolicy.RULE_ORDER, None),
        "COLLECT SUM": (HitPolicy.COLLECT, Aggregation.SUM),
        "C#": (HitPolicy.COLLECT, Aggregation.COUNT),
        "C<": (HitPolicy.COLLECT, Aggregation.MIN),
        "COLLECT MAX": (HitPolicy.COLLECT, Aggregation.MAX),
    }
    for spelling, expected in spellings.items():
        protocol = load_protocol(
            minimal_protocol(
                table(
                    f"hit_policy: '{spelling}'\noutputs: {{n: number}}\nrules: [{{then: {{n: 1}}}}]"
                )
            )
        )
        decision = protocol.decisions["extra"]
        assert (decision.hit_policy, decision.aggregation) == expected


def test_output_referring_to_undeclared_organization() -> None:
    issue = only_issue(
        minimal_protocol(
            table("outputs: {agency: organization}\nrules: [{then: {agency: fbi-nowhere}}]")
        )
    )
    assert issue.message == "organization 'fbi-nowhere' is not declared in the directory"
    assert "ecso" in issue.expected


def test_output_referring_to_undeclared_service() -> None:
    issue = only_issue(minimal_protocol(table("outputs: {s: service}\nrules: [{then: {s: ecso}}]")))
    assert issue.message == "service 'ecso' is not declared in the directory"


def test_malformed_yaml_names_line_and_column() -> None:
    issue = only_issue("id: x\nfactors:\n  age: [1, 2\n  b: 3\n")
    assert issue.message.startswith("malformed YAML")
    assert issue.line == 4


def test_several_errors_reported_at_once_sorted_by_line() -> None:
    text = minimal_protocol(
        table(
            "hit_policy: NOPE\noutputs: {agency: organization}\nrules:\n"
            "  - {when: {colour: red}, then: {agency: nobody}}\n"
            "  - {when: {age: '[9..1]'}, then: {agency: ecso}}"
        ),
        skip="charging",
    )
    issues = issues_of(text)
    messages = [issue.message for issue in issues]
    assert len(issues) == 5, messages
    assert [i.line for i in issues] == sorted(i.line for i in issues)
    with pytest.raises(LoadError) as caught:
        load_protocol(text, filename="p.yaml")
    assert str(caught.value).startswith("5 errors in protocol:")
    assert "Traceback" not in str(caught.value)


def test_sharing_never_shared_is_refused() -> None:
    text = minimal_protocol() + (
        "sharing:\n  - {id: gj, class: never-shared, from: prosecution, to: victim_services,"
        " stages: [referral]}\n"
    )
    assert "would release never-shared data" in only_issue(text).message


def test_sharing_victim_service_data_without_consent_is_refused() -> None:
    text = minimal_protocol() + (
        "sharing:\n  - {id: v, class: vsp-confidential, from: victim_services,"
        " to: law_enforcement_local, stages: [referral]}\n"
    )
    issue = only_issue(text)
    assert "victim-service data without the victim's consent" in issue.message
    assert issue.expected == "requires_consent: true"
    consenting = text.replace("stages:", "requires_consent: true, stages:")
    protocol = load_protocol(consenting)
    assert protocol.sharing[0].field_class is FieldClass.VSP_CONFIDENTIAL


def test_sharing_immigration_records_need_authorized_recipients() -> None:
    text = minimal_protocol() + (
        "sharing:\n  - {id: i, class: immigration-1367, from: law_enforcement_federal,"
        " to: victim_services, stages: [investigation], authorized_only: true}\n"
    )
    assert "to victim_services" in only_issue(text).message


def test_rules_may_not_test_for_unknown() -> None:
    issue = only_issue(
        minimal_protocol(
            table("outputs: {a: text}\nrules: [{when: {kind: unknown}, then: {a: b}}]")
        )
    )
    assert "never test for 'unknown'" in issue.message


def test_unknown_top_level_section_is_named() -> None:
    issue = only_issue(minimal_protocol() + "procedures: []\n")
    assert issue.message == "unknown key 'procedures' in the protocol"


def test_unreadable_file_is_a_load_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(LoadError) as caught:
        load_protocol(tmp_path / "absent.yaml")
    assert "cannot read the file" in caught.value.issues[0].message


def test_deadline_sections_are_checked() -> None:
    text = minimal_protocol() + (
        "deadlines:\n"
        "  - {id: d1, task: Call, owner: {sector: victim_services, role: advocate},"
        " anchor: lunch, within: 2 fortnights}\n"
    )
    messages = [issue.message for issue in issues_of(text)]
    assert "unknown anchor event 'lunch'" in messages
    assert "cannot read duration '2 fortnights'" in messages


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("-", FactorKind.INTEGER, None),
        ("< 18", FactorKind.INTEGER, (Interval(0, 17),)),
        ("(16..18)", FactorKind.INTEGER, (Interval(17, 17),)),
        ("[0..5], [6..9]", FactorKind.INTEGER, (Interval(0, 9),)),
        ("not([10..20])", FactorKind.INTEGER, (Interval(0, 9), Interval(21, 120))),
        (
            "> 2.5",
            FactorKind.DECIMAL,
            (Interval(Decimal("2.5"), Decimal(120), low_open=True),),
        ),
        (
            "not(5)",
            FactorKind.DECIMAL,
            (
                Interval(Decimal(0), Decimal(5), high_open=True),
                Interval(Decimal(5), Decimal(120), low_open=True),
            ),
        ),
    ],
)
def test_numeric_conditions_are_canonical(text, kind, expected) -> None:
    minimum = 0 if kind is FactorKind.INTEGER else Decimal(0)
    maximum = 120 if kind is FactorKind.INTEGER else Decimal(120)
    condition = parse_condition(text, Domain(kind, minimum=minimum, maximum=maximum))
    assert condition.intervals == expected


def test_enum_negation_is_the_complement() -> None:
    domain = Domain(FactorKind.ENUM, ("sex", "labor", "both"))
    assert parse_condition("not(sex)", domain).values == frozenset({"labor", "both"})
    assert parse_condition('"sex", labor', domain).values == frozenset({"sex", "labor"})


def test_the_complete_example_in_the_format_docs_loads() -> None:
    from accord.core.tests.conftest import REPO

    text = (REPO / "docs" / "protocol-format.md").read_text(encoding="utf-8")
    block = (
        text.split("## A complete small protocol", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    )
    protocol = load_protocol(block, filename="docs/protocol-format.md")
    assert set(COMMON_QUESTIONS) <= set(protocol.decisions)
    assert protocol.deadlines[1].offset_minutes == -24 * 60
