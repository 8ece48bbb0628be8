"""The protocol core never imports Django."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[1]


def test_no_module_of_the_core_imports_django() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            offenders += [f"{path}:{node.lineno}" for n in names if n.split(".")[0] == "django"]
    assert offenders == []


def test_importing_the_core_loads_no_django() -> None:
    code = (
        "import sys, accord.core, accord.core.load, accord.core.evaluate, accord.core.dmn, "
        "accord.core.dump, accord.core.cli; print('django' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
