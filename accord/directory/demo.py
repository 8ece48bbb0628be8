"""The demo task force's directory: the invented HSDS file in examples/directory/."""

from __future__ import annotations

from django.conf import settings

from accord.accounts.models import TaskForce

from .selectors import Operator
from .services import ImportSource, directory_import

DEMO_FILE = settings.REPO_DIR / "examples" / "directory" / "example-county.json"


def load(*, task_force: TaskForce) -> None:
    directory_import(
        actor=Operator(),
        task_force=task_force,
        source=ImportSource(path=DEMO_FILE, name="examples/directory/example-county.json"),
    )
