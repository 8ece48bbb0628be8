"""Issue 15: intakes at the same moment are never refused, never numbered twice, never lost.

Each writer is a thread with its own database connection, all released at once by a
barrier. The suite runs this on SQLite (a database file like production's, where
IMMEDIATE transactions queue the writers) and, when DATABASE_URL points to PostgreSQL,
on PostgreSQL (the counter row lock).
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from accord.accounts.counters import PROTOCOL_VERSION_SERIES, case_series
from accord.accounts.models import Counter, User
from accord.audit.verify import verify_chain
from accord.cases.models import Case, PotentialVictim
from accord.cases.services import VictimInput, victim_add, victim_remove
from accord.protocols.models import ProtocolVersion
from accord.protocols.services import protocol_version_copy_in_force

from .conftest import open_case

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 50


def _use_database(name: str) -> None:
    connections.settings["default"]["NAME"] = name


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any) -> Path:
    """A migrated SQLite database file, made once for the module and copied per test."""
    path = tmp_path_factory.mktemp("intake") / "migrated.sqlite3"
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            kept_name, kept_connection = connection.settings_dict["NAME"], connection.connection
            connection.connection = None  # closing it would destroy the in-memory database
            _use_database(str(path))
            try:
                call_command("migrate", verbosity=0)
            finally:
                connection.close()
                _use_database(kept_name)
                connection.connection = kept_connection
    return path


@pytest.fixture
def database_file(transactional_db: None, migrated_file: Path, tmp_path: Path) -> Iterator[None]:
    """On SQLite, threaded tests run on a database file in WAL mode, as production does.

    The suite's in-memory SQLite database is shared-cache: its table locks fail at once
    ("database table is locked") instead of waiting, which production never sees. The
    in-memory connection is put aside (closing it would destroy the suite's database)
    and given back afterwards.
    """
    if connection.vendor != "sqlite":
        yield
        return
    path = tmp_path / "threads.sqlite3"
    shutil.copyfile(migrated_file, path)
    kept_name, kept_connection = connection.settings_dict["NAME"], connection.connection
    connection.connection = None
    _use_database(str(path))
    try:
        yield
    finally:
        connection.close()
        _use_database(kept_name)
        connection.connection = kept_connection


def run_at_once(count: int, work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    """``work(i)`` for i in 0..count-1, each in its own thread and connection, started together."""
    barrier = threading.Barrier(count)

    def one(index: int) -> Any:
        try:
            barrier.wait(timeout=60)
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(one, i) for i in range(count)]
    results = [f.result() for f in futures if f.exception() is None]
    errors = [error for f in futures if (error := f.exception()) is not None]
    return results, errors


@pytest.mark.usefixtures("database_file")
def test_fifty_intakes_at_the_same_moment_all_open_each_with_its_own_number(people):
    actor_id = people["rpd"].pk
    tokens = [uuid.uuid4().hex for _ in range(WRITERS)]

    def intake(index: int) -> str:
        case = open_case(User.objects.get(pk=actor_id), token=tokens[index])
        return case.number

    numbers, refusals = run_at_once(WRITERS, intake)

    assert refusals == []
    assert len(numbers) == WRITERS
    assert len(set(numbers)) == WRITERS  # no duplicate numbers
    stored = Case.objects.filter(intake_token__in=tokens)
    assert stored.count() == WRITERS  # no lost writes
    assert sorted(stored.values_list("sequence", flat=True)) == list(range(1, WRITERS + 1))
    assert sorted(stored.values_list("number", flat=True)) == sorted(numbers)
    assert PotentialVictim.objects.filter(case__in=stored).count() == WRITERS
    assert verify_chain().ok


def test_the_counter_starts_after_numbers_already_stored(people):
    """A case numbered before the counter existed (older data) is never numbered again."""
    first = open_case(people["rpd"])
    Counter.objects.filter(name=case_series(first.year)).delete()
    Case.objects.filter(pk=first.pk).update(sequence=41)

    second = open_case(people["rpd"])

    assert second.sequence == 42
    assert second.number.endswith("-0042")


def test_a_removed_victims_name_is_not_given_to_the_next_one(people):
    case = open_case(people["rpd"], victims=0)
    rpd = people["rpd"]
    first = victim_add(actor=rpd, case=case, data=VictimInput())
    second = victim_add(actor=rpd, case=case, data=VictimInput())
    victim_remove(actor=rpd, victim_id=first.pk, reason="recorded twice", expected_version=1)

    third = victim_add(actor=rpd, case=case, data=VictimInput())

    assert (first.pseudonym, second.pseudonym, third.pseudonym) == (
        "Victim 1",
        "Victim 2",
        "Victim 3",
    )


@pytest.mark.usefixtures("database_file")
def test_victims_added_at_the_same_moment_get_different_names(people):
    case = open_case(people["rpd"], victims=0)
    actor_id = people["rpd"].pk

    def add(_index: int) -> str:
        actor = User.objects.get(pk=actor_id)
        return victim_add(actor=actor, case=case.pk, data=VictimInput()).pseudonym

    names, refusals = run_at_once(8, add)

    assert refusals == []
    assert sorted(names) == [f"Victim {i}" for i in range(1, 9)]


@pytest.mark.usefixtures("database_file")
def test_protocol_versions_drafted_at_the_same_moment_are_numbered_in_turn(people):
    coordinator_id = people["coordinator"].pk

    def draft(_index: int) -> int:
        coordinator = User.objects.get(pk=coordinator_id)
        return protocol_version_copy_in_force(
            actor=coordinator, task_force=coordinator.agency.task_force
        ).number

    numbers, refusals = run_at_once(6, draft)

    assert refusals == []
    assert sorted(numbers) == [2, 3, 4, 5, 6, 7]  # version 1 is in force (fixture)
    counter = Counter.objects.get(name=PROTOCOL_VERSION_SERIES)
    assert counter.value == 7
    assert ProtocolVersion.objects.count() == 7


def test_the_migration_starts_each_series_after_the_numbers_stored(people):
    """Counters made by the data migrations continue the numbers already in the database."""
    from django.db.migrations.executor import MigrationExecutor

    first = open_case(people["rpd"])
    Case.objects.filter(pk=first.pk).update(sequence=7)
    before = [
        ("cases", "0007_case_list_index"),
        ("protocols", "0002_acceptedrisk_drillscenario_signoff"),
    ]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        assert not Counter.objects.exists()  # as before the counters existed
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        assert Counter.objects.get(name=case_series(first.year)).value == 7
        assert Counter.objects.get(name=PROTOCOL_VERSION_SERIES).value == 1
        assert open_case(people["rpd"]).sequence == 8
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
