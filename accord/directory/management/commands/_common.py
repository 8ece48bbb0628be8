"""Shared by the directory commands: choosing the task force (one helper for every command)."""

from __future__ import annotations

from accord.accounts.management.options import add_task_force_argument, task_force_option

__all__ = ["add_task_force_argument", "task_force_option"]
