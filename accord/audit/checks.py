"""System check ``accord.audit.E001``: the audit tables carry their append-only triggers (S16).

A migration that alters an audit table on SQLite rebuilds it and drops its triggers without a
word (that is how 0003 lost those of 0002). Once every audit migration is applied, each
trigger of ``accord.audit.triggers`` must be in the catalog and enabled; ``accord migrate``,
``accord manage check --database default`` and ``accord audit verify`` report it when one is
not. While audit migrations are pending the check stays quiet: the last one installs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.checks import CheckMessage, Error
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader

from .triggers import EVENTS, missing_triggers


def audit_migrations_applied(connection: Any) -> bool:
    """Whether the audit app is migrated to its latest migration on this connection."""
    loader = MigrationLoader(connection)
    leaves = [node for node in loader.graph.leaf_nodes() if node[0] == "audit"]
    return bool(leaves) and all(leaf in loader.applied_migrations for leaf in leaves)


def trigger_problem(connection: Any) -> str:
    """A sentence naming the missing triggers, or "" when all are in place (or not yet due)."""
    try:
        if EVENTS not in connection.introspection.table_names():
            return ""
        if not audit_migrations_applied(connection):
            return ""
        missing = missing_triggers(connection)
    except DatabaseError:  # an unreachable database is another check's business
        return ""
    if not missing:
        return ""
    return (
        "The audit tables are not append-only: these database triggers are missing or "
        f"disabled: {', '.join(missing)}."
    )


def check_append_only_triggers(
    app_configs: Iterable[Any] | None = None,
    databases: Iterable[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for alias in databases or ():
        problem = trigger_problem(connections[alias])
        if problem:
            errors.append(
                Error(
                    problem,
                    hint=(
                        "A migration altered an audit table after its triggers were installed, "
                        "or someone dropped them. Reinstall them with `accord audit triggers "
                        "--install`, then run `accord audit verify` against your checkpoints."
                    ),
                    id="accord.audit.E001",
                )
            )
    return errors
