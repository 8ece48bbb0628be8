"""Writers of one process take SQLite's write lock first come, first served (issue 15)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from accord.sqlite.base import Turns, turns_for


def _wait_until(condition, *, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the waiter never queued"
        time.sleep(0.001)


def test_waiting_writers_are_served_in_the_order_they_came():
    turns = Turns()
    served: list[str] = []
    assert turns.acquire(timeout=1)

    def writer(name: str) -> None:
        assert turns.acquire(timeout=10)
        served.append(name)
        turns.release()

    threads = []
    for position, name in enumerate(["first", "second", "third", "fourth"], start=1):
        thread = threading.Thread(target=writer, args=(name,))
        thread.start()
        threads.append(thread)
        _wait_until(lambda position=position: len(turns._waiting) == position)
    turns.release()
    for thread in threads:
        thread.join(10)

    assert served == ["first", "second", "third", "fourth"]


def test_a_writer_that_gives_up_leaves_the_queue_and_the_next_one_is_served():
    turns = Turns()
    assert turns.acquire(timeout=1)
    outcome: dict[str, bool] = {}

    def impatient() -> None:
        outcome["impatient"] = turns.acquire(timeout=0.01)

    thread = threading.Thread(target=impatient)
    thread.start()
    thread.join(10)
    assert outcome == {"impatient": False}
    assert not turns._waiting

    turns.release()
    assert turns.acquire(timeout=0.01)  # free again: nobody holds a turn they gave up


@pytest.mark.django_db(transaction=True)
def test_a_write_transaction_holds_the_turn_until_it_commits_or_rolls_back():
    if connection.vendor != "sqlite":
        pytest.skip("the turns queue SQLite's writers only")
    turns = turns_for(str(connection.settings_dict["NAME"]))
    assert not turns._held
    with transaction.atomic():
        assert turns._held
        with transaction.atomic():  # a savepoint takes no second turn
            assert turns._held
    assert not turns._held
    with pytest.raises(RuntimeError), transaction.atomic():
        raise RuntimeError
    assert not turns._held


@pytest.mark.django_db(transaction=True)
def test_work_run_on_commit_may_write_again():
    """Hooks run after the commit (e-mail jobs, notifications) open their own transaction:
    the turn is given back before they run, or the thread would wait for itself."""
    if connection.vendor != "sqlite":
        pytest.skip("the turns queue SQLite's writers only")
    turns = turns_for(str(connection.settings_dict["NAME"]))
    seen: list[bool] = []

    def write_again() -> None:
        with transaction.atomic():
            seen.append(turns._held)

    with transaction.atomic():
        transaction.on_commit(write_again)

    assert seen == [True]
    assert not turns._held
