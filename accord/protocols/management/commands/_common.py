"""Shared by the protocol commands: choosing the task force and the version."""

from __future__ import annotations

from django.core.management.base import CommandError

from accord.accounts.management.options import add_task_force_argument, task_force_option
from accord.accounts.models import TaskForce
from accord.errors import NotFound
from accord.protocols.models import ProtocolVersion
from accord.protocols.selectors import version_for_task_force

__all__ = ["VersionOptionMixin", "add_task_force_argument", "task_force_option", "version_option"]


def version_option(task_force: TaskForce, number: int | None) -> ProtocolVersion:
    try:
        return version_for_task_force(task_force=task_force, number=number)
    except NotFound as error:
        raise CommandError(error.message) from error


class VersionOptionMixin:
    """Django's commands reserve ``--version`` (the Django version); ours means the
    protocol version, so later definitions replace earlier ones."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: object):
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)  # type: ignore[misc]
