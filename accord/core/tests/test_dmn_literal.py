"""DMN literal-expression decisions and decisions reading decisions: import, evaluation,
verification, export, refusals; the TCK-style runner over shared data and invented models."""

from __future__ import annotations

import datetime as dt
import io
import pathlib
import shutil
from decimal import Decimal

import pytest

from accord.core.cli import main as cli_main
from accord.core.dmn import export_dmn, load_dmn
from accord.core.errors import FactError, LoadError, UnsupportedDMNError
from accord.core.evaluate import evaluate_protocol
from accord.core.model import Decision, FactorKind, OutputDef, Protocol
from accord.core.tck import run_directories, run_model
from accord.core.tests.conftest import REPO
from accord.core.verify import FindingKind, verify_protocol

TCK = REPO.parent / "shared" / "data" / "dmn-tck"
INVENTED = pathlib.Path(__file__).parent / "dmn_feel"

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="m" name="m" '
    'namespace="https://accord.example/m">\n'
)


def _input(name: str, type_ref: str) -> str:
    ident = "i_" + name.replace(" ", "_")
    return (
        f'<inputData id="{ident}" name="{name}"><variable name="{name}" typeRef="{type_ref}"/>'
        "</inputData>\n"
    )


def _literal(name: str, text: str, *, requires: tuple[str, ...] = (), type_ref: str = "") -> str:
    ident = "d_" + name.replace(" ", "_")
    requirements = "".join(
        f'<informationRequirement><requiredDecision href="#d_{r.replace(" ", "_")}"/>'
        "</informationRequirement>"
        for r in requires
    )
    typed = f' typeRef="{type_ref}"' if type_ref else ""
    return (
        f'<decision id="{ident}" name="{name}"><variable name="{name}"{typed}/>{requirements}\n'
        f'<literalExpression id="e_{ident}"><text>{text}</text></literalExpression></decision>\n'
    )


# -- the runner --------------------------------------------------------------------------------


def test_every_shared_tck_model_and_every_invented_model_passes() -> None:
    roots = [INVENTED] + ([TCK] if TCK.is_dir() else [])
    outcomes = run_directories(roots)
    failed = {o.name: o.error or o.failures for o in outcomes if not o.passed}
    assert not failed
    names = {o.name for o in outcomes}
    assert {"9001-literal-arithmetic", "9002-table-and-literal"} <= names
    if TCK.is_dir():
        assert "0004-simpletable-U" in names
    literal = next(o for o in outcomes if o.name == "9002-table-and-literal")
    assert literal.results == literal.matched == 18


def test_the_runner_reports_a_wrong_expectation(tmp_path: pathlib.Path) -> None:
    model = tmp_path / "9001-literal-arithmetic"
    shutil.copytree(INVENTED / "9001-literal-arithmetic", model)
    cases = model / "9001-literal-arithmetic-test-01.xml"
    cases.write_text(cases.read_text().replace(">Hello Marisol<", ">Hello Maria<"))
    outcome = run_model(model)
    assert not outcome.passed
    assert outcome.failures == ["case 001, Greeting: expected 'Hello Maria', got 'Hello Marisol'"]


def test_the_runner_reports_a_model_that_does_not_import(tmp_path: pathlib.Path) -> None:
    (tmp_path / "m.dmn").write_text(HEAD + _literal("D", "x +") + "</definitions>")
    outcome = run_model(tmp_path)
    assert not outcome.passed
    assert outcome.error is not None and "'x +'" in outcome.error


# -- evaluation ------------------------------------------------------------------------------


def test_a_literal_decision_reads_a_table_declared_after_it_and_a_table_reads_it() -> None:
    text = (
        HEAD
        + _input("Age", "number")
        # declared first, reads the table below
        + _literal(
            "Label", 'if Band = "minor" then "under 18" else "18 or over"', requires=("Band",)
        )
        + '<decision id="d_Band" name="Band"><variable name="Band"/>'
        + '<informationRequirement><requiredInput href="#i_Age"/></informationRequirement>'
        + '<decisionTable id="t" hitPolicy="UNIQUE"><input id="c"><inputExpression typeRef="number">'
        + '<text>Age</text></inputExpression></input><output id="o"/>'
        + '<rule id="r1"><inputEntry><text>&lt; 18</text></inputEntry><outputEntry><text>"minor"</text></outputEntry></rule>'
        + '<rule id="r2"><inputEntry><text>&gt;= 18</text></inputEntry><outputEntry><text>"adult"</text></outputEntry></rule>'
        + "</decisionTable></decision>\n"
        + _literal("Double Age", "Age * 2")
        + '<decision id="d_Check" name="Check"><variable name="Check"/>'
        + '<informationRequirement><requiredDecision href="#d_Double_Age"/></informationRequirement>'
        + '<decisionTable id="t2" hitPolicy="FIRST"><input id="c2"><inputExpression typeRef="number">'
        + '<text>Double Age</text></inputExpression></input><output id="o2"/>'
        + '<rule id="k1"><inputEntry><text>&gt; 100</text></inputEntry><outputEntry><text>"old"</text></outputEntry></rule>'
        + '<rule id="k2"><inputEntry><text>-</text></inputEntry><outputEntry><text>"young"</text></outputEntry></rule>'
        + "</decisionTable></decision>\n</definitions>"
    )
    protocol = load_dmn(text)
    assert protocol.decisions["Label"].requires == ("Band",)
    assert protocol.decisions["Check"].requires == ("Double Age",)
    answers = evaluate_protocol(protocol, {"Age": 17})
    assert answers["Label"].result == "under 18"
    assert list(answers) == ["Label", "Band", "Double Age", "Check"]  # declaration order kept
    assert evaluate_protocol(protocol, {"Age": 51})["Check"].result == "old"
    assert evaluate_protocol(protocol, {"Age": 50})["Check"].result == "young"
    assert "Age * 2" in answers["Double Age"].explanation


def test_an_unknown_input_makes_the_literal_and_the_tables_it_feeds_say_what_they_need() -> None:
    text = (
        HEAD
        + _input("Income", "number")
        + _literal("Yearly", "Income * 12")
        + '<decision id="d_Tier" name="Tier"><variable name="Tier"/>'
        + '<informationRequirement><requiredDecision href="#d_Yearly"/></informationRequirement>'
        + '<decisionTable id="t" hitPolicy="UNIQUE"><input id="c"><inputExpression typeRef="number">'
        + '<text>Yearly</text></inputExpression></input><output id="o"/>'
        + '<rule id="r1"><inputEntry><text>&lt; 20000</text></inputEntry><outputEntry><text>"low"</text></outputEntry></rule>'
        + '<rule id="r2"><inputEntry><text>&gt;= 20000</text></inputEntry><outputEntry><text>"other"</text></outputEntry></rule>'
        + "</decisionTable></decision>\n"
        + _literal("Band", 'if Income >= 1000 then "high" else "low"')
        + _literal("Same", 'if Income >= 1000 then "yes" else "yes"')
        + _literal("Never", "Income > 0 and false")
        + "</definitions>"
    )
    protocol = load_dmn(text)
    answers = evaluate_protocol(protocol, {})
    assert answers["Yearly"].needs == ("Income",)
    assert answers["Tier"].needs == ("Income",)  # the fact, not the decision in between
    assert not answers["Tier"].answered
    # an unknown fact is not FEEL's null: the else branch is not taken for it
    assert answers["Band"].needs == ("Income",)
    assert answers["Band"].result is None
    # what every value of the fact would give is answered
    assert answers["Same"].result == "yes" and answers["Same"].answered
    assert answers["Never"].result is False and answers["Never"].answered
    assert evaluate_protocol(protocol, {"Income": 1000})["Tier"].result == "low"


def test_a_table_fed_no_value_matches_only_its_any_cells() -> None:
    text = (
        HEAD
        + _input("Flag", "boolean")
        + _literal("Score", "if Flag then 5 else null")
        + '<decision id="d_Level" name="Level"><variable name="Level"/>'
        + '<informationRequirement><requiredDecision href="#d_Score"/></informationRequirement>'
        + '<decisionTable id="t" hitPolicy="FIRST"><input id="c"><inputExpression typeRef="number">'
        + '<text>Score</text></inputExpression></input><output id="o"/>'
        + '<rule id="r1"><inputEntry><text>&gt;= 3</text></inputEntry><outputEntry><text>"high"</text></outputEntry></rule>'
        + '<rule id="r2"><inputEntry><text>&lt; 3</text></inputEntry><outputEntry><text>"low"</text></outputEntry></rule>'
        + '<rule id="r3"><inputEntry><text>-</text></inputEntry><outputEntry><text>"none"</text></outputEntry></rule>'
        + "</decisionTable></decision>\n</definitions>"
    )
    protocol = load_dmn(text)
    assert evaluate_protocol(protocol, {"Flag": True})["Level"].result == "high"
    answer = evaluate_protocol(protocol, {"Flag": False})["Level"]
    assert answer.result == "none"
    assert answer.rules == ("r3",)
    assert answer.answered
    unknown = evaluate_protocol(protocol, {})["Level"]
    assert unknown.needs == ("Flag",)
    assert not unknown.answered


def test_a_long_chain_of_decisions_is_answered_in_order() -> None:
    from bench.bench_feel import chain_model

    protocol = load_dmn(chain_model(1200))
    answers = evaluate_protocol(protocol, {"Start Value": 1})
    assert answers["Step Number 1199"].result == 1201
    assert evaluate_protocol(protocol, {})["Step Number 1199"].needs == ("Start Value",)


def test_date_inputs_are_read_as_dates_and_answers_serialise_to_json() -> None:
    text = (
        HEAD
        + _input("Intake Date", "date")
        + _input("Note", "string")
        + _literal("Due", 'Intake Date + duration("P10D")', type_ref="date")
        + _literal("Shout", "upper case(Note)")
        + "</definitions>"
    )
    protocol = load_dmn(text)
    assert protocol.factors["Intake Date"].domain.kind is FactorKind.TEXT
    assert protocol.factors["Intake Date"].feel_type == "date"
    answers = evaluate_protocol(protocol, {"Intake Date": "2026-12-25", "Note": "call"})
    assert answers["Due"].result == dt.date(2027, 1, 4)
    assert answers.to_json()["decisions"]["Due"]["result"] == "2027-01-04"
    assert answers["Shout"].result == "CALL"


def test_a_fact_that_is_not_of_its_input_type_is_refused_naming_the_input() -> None:
    text = (
        HEAD
        + _input("Intake Date", "date")
        + _input("Wait", "duration")
        + _literal("Due", "Intake Date + Wait")
        + "</definitions>"
    )
    protocol = load_dmn(text)
    with pytest.raises(FactError) as caught:
        evaluate_protocol(protocol, {"Intake Date": "20 Nov", "Wait": "two weeks"})
    assert caught.value.problems == (
        "fact Intake Date='20 Nov' is outside the domain of 'Intake Date': "
        "expected a date such as 2026-12-07 or unknown",
        "fact Wait='two weeks' is outside the domain of 'Wait': "
        "expected a duration such as P14D, PT2H or P1Y2M or unknown",
    )
    answer = evaluate_protocol(protocol, {"Intake Date": "2026-12-20", "Wait": "P14D"})["Due"]
    assert answer.result == dt.date(2027, 1, 3)


def test_an_answer_not_of_the_declared_type_is_an_error_not_an_answer() -> None:
    text = (
        HEAD
        + _input("Name", "string")
        + _literal("Fee", 'if Name = "x" then 10 else "free"', type_ref="number")
        + _literal("Flag", "Name", type_ref="boolean")
        + "</definitions>"
    )
    protocol = load_dmn(text)
    assert evaluate_protocol(protocol, {"Name": "x"})["Fee"].result == 10
    answers = evaluate_protocol(protocol, {"Name": "y"})
    assert answers["Fee"].result is None
    assert answers["Fee"].error == 'Fee is declared a number, but its expression gave "free"'
    assert not answers["Fee"].answered
    assert answers["Flag"].error == 'Flag is declared true or false, but its expression gave "y"'


# -- verification ------------------------------------------------------------------------------


def test_a_literal_decision_has_no_gaps_and_its_names_are_checked() -> None:
    protocol = load_dmn(INVENTED / "9001-literal-arithmetic" / "9001-literal-arithmetic.dmn")
    report = verify_protocol(protocol, time_budget=5)
    assert report.complete
    assert not [f for f in report.findings if f.severity == "error"]
    broken = Protocol(
        id="p",
        title="p",
        version="",
        task_force="",
        factors=protocol.factors,
        decisions={
            "Share": Decision(
                "Share",
                "Share",
                ("Monthly Income", "Bonus"),
                (OutputDef("Share"),),
                (),
                expression="Monthly Income + Bonus",
                requires=("Missing Decision",),
            )
        },
    )
    findings = verify_protocol(broken, time_budget=5).findings
    unknown = [f for f in findings if f.kind is FindingKind.UNKNOWN_REFERENCE]
    assert [f.message for f in unknown] == [
        "The expression of Share reads Bonus, which is not a factor",
        "Share reads the answer of Missing Decision, which is not a decision",
    ]


# -- export ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["9001-literal-arithmetic", "9002-table-and-literal"])
def test_literal_decisions_export_and_reimport_with_the_same_answers(name: str) -> None:
    first = load_dmn(INVENTED / name / f"{name}.dmn")
    again = load_dmn(export_dmn(first))
    assert {d.id: (d.expression, d.requires) for d in again.decisions.values()} == {
        d.id: (d.expression, d.requires) for d in first.decisions.values()
    }
    facts = (
        {"Monthly Income": Decimal("2500"), "Household Size": 3, "Full Name": "ana"}
        if name.startswith("9001")
        else {"Applicant Age": 70, "Intake Date": "2026-01-01", "Review Date": "2026-03-01"}
    )
    assert evaluate_protocol(again, facts).to_json() == evaluate_protocol(first, facts).to_json()


def test_exporting_one_decision_brings_the_decisions_it_reads() -> None:
    protocol = load_dmn(INVENTED / "9002-table-and-literal" / "9002-table-and-literal.dmn")
    again = load_dmn(export_dmn(protocol, ["Message"]))
    assert set(again.decisions) == {"Message", "Priority", "Age Group", "Days Waiting"}


# -- refusals ----------------------------------------------------------------------------------


def test_unsupported_feel_is_refused_naming_decision_expression_and_line() -> None:
    text = (
        HEAD + _input("Age", "number") + _literal("Bad", "for a in [1] return a") + "</definitions>"
    )
    with pytest.raises(UnsupportedDMNError) as caught:
        load_dmn(text, filename="model.dmn")
    (issue,) = caught.value.issues
    assert issue.file == "model.dmn"
    assert issue.line == 5  # the line of the literal expression, below its decision's
    assert "decision 'Bad'" in issue.message
    assert "'for a in [1] return a'" in issue.message


def test_an_unknown_name_is_refused_naming_it() -> None:
    text = HEAD + _input("Age", "number") + _literal("Adult", "Agee >= 18") + "</definitions>"
    with pytest.raises(UnsupportedDMNError, match="unknown name 'Agee'"):
        load_dmn(text)


def test_decisions_requiring_each_other_in_a_ring_are_refused() -> None:
    text = (
        HEAD
        + _literal("A", "B + 1", requires=("B",))
        + _literal("B", "C + 1", requires=("C",))
        + _literal("C", "A + 1", requires=("A",))
        + "</definitions>"
    )
    with pytest.raises(LoadError, match="ring: A → B → C → A"):
        load_dmn(text)


def test_a_decision_reading_itself_is_refused() -> None:
    text = HEAD + _literal("A", "A + 1") + "</definitions>"
    with pytest.raises(UnsupportedDMNError, match="the decision 'A' reads its own answer"):
        load_dmn(text)


def test_a_requirement_naming_no_decision_is_refused() -> None:
    text = (
        HEAD
        + '<decision id="d" name="D"><variable name="D"/><informationRequirement>'
        + '<requiredDecision href="#nowhere"/></informationRequirement>'
        + "<literalExpression><text>1</text></literalExpression></decision></definitions>"
    )
    with pytest.raises(LoadError, match="requires '#nowhere'"):
        load_dmn(text)


def test_a_structured_input_is_refused_naming_its_type() -> None:
    text = (
        HEAD
        + '<itemDefinition name="tLoan"><itemComponent name="principal"><typeRef>number</typeRef>'
        + "</itemComponent></itemDefinition>"
        + _input("loan", "tLoan")
        + _literal("Payment", "loan.principal / 12")
        + "</definitions>"
    )
    with pytest.raises(
        UnsupportedDMNError, match="input 'loan' of decision 'Payment' has the type 'tLoan'"
    ):
        load_dmn(text)


def test_a_text_factor_is_not_a_yaml_factor_type() -> None:
    from accord.core.load import load_protocol
    from accord.core.tests.conftest import minimal_protocol

    text = minimal_protocol(factors="  note: {type: text}\n")
    with pytest.raises(LoadError, match="unknown factor type 'text'"):
        load_protocol(text)


def test_the_cli_will_not_turn_a_literal_decision_into_yaml(tmp_path: pathlib.Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    model = INVENTED / "9001-literal-arithmetic" / "9001-literal-arithmetic.dmn"
    code = cli_main(["import", str(model), "-o", str(tmp_path / "p.yaml")], out=out, err=err)
    assert code != 0
    assert "a YAML protocol cannot hold" in err.getvalue()
    assert not (tmp_path / "p.yaml").exists()
    code = cli_main(["eval", str(model), "--facts", _facts(tmp_path)], out=out, err=err)
    assert code == 0
    assert "Hello Ana" in out.getvalue()


def _facts(tmp_path: pathlib.Path) -> str:
    path = tmp_path / "facts.json"
    path.write_text('{"Monthly Income": 100, "Household Size": 2, "Full Name": "ANA"}')
    return str(path)
