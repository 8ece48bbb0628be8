"""Shared by the protocol commands: choosing the task force and the version."""

from __future__ import annotations

from django.core.management.base import CommandError

from accord.accounts.models import TaskForce
from accord.errors import NotFound
from accord.protocols.models import ProtocolVersion
from accord.protocols.selectors import version_for_task_force


def task_force_option(slug: str | None) -> TaskForce:
    if slug:
        task_force = TaskForce.objects.filter(slug=slug).first()
        if task_force is None:
            raise CommandError(f"No task force {slug!r}.")
        return task_force
    task_forces = list(TaskForce.objects.all()[:2])
    if len(task_forces) != 1:
        raise CommandError("Name the task force with --task-force SLUG.")
    return task_forces[0]


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
