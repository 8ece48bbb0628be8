"""Hostile protocol, DMN and facts files are refused with a message naming the limit and
the line: never a RecursionError, never a silently accepted tag or DTD (S24)."""

from __future__ import annotations

import io
import json
import pathlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.core.cli import main
from accord.core.dmn import export_dmn, load_dmn
from accord.core.errors import LoadError, UnsupportedDMNError
from accord.core.limits import InputLimits, json_too_deep
from accord.core.load import load_protocol
from accord.core.tests.conftest import EXAMPLE

DMN_NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def nested_yaml(depth: int) -> str:
    """A top-level mapping (one level) holding ``depth - 1`` flow lists one inside another."""
    return "a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


def dmn_with(body: str, *, prolog: str = "") -> str:
    return (
        f'<?xml version="1.0"?>\n{prolog}<definitions xmlns="{DMN_NS}" id="d" name="d">'
        f"{body}</definitions>\n"
    )


# -- YAML: depth ------------------------------------------------------------------------


def test_yaml_nested_500_deep_is_refused_naming_the_limit_and_line() -> None:
    text = "id: x\ntitle: deep\nfactors:\n  f: " + "[" * 500 + "]" * 500 + "\n"
    with pytest.raises(LoadError) as caught:
        load_protocol(text, filename="deep.yaml")
    (issue,) = caught.value.issues
    assert issue.line == 4
    assert "nested more than 64 levels deep" in issue.message
    assert caught.value.issues[0].file == "deep.yaml"


def test_yaml_depth_boundary_64_passes_65_is_refused() -> None:
    def depth_issues(depth: int) -> list[str]:
        try:
            load_protocol(nested_yaml(depth))
        except LoadError as error:
            return [i.message for i in error.issues if "levels deep" in i.message]
        return []

    assert depth_issues(64) == []
    assert depth_issues(65) == ["nested more than 64 levels deep (the limit is 64)"]


def test_yaml_depth_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORD_INPUT_MAX_DEPTH", "3")
    with pytest.raises(LoadError, match="more than 3 levels deep"):
        load_protocol(nested_yaml(4))
    with pytest.raises(LoadError, match="more than 5 levels deep"):
        load_protocol(nested_yaml(6), limits=InputLimits(max_depth=5))


def test_the_example_protocol_loads_within_the_default_limits() -> None:
    assert load_protocol(EXAMPLE).decisions


# -- YAML: tags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    ["!!python/name:os.system", "!!python/object/apply:os.system", "!!binary", "!local", "!!set"],
)
def test_yaml_tags_outside_the_safe_set_are_refused_naming_line_and_tag(tag: str) -> None:
    text = f"id: x\ntitle: t\ndescription: {tag} ls\n"
    with pytest.raises(LoadError) as caught:
        load_protocol(text, filename="tagged.yaml")
    refused = [i for i in caught.value.issues if "tag" in i.message]
    assert len(refused) == 1
    assert refused[0].line == 3
    assert refused[0].message == f"the YAML tag {tag} is refused"


def test_standard_yaml_tags_are_still_read() -> None:
    text = "id: x\ntitle: !!str 12\ndescription: !!str plain\n"
    with pytest.raises(LoadError) as caught:
        load_protocol(text)
    assert not [i for i in caught.value.issues if "tag" in i.message]


# -- size ---------------------------------------------------------------------------------


def test_an_oversized_protocol_file_is_refused_before_reading(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_protocol(path, limits=InputLimits(max_bytes=1024))
    assert caught.value.code == "input_too_large"
    assert "larger than the limit of 1 KB" in caught.value.issues[0].message
    with pytest.raises(LoadError, match="larger than the limit of 1 KB"):
        load_protocol(path.read_text(encoding="utf-8"), limits=InputLimits(max_bytes=1024))


def test_size_limit_boundary_is_inclusive(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "exact.yaml"
    path.write_bytes(b"#" * 99 + b"\n")
    with pytest.raises(LoadError) as caught:  # 100 bytes: read (and found empty), not refused
        load_protocol(path, limits=InputLimits(max_bytes=100))
    assert caught.value.code != "input_too_large"
    with pytest.raises(LoadError) as caught:
        load_protocol(path, limits=InputLimits(max_bytes=99))
    assert caught.value.code == "input_too_large"


# -- DMN ----------------------------------------------------------------------------------


def test_dmn_with_an_external_dtd_is_refused_naming_file_and_line() -> None:
    text = dmn_with("", prolog='<!DOCTYPE definitions SYSTEM "http://example.invalid/x.dtd">\n')
    with pytest.raises(UnsupportedDMNError) as caught:
        load_dmn(text, filename="model.dmn")
    (issue,) = caught.value.issues
    assert (issue.file, issue.line) == ("model.dmn", 2)
    assert "a DTD (<!DOCTYPE definitions>) is refused" in issue.message


def test_dmn_with_an_internal_dtd_and_entity_is_refused() -> None:
    text = dmn_with("&a;", prolog='\n\n<!DOCTYPE definitions [<!ENTITY a "aaaa">]>\n')
    with pytest.raises(UnsupportedDMNError) as caught:
        load_dmn(text)
    assert caught.value.issues[0].line == 4
    assert "DTD" in caught.value.issues[0].message


def test_dmn_nested_50000_deep_is_refused_naming_the_line() -> None:
    text = dmn_with("\n" + "<a>" * 50_000 + "</a>" * 50_000)
    with pytest.raises(LoadError) as caught:
        load_dmn(text)
    (issue,) = caught.value.issues
    assert issue.line == 3
    assert "nested more than 64 levels deep" in issue.message


def test_dmn_size_limit() -> None:
    with pytest.raises(LoadError) as caught:
        load_dmn(dmn_with(" " * 5000), limits=InputLimits(max_bytes=4096))
    assert caught.value.code == "input_too_large"


def test_exported_dmn_still_imports() -> None:
    protocol = load_protocol(EXAMPLE)
    assert load_dmn(export_dmn(protocol)).decisions


# -- the command line: bad input is exit 2 with the message, never 1 ----------------------


def test_cli_check_of_a_500_deep_yaml_exits_two(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(nested_yaml(500), encoding="utf-8")
    code, _, err = run("check", str(path))
    assert code == 2
    assert f"{path}:1:" in err and "levels deep" in err
    assert "Traceback" not in err and "RecursionError" not in err


def test_cli_check_of_a_python_tag_exits_two(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "tag.yaml"
    path.write_text("id: x\nrun: !!python/name:os.system\n", encoding="utf-8")
    code, _, err = run("check", str(path))
    assert code == 2
    assert f"{path}:2:" in err and "the YAML tag !!python/name:os.system is refused" in err


def test_cli_check_of_a_dmn_with_dtd_exits_two(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "model.dmn"
    path.write_text(
        dmn_with("", prolog='<!DOCTYPE definitions SYSTEM "http://example.invalid/x.dtd">\n'),
        encoding="utf-8",
    )
    for verb in ("check", "import"):
        code, _, err = run(verb, str(path))
        assert code == 2
        assert f"{path}:2:" in err and "DTD" in err


def test_cli_oversized_file_exits_two(tmp_path: pathlib.Path, monkeypatch) -> None:
    monkeypatch.setenv("ACCORD_PROTOCOL_MAX_BYTES", "1024")
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * 2000 + "\n", encoding="utf-8")
    code, _, err = run("check", str(path))
    assert code == 2
    assert "larger than the limit of 1 KB" in err


def test_cli_deep_facts_file_exits_two(tmp_path: pathlib.Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text('{"age":\n' + "[" * 50_000 + "]" * 50_000 + "}", encoding="utf-8")
    code, _, err = run("eval", str(EXAMPLE), "--facts", str(facts))
    assert code == 2
    assert f"{facts}:2: nested more than 64 levels deep" in err


# -- the JSON depth scan ------------------------------------------------------------------


def test_json_depth_scan_ignores_brackets_inside_strings() -> None:
    assert json_too_deep('{"a": "' + "[" * 100 + '"}', 2) is None
    assert json_too_deep('["\\"[[[["]', 1) is None
    assert json_too_deep("[[[]]]", 2) == 1
    assert json_too_deep("[\n[\n[]]]", 3) is None


def test_json_depth_scan_is_not_fooled_by_brackets_hidden_in_strings() -> None:
    """Closing brackets in an early string and opening ones in a late string would lower
    the apparent depth of a structure between them if strings were not blanked out."""
    hidden = '[["' + "]" * 100 + '",\n' + "[" * 100 + "]" * 100 + ', "' + "[" * 100 + '"]]'
    assert json.loads(hidden)  # valid JSON, 102 levels deep
    assert json_too_deep(hidden, 64) == 2


@given(
    st.recursive(
        st.none() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_json_depth_scan_agrees_with_the_parsed_depth(value: object) -> None:
    text = json.dumps(value)

    def depth(item: object) -> int:
        if isinstance(item, list):
            return 1 + max((depth(i) for i in item), default=0)
        if isinstance(item, dict):
            return 1 + max((depth(i) for i in item.values()), default=0)
        return 0

    actual = depth(value)
    assert json_too_deep(text, actual) is None
    if actual:
        assert json_too_deep(text, actual - 1) == 1


def test_cli_oversized_facts_file_exits_two(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCORD_PROTOCOL_MAX_BYTES", str(100 * 1024))  # the example is smaller
    facts = tmp_path / "facts.json"
    facts.write_text('{"note": "' + "x" * 200_000 + '"}', encoding="utf-8")
    code, _, err = run("eval", str(EXAMPLE), "--facts", str(facts))
    assert code == 2
    assert err.startswith(f"{facts}: the file is") and "larger than the limit of 100 KB" in err
