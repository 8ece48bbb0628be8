"""Task boards, and taking or completing a task with the version you read (S23)."""

from __future__ import annotations

import pytest

from accord.cases.tests.conftest import open_case

from .conftest import get, post_json, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def board_task(people):
    """An open task of the HSI investigators, as their board shows it."""
    open_case(people["hsi"])
    board = get(signed_in(people["hsi"]), "/tasks/mine").json()
    return board["due"][0]


def test_my_board_shows_my_agencys_open_tasks_with_versions(people, board_task):
    assert board_task["may_take"] is True
    assert board_task["version"] >= 0
    agency_board = get(signed_in(people["hsi"]), "/tasks/agency").json()
    assert board_task["id"] in [t["id"] for t in agency_board["due"]]
    assert get(signed_in(people["rpd"]), "/tasks/mine").json() == {
        "overdue": [],
        "due": [],
        "done": [],
        "next_after": "",
    }


def test_a_board_comes_a_page_at_a_time(people, monkeypatch):
    """50 open tasks a page; ``next_after`` leads to the next, and the pages hold every task
    once."""
    from accord.sharing.door import boards

    monkeypatch.setattr(boards, "BOARD_LIMIT", 2)
    open_case(people["hsi"])
    open_case(people["hsi"])
    client = signed_in(people["hsi"])
    seen, after, pages = [], "", 0
    while True:
        board = get(client, f"/tasks/agency?after={after}").json()
        pages += 1
        seen += [t["id"] for t in board["overdue"] + board["due"]]
        after = board["next_after"]
        if not after:
            break
    assert pages >= 2
    assert len(seen) == len(set(seen)) > 2


def test_take_then_complete_with_the_current_version(people, board_task):
    client = signed_in(people["hsi"])
    taken = post_json(
        client, f"/tasks/{board_task['id']}/take", {"expected_version": board_task["version"]}
    )
    assert taken.status_code == 200
    assert taken.json()["status"].lower() == "taken"
    assert taken.json()["version"] == board_task["version"] + 1
    done = post_json(
        client, f"/tasks/{board_task['id']}/complete", {"expected_version": taken.json()["version"]}
    )
    assert done.status_code == 200 and done.json()["status"].lower() == "done"
    board = get(client, "/tasks/mine").json()
    assert board_task["id"] in [t["id"] for t in board["done"]]


def test_a_stale_version_is_refused_409_and_nothing_changes(people, board_task):
    client = signed_in(people["hsi"])
    post_json(
        client, f"/tasks/{board_task['id']}/take", {"expected_version": board_task["version"]}
    )
    stale = post_json(
        client, f"/tasks/{board_task['id']}/complete", {"expected_version": board_task["version"]}
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"] == "conflict" and "changed by someone else" in body["message"]
    row = next(t for t in get(client, "/tasks/mine").json()["due"] if t["id"] == board_task["id"])
    assert row["status"].lower() == "taken"


def test_the_version_is_required_and_named_when_missing(people, board_task):
    response = post_json(signed_in(people["hsi"]), f"/tasks/{board_task['id']}/take", {})
    assert response.status_code == 422
    assert response.json()["field"] == "expected_version"


def test_another_agencys_task_is_refused(people, board_task):
    """On a case the caller's agency works: 403 naming whose task it is."""
    from django.utils import timezone

    from accord.cases.models import CaseParticipant

    CaseParticipant.objects.create(
        case_id=board_task["case_id"], agency=people["rpd"].agency, joined_at=timezone.now()
    )
    response = post_json(
        signed_in(people["rpd"]),
        f"/tasks/{board_task['id']}/take",
        {"expected_version": board_task["version"]},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_a_task_of_a_case_the_caller_cannot_see_is_404_like_a_missing_one(people, board_task):
    """Issue 12, item 5: never "this task belongs to <agency>" for a case one may not open."""
    client = signed_in(people["rpd"])
    seen = post_json(client, f"/tasks/{board_task['id']}/take", {"expected_version": 1})
    missing = post_json(client, "/tasks/999999/take", {"expected_version": 1})
    assert seen.status_code == missing.status_code == 404
    assert seen.json() == missing.json()


def test_another_task_forces_task_is_404(make_member, board_task):
    from accord.accounts.models import TaskForce

    elsewhere = TaskForce.objects.create(slug="tf-elsewhere", name="Elsewhere Task Force")
    outsider = make_member(
        "otto.elsewhere",
        roles=["investigator"],
        agency_slug="hsi-riverton",
        task_force_obj=elsewhere,
    )
    response = post_json(
        signed_in(outsider),
        f"/tasks/{board_task['id']}/take",
        {"expected_version": board_task["version"]},
    )
    assert response.status_code == 404
