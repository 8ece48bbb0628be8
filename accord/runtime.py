"""Running Accord: the data directory, ``accord demo`` and ``accord serve``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from accord.errors import ConfigurationError


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


def _parse_serve(args: list[str], *, prog: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start the background worker and the periodic job runner",
    )
    parser.add_argument("--threads", type=int, default=8)
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


#: The background processes ``accord serve`` starts beside the web server (management commands):
#: the django-tasks worker (mail right after a change, long imports) and the periodic job runner
#: (escalations, reminders, retrying mail; exactly once however many servers run).
BACKGROUND_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("db_worker", "--interval", "2", "--no-reload"),
    ("jobs_run",),
)


def _serve(options: argparse.Namespace) -> int:
    """Serve with waitress; the task worker and the periodic job runner run beside it."""
    from waitress import serve

    from accord.wsgi import application

    children: list[subprocess.Popen[bytes]] = []
    if not options.no_worker:
        children = [
            subprocess.Popen(  # noqa: S603 (our own interpreter and fixed command names)
                [sys.executable, "-m", "accord.cli", "manage", *command],
                env=os.environ.copy(),
            )
            for command in BACKGROUND_COMMANDS
        ]
    print(
        f"Accord is serving on http://{options.host}:{options.port}/  (Ctrl-C stops it)", flush=True
    )
    try:
        serve(
            application,
            host=options.host,
            port=options.port,
            threads=options.threads,
            ident="Accord",
        )
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=10)
    return 0
