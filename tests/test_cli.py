"""The `accord` command from a user's chair: demo set-up, audit verify, clear errors for bad set-ups."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ACCORD = [sys.executable, "-m", "accord.cli"]


def _run(
    *args: str, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ACCORD_", "DATABASE_URL", "DJANGO_"))
    }
    return subprocess.run(
        [*ACCORD, *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
    )


def test_demo_sets_up_a_database_prints_logins_and_the_audit_chain_verifies(tmp_path):
    env = {"ACCORD_VAR_DIR": str(tmp_path / "var")}
    result = _run("demo", "--no-serve", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "coordinator" in result.stdout and "advocate.harbor" in result.stdout
    assert "example-county-demo-2026" in result.stdout
    assert (tmp_path / "var" / "accord.sqlite3").exists()

    again = _run("demo", "--no-serve", env=env)  # idempotent: a second run changes nothing
    assert again.returncode == 0, again.stderr[-2000:]

    code = _run("demo", "code", "coordinator", env=env)
    assert code.returncode == 0 and code.stdout.strip().isdigit() and len(code.stdout.strip()) == 6

    verified = _run("audit", "verify", env=env)
    assert verified.returncode == 0, verified.stderr
    assert "audit chain intact" in verified.stdout


def test_an_unwritable_data_directory_gets_one_clear_sentence(tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    result = _run("migrate", env={"ACCORD_VAR_DIR": str(blocker / "var")})
    assert result.returncode == 2
    assert "cannot be created or written" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_commands_print_the_usage():
    result = _run("frobnicate", "now")
    assert result.returncode == 2
    assert "usage: accord" in result.stderr


def test_protocol_check_works_on_a_file_without_any_database(tmp_path):
    result = _run(
        "protocol",
        "check",
        "examples/protocols/example-county.yaml",
        env={"ACCORD_VAR_DIR": str(tmp_path / "nowhere")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "nowhere").exists()
