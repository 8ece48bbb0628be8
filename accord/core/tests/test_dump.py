"""Dumping a protocol and loading it back gives an equal model."""

from __future__ import annotations

import io
import pathlib
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from accord.core.dump import dump_protocol
from accord.core.load import load_protocol
from accord.core.tests.conftest import COMMON, EXAMPLE

WORDS = st.sampled_from(
    ["sex", "labor", "both", "adult", "minor", "yes-ish", "north", "south", "18", "true"]
)


@st.composite
def factor_specs(draw):
    kind = draw(st.sampled_from(["enum", "integer", "decimal", "boolean"]))
    if kind == "enum":
        values = draw(st.lists(WORDS, min_size=1, max_size=4, unique=True))
        return {"type": "enum", "values": values}
    if kind == "boolean":
        return {"type": "boolean"}
    low = draw(st.integers(-5, 50))
    high = draw(st.integers(low + 1, low + 100))
    if kind == "integer":
        return {"type": "integer", "min": low, "max": high}
    return {"type": "decimal", "min": f"{low}.5", "max": f"{high}.5"}


@st.composite
def condition_text(draw, spec):
    kind = spec["type"]
    if kind == "boolean":
        return draw(st.sampled_from(["true", "false", "-"]))
    if kind == "enum":
        chosen = draw(st.lists(st.sampled_from(spec["values"]), min_size=1, unique=True))
        text = ", ".join(f'"{v}"' for v in chosen)
        return draw(
            st.sampled_from([text, f"not({text})" if len(chosen) < len(spec["values"]) else text])
        )
    low = Decimal(str(spec["min"]))
    high = Decimal(str(spec["max"]))
    a = draw(st.integers(int(low) + 1, int(high)))
    b = draw(st.integers(a, int(high)))
    return draw(
        st.sampled_from([f">= {a}", f"<= {b}", f"[{a}..{b}]", f"{a}", f"not([{a}..{b}])", "-"])
    )


@st.composite
def protocol_text(draw):
    names = draw(
        st.lists(st.sampled_from(["f1", "f2", "f3", "f4"]), min_size=1, max_size=4, unique=True)
    )
    factors = {name: draw(factor_specs()) for name in names}
    for spec in factors.values():
        if spec["type"] == "decimal":
            spec["min"] = Decimal(spec["min"])
            spec["max"] = Decimal(spec["max"])
    decisions = {}
    for decision_id in [*COMMON, "own_question"]:
        policy = draw(
            st.sampled_from(
                ["UNIQUE", "FIRST", "RULE ORDER", "COLLECT", "COLLECT SUM", "C#", "PRIORITY"]
            )
        )
        numeric = policy in ("COLLECT SUM", "C#")
        outputs = (
            {"n": {"type": "number"}}
            if numeric
            else {
                "who": {"type": "organization"},
                "level": {"type": "enum", "values": ["high", "low"]},
            }
        )
        rules = []
        for index in range(draw(st.integers(1, 4))):
            when = {
                name: draw(condition_text(spec))
                for name, spec in factors.items()
                if draw(st.booleans())
            }
            then = (
                {"n": draw(st.integers(0, 9))}
                if numeric
                else {
                    "who": draw(st.sampled_from(["ecso", "hsi-riverton", None])),
                    "level": draw(st.sampled_from(["high", "low"])),
                }
            )
            rule = {"id": f"R{index + 1}", "when": when, "then": then}
            if draw(st.booleans()):
                rule["how"] = (
                    draw(st.text(alphabet="abc xyz:-'\"#", min_size=1, max_size=20)).strip() or "x"
                )
            rules.append(rule)
        decisions[decision_id] = {
            "hit_policy": policy,
            "inputs": list(factors),
            "outputs": outputs,
            "rules": rules,
        }
    document = {
        "id": "generated",
        "title": "Generated protocol",
        "version": "1",
        "task_force": "example-county",
        "directory": {"organizations": {"ecso": "Sheriff", "hsi-riverton": "HSI"}},
        "factors": factors,
        "decisions": decisions,
        "deadlines": [
            {
                "id": "d1",
                "task": "Call back",
                "owner": {"sector": "victim_services", "role": "advocate"},
                "anchor": "referral_sent",
                draw(st.sampled_from(["within", "before"])): draw(
                    st.sampled_from(["90m", "2h", "3d", "1w"])
                ),
            }
        ],
    }
    yaml = YAML(typ="rt", pure=True)
    yaml.representer.add_representer(
        Decimal, lambda r, v: r.represent_scalar("tag:yaml.org,2002:float", str(v))
    )
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=protocol_text())
def test_load_dump_load_is_identity(text: str) -> None:
    first = load_protocol(text)
    dumped = dump_protocol(first)
    second = load_protocol(dumped)
    assert second == first
    assert dump_protocol(second) == dumped


def test_example_round_trips(tmp_path: pathlib.Path) -> None:
    protocol = load_protocol(EXAMPLE)
    target = tmp_path / "again.yaml"
    target.write_text(dump_protocol(protocol), encoding="utf-8")
    assert load_protocol(target) == protocol
