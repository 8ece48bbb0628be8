"""Commands that work on one task force: the only one by default, else the slugs to choose from."""

from __future__ import annotations

import pytest

from accord.accounts.models import TaskForce
from accord.cli import main


@pytest.mark.django_db
def test_with_no_task_force_the_command_says_so_and_exits_2(capsys):
    assert main(["directory", "stale"]) == 2
    err = capsys.readouterr().err
    assert "There is no task force yet" in err and "Traceback" not in err


@pytest.mark.django_db
def test_the_only_task_force_is_used_without_naming_it(task_force, capsys):
    assert main(["directory", "stale"]) == 0
    assert "Not verified for" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "argv",
    [
        ["directory", "stale"],
        ["directory", "export"],
        ["protocol", "verify"],
        ["protocol", "drill"],
    ],
)
def test_with_several_task_forces_the_error_lists_their_slugs(task_force, argv, capsys):
    TaskForce.objects.create(slug="tf-elsewhere", name="Elsewhere Task Force")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "There are 2 task forces" in err
    assert "--task-force SLUG: north-bay, tf-elsewhere." in err


@pytest.mark.django_db
def test_an_unknown_slug_is_refused_with_the_slugs_there_are(task_force, capsys):
    TaskForce.objects.create(slug="tf-elsewhere", name="Elsewhere Task Force")
    assert main(["directory", "stale", "--task-force", "tf-nowhere"]) == 2
    err = capsys.readouterr().err
    assert "no task force 'tf-nowhere'" in err and "north-bay, tf-elsewhere" in err
    assert main(["directory", "stale", "--task-force", "tf-elsewhere"]) == 0
