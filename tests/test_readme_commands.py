"""Every command line the README shows runs, as written, against the demo.

The lines come from README.md itself: each line of its ``sh`` blocks and each inline
``accord ...`` command of its prose. A few placeholders stand for things only a running
demo has (``N`` the version in force, ``M`` another version, ``FILE`` a file of the kind the
command reads or writes); they are filled in and the line runs as a subprocess from the
repository root, exactly as a reader would type it, against a fresh demo database in a
temporary directory. A line that exits with another status than 0, or prints a traceback,
fails its test; a line the README adds is run without touching this file, and a placeholder
this file does not know fails rather than being skipped.

Runs on SQLite only (the demo settings always use it): under ``DATABASE_URL=postgres://`` it
is skipped, so the PostgreSQL run of CI does not repeat it.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
ACCORD = ".venv/bin/accord"

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs on SQLite only (the demo's database); the SQLite run of the suite covers it",
)

#: README lines (or one form of a line) that are not run, and why (each must still be shown).
NOT_RUN: dict[str, str] = {
    "make demo": "serves the demo until stopped",
    "make test": "the whole suite, of which this test is part",
    f"{ACCORD} serve [--workers N]": "serves until stopped",
    f"{ACCORD} serve": "serves until stopped (named in the prose)",
    f"{ACCORD} jobs run": "runs the periodic jobs until stopped (the --once form is run)",
    f"{ACCORD} manage ...": "'...' stands for any Django management command",
}
#: ``accord`` commands that stand alone after ``|`` (otherwise the alternative shares the group).
TOP_LEVEL = frozenset({"backup", "restore", "demo", "serve", "migrate", "manage"})
#: Lines that run against an empty, migrated database instead of the demo.
EMPTY_DATABASE = frozenset({("restore",)})
EXAMPLE_PROTOCOL = "examples/protocols/example-county.yaml"
EXAMPLE_DIRECTORY = "examples/directory/example-county.json"
SPAN = re.compile(r"`((?:\.venv/bin/)?accord [^`]+)`")
PLACEHOLDER = re.compile(r"^(?:[A-Z]+(?:\.[a-z]+)?|out\.json)$")


def readme_lines(text: str) -> list[str]:
    """Each command of the README's sh blocks (comments dropped) and of its prose."""
    lines: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for raw in block.splitlines():
            line = raw.split("#", 1)[0].strip()
            if line:
                lines.append(line)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in SPAN.findall(prose):
        line = span if span.startswith(ACCORD) else f".venv/bin/{span}"
        if line not in lines:
            lines.append(line)
    return lines


def variants(line: str) -> list[str]:
    """``a | b`` is two commands, ``[--opt X]`` is run without and with the option."""
    words = line.split()
    if words[0] != ACCORD:
        return [line]
    commands = [line]
    if " | " in line:
        left, right = line.split(" | ", 1)
        alternative = right.split()
        group = [] if alternative[0] in TOP_LEVEL else [words[1]]
        commands = [left, " ".join([ACCORD, *group, *alternative])]
    expanded: list[str] = []
    for command in commands:
        optional = re.search(r"\s*\[([^\]]+)\]", command)
        if optional:
            expanded.append(command.replace(optional.group(0), ""))
            expanded.append(command.replace(optional.group(0), " " + optional.group(1)))
        else:
            expanded.append(command)
    return expanded


README_TEXT = README.read_text(encoding="utf-8")
LINES = readme_lines(README_TEXT)
RUN = list(
    dict.fromkeys(
        command
        for line in LINES
        if line not in NOT_RUN
        for command in variants(line)
        if command not in NOT_RUN
    )
)


@dataclass(frozen=True)
class Demo:
    """A loaded demo in a temporary directory, and the files the README's lines read."""

    env: dict[str, str]
    empty_env: dict[str, str]
    tmp: Path
    in_force: int
    other: int
    checkpoint: Path
    backup: Path
    dmn: Path


def _env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env["ACCORD_VAR_DIR"] = str(var_dir)
    return env


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def _ok(argv: list[str], env: dict[str, str]) -> None:
    result = _run(argv, env)
    assert result.returncode == 0, f"{' '.join(argv)}:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("readme")
    env, empty_env = _env(tmp / "var"), _env(tmp / "empty")
    _ok([ACCORD, "demo", "--no-serve"], env)  # how `make demo` loads it, without serving
    _ok([ACCORD, "migrate"], empty_env)
    with sqlite3.connect(tmp / "var" / "accord.sqlite3") as db:
        versions = db.execute(
            "SELECT v.number, v.status FROM protocols_protocolversion v "
            "JOIN accounts_taskforce t ON t.id = v.task_force_id "
            "WHERE t.slug = 'example-county' ORDER BY v.number"
        ).fetchall()
    in_force = next(number for number, status in versions if status == "in_force")
    other = next((number for number, _ in versions if number != in_force), in_force)
    files = tmp / "files"
    files.mkdir()
    _ok([ACCORD, "audit", "checkpoint", "-o", str(files / "checkpoint")], env)
    _ok([ACCORD, "backup", "-o", str(files / "backup")], env)
    _ok([ACCORD, "protocol", "export", EXAMPLE_PROTOCOL, "--dmn", str(files / "in.dmn")], env)
    yield Demo(
        env=env,
        empty_env=empty_env,
        tmp=tmp,
        in_force=in_force,
        other=other,
        checkpoint=files / "checkpoint",
        backup=files / "backup",
        dmn=files / "in.dmn",
    )


def fill(command: str, demo: Demo, *, serial: int) -> list[str]:
    """The argv of ``command`` with each placeholder replaced by what it stands for here."""
    words = command.split()
    verb = tuple(w for w in words[1:3] if not w.startswith("-"))
    fresh = demo.tmp / f"out-{serial}"
    known_file = {
        ("protocol", "export"): EXAMPLE_PROTOCOL,
        ("audit", "verify"): str(demo.checkpoint),
        ("audit", "checkpoint"): str(fresh),  # refuses an existing file: a new one each time
        ("backup",): str(fresh),
        ("restore",): str(demo.backup),
    }
    values = {
        "N": str(demo.in_force),
        "M": str(demo.other),
        "USERNAME": "coordinator",
        "ADDRESS": "coordinator@example.invalid",
        "OUT.dmn": str(fresh.with_suffix(".dmn")),
        "IN.dmn": str(demo.dmn),
        "FILE.json": EXAMPLE_DIRECTORY,
        "out.json": str(fresh.with_suffix(".json")),
    }
    argv = []
    for word in words:
        if PLACEHOLDER.match(word):
            if word == "FILE":
                key = verb if verb in known_file else verb[:1]
                assert key in known_file, f"no file for FILE in {command!r}"
                argv.append(known_file[key])
                continue
            assert word in values, f"unknown placeholder {word!r} in {command!r}"
            argv.append(values[word])
        else:
            argv.append(word)
    return argv


def test_the_readme_shows_the_commands_this_test_runs() -> None:
    """The parser finds the command table (a broken parse would silently run nothing), and
    the lines left out are still there and still say why."""
    assert len(RUN) >= 20
    assert f"{ACCORD} protocol verify --version N --task-force example-county" in RUN
    assert f"{ACCORD} restore FILE" in RUN and f"{ACCORD} audit triggers --install" in RUN
    assert f"{ACCORD} manage tasks_escalate" in RUN  # the cron jobs of the prose
    shown = set(LINES) | {form for line in LINES for form in variants(line)}
    for line in NOT_RUN:
        assert line in shown, f"NOT_RUN names {line!r}, which the README no longer shows"


def test_a_placeholder_the_test_does_not_know_fails_rather_than_being_skipped(tmp_path) -> None:
    demo = Demo({}, {}, tmp_path, 1, 2, tmp_path, tmp_path, tmp_path)
    with pytest.raises(AssertionError, match="unknown placeholder 'ID'"):
        fill(f"{ACCORD} cases show ID", demo, serial=0)
    assert variants(f"{ACCORD} backup -o FILE | restore FILE") == [
        f"{ACCORD} backup -o FILE",
        f"{ACCORD} restore FILE",
    ]
    assert variants(f"{ACCORD} protocol export FILE --dmn OUT.dmn | import IN.dmn")[1] == (
        f"{ACCORD} protocol import IN.dmn"
    )


@pytest.mark.parametrize("command", RUN)
def test_the_readme_command_runs_as_written(command: str, demo: Demo) -> None:
    argv = fill(command, demo, serial=RUN.index(command))
    env = demo.empty_env if tuple(argv[1:2]) in EMPTY_DATABASE else demo.env
    result = _run(argv, env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(argv)} exited {result.returncode}:\n{output}"
    assert "Traceback" not in output, output
