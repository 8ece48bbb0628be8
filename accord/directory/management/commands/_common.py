"""Shared by the directory commands: choosing the task force."""

from __future__ import annotations

from django.core.management.base import CommandError

from accord.accounts.models import TaskForce


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
