"""`accord serve` as an operator runs it: several web processes, the worker, and clean stops.

Each test starts the real command in a subprocess on a free port with its own data directory,
waits until the sign-in page answers, and then stops it the way a terminal (Ctrl-C), systemd
(SIGTERM) or the out-of-memory killer (SIGKILL) would. Afterwards no process it started may be
left: an orphaned background worker would go on sending mail (issue 13).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[1]
ACCORD = [sys.executable, "-m", "accord.cli"]

# The served command gets its own SQLite data directory whatever database the suite runs on, so
# CI's second pass (on PostgreSQL) would only repeat these two minutes.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="accord serve is tested on the SQLite pass (it uses its own data directory)",
)


def _env(var_dir: Path) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ACCORD_", "DATABASE_URL", "DJANGO_"))
    }
    return {**base, "ACCORD_VAR_DIR": str(var_dir)}


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database (the background worker polls its task table)."""
    path = tmp_path_factory.mktemp("serve") / "var"
    result = subprocess.run(
        [*ACCORD, "migrate"],
        env=_env(path),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, var_dir: Path, *args: str) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [*ACCORD, "serve", "--port", str(self.port), *args],
            env=_env(var_dir),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_until_answering(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                with urllib.request.urlopen(  # our own loopback server
                    f"http://127.0.0.1:{self.port}/accounts/notice/", timeout=5
                ) as response:
                    return str(response.read().decode())
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"accord serve did not answer in {timeout} s\n{self.output()}")

    def descendants(self) -> list[psutil.Process]:
        self.children = psutil.Process(self.process.pid).children(recursive=True)
        return self.children

    def descendants_once_started(self, *, web: int, timeout: float = 20) -> list[psutil.Process]:
        """The processes under the supervisor once gunicorn's master and its ``web`` processes
        and the background worker are all there: the first web process can answer before the
        master has forked the next one (gunicorn sleeps up to 0.1 s between forks)."""
        deadline = time.monotonic() + timeout
        while True:
            children = self.descendants()
            commands = _names(children)
            started = sum("gunicorn" in c for c in commands) >= web + 1 and any(
                "background_worker" in c for c in commands
            )
            if started or time.monotonic() > deadline:
                return children
            time.sleep(0.2)

    def output(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        return self.process.stdout.read() if self.process.stdout else ""

    def stop(self) -> None:
        """Whatever the test found, leave nothing running (a failed test must not orphan)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        for child in getattr(self, "children", []):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()


def _names(processes: list[psutil.Process]) -> list[str]:
    names = []
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            names.append(" ".join(process.cmdline()))
    return names


def _survivors(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    _gone, alive = psutil.wait_procs(processes, timeout=timeout)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_web_processes_and_the_background_worker(var_dir, stop_signal):
    served = Served(var_dir, "--workers", "2", "--threads", "2")
    try:
        page = served.wait_until_answering()
        assert "Accord" in page
        children = served.descendants_once_started(web=2)
        commands = _names(children)
        # gunicorn's master, its two web processes, and the background worker
        assert sum("gunicorn" in c for c in commands) == 3, commands
        assert sum("background_worker" in c for c in commands) == 1, commands

        served.process.send_signal(stop_signal)
        assert served.process.wait(timeout=30) == 0
        assert _survivors(children, timeout=5) == [], _names(children)
        assert "2 web processes and the background worker" in served.output()
    finally:
        served.stop()


def test_killing_the_supervisor_outright_still_ends_its_children(var_dir):
    """SIGKILL cannot be handled; the kernel's parent-death signal stops the children."""
    served = Served(var_dir, "--workers", "1", "--threads", "1")
    try:
        served.wait_until_answering()
        children = served.descendants()
        assert len(children) >= 3, _names(children)
        served.process.kill()
        served.process.wait(timeout=10)
        assert _survivors(children, timeout=20) == [], _names(children)
    finally:
        served.stop()


def test_when_the_worker_dies_the_web_server_is_stopped_and_the_exit_says_so(var_dir):
    served = Served(var_dir, "--workers", "1", "--threads", "1")
    try:
        served.wait_until_answering()
        children = served.descendants()
        worker = next(p for p in children if "background_worker" in " ".join(p.cmdline()))
        worker.kill()
        assert served.process.wait(timeout=30) == 1
        assert _survivors(children, timeout=5) == [], _names(children)
        assert "the background worker stopped (exit code -9); stopping the others" in (
            served.output()
        )
    finally:
        served.stop()


def test_a_port_already_taken_stops_the_worker_too(var_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*ACCORD, "serve", "--port", str(port), "--workers", "1"],
            env=_env(var_dir),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert "the web server stopped" in result.stderr


def test_workers_must_be_a_positive_number(var_dir):
    result = subprocess.run(
        [*ACCORD, "serve", "--workers", "0"],
        env=_env(var_dir),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--workers: 0 is less than 1" in result.stderr
