"""What the commands that work on one task force share: choosing it.

``--task-force SLUG`` is optional when the database holds exactly one task force (the demo,
most installations); with none, several or an unknown slug the command stops with exit
status 2 and one sentence that lists the slugs there are, so the next try is right.
"""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from accord.accounts.models import TaskForce

#: Exit status of a command run with a task force it cannot use (bad usage).
EXIT_USAGE = 2


def add_task_force_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--task-force",
        dest="task_force",
        metavar="SLUG",
        help="the task force (optional when there is only one)",
    )


def task_force_option(slug: str | None) -> TaskForce:
    """The task force named by ``slug``, or the only one when ``slug`` is empty."""
    slugs = list(TaskForce.objects.order_by("slug").values_list("slug", flat=True))
    if slug:
        task_force = TaskForce.objects.filter(slug=slug).first()
        if task_force is not None:
            return task_force
        raise CommandError(
            f"There is no task force {slug!r}; {_choices(slugs)}", returncode=EXIT_USAGE
        )
    if len(slugs) == 1:
        return TaskForce.objects.get(slug=slugs[0])
    if not slugs:
        raise CommandError(
            "There is no task force yet: load one first (`accord demo --no-serve` for the demo).",
            returncode=EXIT_USAGE,
        )
    raise CommandError(
        f"There are {len(slugs)} task forces; {_choices(slugs)}", returncode=EXIT_USAGE
    )


def _choices(slugs: list[str]) -> str:
    if not slugs:
        return "there are none yet."
    return "name one with --task-force SLUG: " + ", ".join(slugs) + "."
