"""The ``accord`` command.

``accord protocol check|eval|export|import`` work on a file alone and never start
Django (the protocol core is a library). Everything else sets Django up with
``DJANGO_SETTINGS_MODULE`` (default: the demo settings) and runs a management
command, so operators can use ``manage.py`` for the same things.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from accord.errors import AccordError

#: ``accord GROUP VERB`` -> management command name (arguments after VERB are passed through).
COMMANDS: dict[tuple[str, str], str] = {
    ("audit", "verify"): "audit_verify",
    ("audit", "purge"): "audit_purge",
    ("audit", "checkpoint"): "audit_checkpoint",
    ("audit", "triggers"): "audit_triggers",
    ("audit", "seal"): "audit_seal",
    ("directory", "import"): "directory_import",
    ("directory", "export"): "directory_export",
    ("directory", "stale"): "directory_stale",
    ("protocol", "verify"): "protocol_verify",
    ("protocol", "drill"): "protocol_drill",
    ("users", "disable-inactive"): "users_disable_inactive",
    ("keys", "rotate"): "keys_rotate",
    ("jobs", "run"): "jobs_run",
    ("jobs", "status"): "jobs_status",
    ("mail", "test"): "mail_test",
}
#: Protocol verbs handled by the pure core.
CORE_PROTOCOL_VERBS = frozenset({"check", "eval", "export", "import"})

USAGE = """usage: accord COMMAND [ARGS]

  demo [--no-serve] [--reset] [--port N]   set up the demo task force and serve it
  demo code USERNAME                       print a demo user's current second-factor code
  serve [--host H] [--port N] [--no-worker]  serve Accord (web server + background worker)
  migrate                                  create or update the database
  audit verify [--checkpoint FILE ...] [--jobs N]  check the audit trail's hash chains
                                           (0 intact, 1 broken, 2 bad usage or checkpoint file)
  audit seal                               seal pending record reads into the chains now
  audit checkpoint [-o FILE]               sign where the verified chain ends; keep it elsewhere
  audit triggers [--install]               check (or put back) the append-only triggers
  audit purge --before YYYY-MM-DD          remove events older than the retention period
  backup -o FILE | restore FILE            encrypted whole-database backup and restore
  keys rotate                              re-encrypt stored values under the newest key
  protocol check|eval|export|import FILE   work on a protocol file (no database needed)
  protocol verify --version N              verify a stored protocol version
  protocol drill [--version N] [--compare M]  run the tabletop drill scenarios
  directory import PATH | export [-o FILE] HSDS 3.0 interchange
      (these take --task-force SLUG, optional when there is only one task force)
  users disable-inactive                   disable accounts inactive past the limit
  jobs run [--once]                        run the periodic jobs when due (serve starts it)
  jobs status                              each periodic job's last run and next due time
  mail test ADDRESS                        send a test e-mail and print the outcome
  manage ARGS...                           any Django management command
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    group, rest = args[0], args[1:]
    try:
        if group == "protocol" and rest and rest[0] in CORE_PROTOCOL_VERBS:
            from accord.core.cli import main as core_main
            from accord.core.cli import process_started

            return core_main(rest, started=process_started())
        return _django_main(group, rest)
    except AccordError as error:
        print(f"accord: {error.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _django_main(group: str, rest: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.dev")
    from accord.runtime import ensure_var_dir

    ensure_var_dir()
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        if group == "demo":
            from accord.runtime import demo_command

            return demo_command(rest)
        if group == "serve":
            from accord.runtime import serve_command

            return serve_command(rest)
        if group in {"backup", "restore"}:
            call_command(group, *rest)
            return 0
        if group == "migrate":
            call_command("migrate", *rest)
            return 0
        if group == "manage":
            from django.core.management import execute_from_command_line

            execute_from_command_line(["accord manage", *rest])
            return 0
        if not rest:
            print(USAGE, file=sys.stderr)
            return 2
        command = COMMANDS.get((group, rest[0]))
        if command is None:
            print(f"accord: unknown command '{group} {rest[0]}'\n\n{USAGE}", file=sys.stderr)
            return 2
        from django.core.management import get_commands

        if command not in get_commands():
            print(
                f"accord: '{group} {rest[0]}' is not available in this installation",
                file=sys.stderr,
            )
            return 2
        call_command(command, *rest[1:])
        return 0
    except CommandError as error:
        print(f"accord: {error}", file=sys.stderr)
        return getattr(error, "returncode", 1) or 1
    except SystemExit as exit_:
        return int(exit_.code or 0)


if __name__ == "__main__":
    raise SystemExit(main())
