"""Run a list of child processes as one service, and stop every one of them together.

``accord serve`` and ``accord demo`` run the web server (gunicorn, itself a master with N worker
processes) and the background worker as children of one supervising process. Whatever stops the
supervisor stops the children (issue 13, "clean stops"):

- SIGTERM, SIGINT (Ctrl-C) or SIGHUP: each child gets SIGTERM, then ``grace`` seconds to finish
  its request or task, then SIGKILL; a second signal skips the wait.
- A child that exits by itself (the port is taken, the database is gone): the others are stopped
  too and the supervisor exits 1, saying which child stopped, so systemd or the operator sees it.
- The supervisor killed outright (SIGKILL, out of memory): on Linux each child was started with
  ``PR_SET_PDEATHSIG``, so the kernel sends it SIGTERM when the supervisor dies.

Children run in their own session, so a Ctrl-C in the terminal reaches the supervisor only, which
then stops them in order. Adding a child (say, a periodic-job runner) is one more ``Child`` in the
list given to ``supervise``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType

#: How often the supervisor looks whether a child has exited.
POLL_SECONDS = 0.2
#: prctl(2) option: the signal the kernel sends this process when its parent dies.
_PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@dataclass
class Child:
    """One process to run: ``name`` is how messages call it ("the web server")."""

    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when the supervisor dies."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    return preexec


class _Stop:
    """Signal handlers: the first signal asks for a stop, the second for no more waiting."""

    def __init__(self) -> None:
        self.requested = 0
        self.signum: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested += 1
        self.signum = signum


def supervise(
    children: Sequence[Child],
    *,
    grace: float = 10.0,
    on_started: Callable[[], None] | None = None,
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
) -> int:
    """Start ``children``, wait for a stop signal or for one to exit, then stop them all.

    Returns 0 when stopped by a signal, 1 when a child exited by itself.
    """
    stop = _Stop()
    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    preexec = _die_with_parent()
    exit_code = 0
    try:
        for child in children:
            if stop.requested:
                break
            child.process = subprocess.Popen(  # noqa: S603  # our own argv, no shell
                child.argv, env=child.env, start_new_session=True, preexec_fn=preexec
            )
        if on_started is not None and not stop.requested:
            on_started()
        while not stop.requested:
            ended = next((c for c in children if c.process and c.process.poll() is not None), None)
            if ended is not None:
                code = ended.process.returncode if ended.process else None
                say(f"accord: {ended.name} stopped (exit code {code}); stopping the others.")
                exit_code = 1
                break
            time.sleep(POLL_SECONDS)
        _stop_all(children, grace=grace, stop=stop)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return exit_code


def _stop_all(children: Sequence[Child], *, grace: float, stop: _Stop) -> None:
    """SIGTERM each running child, wait up to ``grace`` seconds, then SIGKILL what is left."""
    running = [c.process for c in children if c.process and c.process.poll() is None]
    for process in running:
        _send(process, signal.SIGTERM)
    seen = stop.requested
    deadline = time.monotonic() + grace
    while running and time.monotonic() < deadline and stop.requested == seen:
        running = [p for p in running if p.poll() is None]
        if running:
            time.sleep(POLL_SECONDS / 2)
    for process in running:
        if process.poll() is None:
            _kill_group(process)
    for child in children:
        if child.process is not None:
            child.process.wait()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child and whatever it started (gunicorn's workers share its group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        _send(process, signal.SIGKILL)


def _send(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # exited between the poll and the signal
        process.send_signal(signum)
