"""``accord protocol check|eval|export|import`` as a person at a terminal uses them."""

from __future__ import annotations

import io
import json
import pathlib

import pytest

from accord.core.cli import main
from accord.core.dmn import load_dmn
from accord.core.tests.conftest import EXAMPLE, REPO, minimal_protocol

TCK_0004 = REPO.parent / "shared/data/dmn-tck/0004-simpletable-U/0004-simpletable-U.dmn"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_check_clean_example_exits_zero() -> None:
    code, out, _ = run("check", str(EXAMPLE))
    assert code == 0
    assert "ok  placement" in out
    assert "\033[" not in out  # no colour when not on a terminal


def test_check_json_shape_with_findings(tmp_path: pathlib.Path) -> None:
    gap = minimal_protocol(
        "  own:\n    hit_policy: UNIQUE\n    outputs: {a: text}\n    rules:\n"
        "      - {id: G1, when: {age: '< 18'}, then: {a: minor}}\n"
    )
    path = tmp_path / "gap.yaml"
    path.write_text(gap, encoding="utf-8")
    code, out, _ = run("check", str(path), "--format", "json")
    assert code == 1
    data = json.loads(out)
    gaps = [f for f in data["findings"] if f["kind"] == "gap"]
    assert gaps and gaps[0]["decision"] == "own"
    assert gaps[0]["box"]["age"]["min"] == 18
    assert set(gaps[0]["example"]) >= {"age"}


def test_check_invalid_file_exits_two_with_positions(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(minimal_protocol(skip="placement"), encoding="utf-8")
    code, out, err = run("check", str(path))
    assert code == 2
    assert "missing common question 'placement'" in err
    assert f"{path}:" in err
    assert "Traceback" not in err
    code, out, _ = run("check", str(path), "--format", "json")
    assert code == 2
    assert json.loads(out)["errors"][0]["message"].startswith("missing common question")


def test_check_unreadable_file_exits_two(tmp_path: pathlib.Path) -> None:
    code, _, err = run("check", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "cannot read the file" in err


def test_check_accepts_dmn_without_common_questions() -> None:
    if not TCK_0004.exists():
        pytest.skip("DMN TCK data missing")
    code, out, _ = run("check", str(TCK_0004))
    assert code == 0
    assert "Approval Status" in out


def test_eval_with_facts_prints_answers_and_reasons() -> None:
    code, out, _ = run("eval", str(EXAMPLE), "--fact", "victim_age=9")
    assert code == 0
    assert 'answer: "cps-emergency-placement"' in out
    assert "why: Rule P1:" in out
    assert "needs: victim_charged" in out


def test_eval_json_from_facts_file(tmp_path: pathlib.Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"victim_age": 30, "victim_gender": "male"}), encoding="utf-8")
    code, out, _ = run("eval", str(EXAMPLE), "--facts", str(facts), "--format", "json")
    assert code == 0
    placement = json.loads(out)["decisions"]["placement"]
    assert placement == {
        "result": "new-dawn-housing",
        "rules": ["P4"],
        "explanation": "Rule P4: victim_age >= 18 and victim_gender is male → new-dawn-housing",
        "how": ["New Dawn transitional housing for adult men."],
    }


def test_eval_fact_outside_domain_exits_two() -> None:
    code, _, err = run("eval", str(EXAMPLE), "--fact", "victim_age=200")
    assert code == 2
    assert "victim_age" in err and "[0..120]" in err


def test_eval_bad_usage_exits_two() -> None:
    code, _, err = run("eval", str(EXAMPLE), "--fact", "nonsense")
    assert code == 2
    assert "expected NAME=VALUE" in err
    assert run("frobnicate")[0] == 2


def test_eval_dmn_file_directly() -> None:
    if not TCK_0004.exists():
        pytest.skip("DMN TCK data missing")
    code, out, _ = run(
        "eval",
        str(TCK_0004),
        "--fact",
        "Age=18",
        "--fact",
        "RiskCategory=Medium",
        "--fact",
        "isAffordable=true",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["decisions"]["Approval Status"]["result"] == "Approved"


def test_export_then_import(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "out.dmn"
    code, _out, _ = run("export", str(EXAMPLE), "--dmn", str(target))
    assert code == 0
    assert set(load_dmn(target).decisions) >= {"placement", "charging"}
    yaml_target = tmp_path / "tables.yaml"
    code, _, _ = run("import", str(target), "-o", str(yaml_target))
    assert code == 0
    assert "placement:" in yaml_target.read_text(encoding="utf-8")
