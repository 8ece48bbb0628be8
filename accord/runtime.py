"""Running Accord: the data directory, ``accord demo`` and ``accord serve``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from accord.errors import ConfigurationError
from accord.supervisor import Child, supervise

#: How long web requests and a running task get to finish when the service is stopped.
GRACE_SECONDS = 10.0


def ensure_var_dir() -> Path:
    """Create the data directory or explain, in one sentence, why it cannot be used."""
    from accord.settings.base import VAR_DIR

    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=VAR_DIR, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise ConfigurationError(
            f"The data directory {VAR_DIR} cannot be created or written ({exc.strerror}). "
            "Set ACCORD_VAR_DIR to a writable directory."
        ) from None
    return VAR_DIR


def default_workers() -> int:
    """One web process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def _parse_serve(args: list[str], *, prog: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--workers",
        type=_positive,
        default=default_workers(),
        help="web processes (default: one per core, here %(default)s)",
    )
    parser.add_argument(
        "--threads", type=_positive, default=4, help="threads per web process (default 4)"
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start the background worker and the periodic job runner",
    )
    parser.add_argument(
        "--access-log", action="store_true", help="log every request to standard output"
    )
    if prog.endswith("demo"):
        parser.add_argument("--no-serve", action="store_true", help="set up only; do not serve")
        parser.add_argument("--reset", action="store_true", help="delete the demo database first")
    return parser.parse_args(args)


def demo_command(args: list[str]) -> int:
    from django.conf import settings

    if not settings.ACCORD_ALLOW_DEMO_TOTP:
        raise ConfigurationError(
            "The demo cannot be loaded with these settings (production refuses it)."
        )
    if args[:1] == ["code"]:
        return _print_demo_code(args[1:])
    options = _parse_serve(args, prog="accord demo")
    from django.core.management import call_command

    if options.reset:
        database = Path(settings.DATABASES["default"]["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        from django.db import connections

        connections.close_all()
    call_command("migrate", verbosity=0)
    from accord.demo import load_demo

    logins = load_demo()
    print(logins.as_text())
    if options.no_serve:
        return 0
    return _serve(options)


def _print_demo_code(args: list[str]) -> int:
    from accord.demo import current_code

    if len(args) != 1:
        print("usage: accord demo code USERNAME", file=sys.stderr)
        return 2
    print(current_code(args[0]))
    return 0


def serve_command(args: list[str]) -> int:
    return _serve(_parse_serve(args, prog="accord serve"))


#: The processes ``accord serve`` starts beside the web server: (what messages call it, the
#: management command): the django-tasks worker (mail right after a change, long imports) and
#: the periodic job runner (escalations, reminders, retrying mail; exactly once however many
#: servers run). One more background duty is one more line here.
BACKGROUND_COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("the background worker", ("background_worker", "--interval", "2", "--no-reload")),
    ("the periodic job runner", ("jobs_run",)),
)


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def serve_children(options: argparse.Namespace) -> list[Child]:
    """The processes ``accord serve`` runs: gunicorn (N web processes) and the background worker.

    gunicorn's ``gthread`` workers: each process serves ``--threads`` requests at once (waiting on
    the database or a slow client costs a thread, not a process); ``--preload`` imports Django once
    in gunicorn's master, so a broken installation fails before any worker starts.
    """
    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "accord.wsgi:application",
        "--bind",
        _bind_address(options.host, options.port),
        "--workers",
        str(options.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(options.threads),
        "--preload",
        "--graceful-timeout",
        str(int(GRACE_SECONDS) - 2),
        "--timeout",
        "120",
        "--name",
        "accord",
    ]
    if options.access_log:
        web += ["--access-logfile", "-"]
    children = [Child("the web server", web)]
    if not options.no_worker:
        children += [
            Child(name, [sys.executable, "-m", "accord.cli", "manage", *command])
            for name, command in BACKGROUND_COMMANDS
        ]
    return children


def _serve(options: argparse.Namespace) -> int:
    """Run the web processes and the background processes until a signal stops them all."""
    from django.db import connections

    connections.close_all()  # the children open their own
    children = serve_children(options)
    processes = "1 web process" if options.workers == 1 else f"{options.workers} web processes"
    beside = [child.name for child in children[1:]] or ["no background processes"]

    def started() -> None:
        print(
            f"Accord is serving on http://{_bind_address(options.host, options.port)}/ "
            f"with {processes} and {', '.join(beside)} (Ctrl-C stops them all)",
            flush=True,
        )

    return supervise(children, grace=GRACE_SECONDS, on_started=started)
