"""Fixtures shared by every app's tests: members of a task force, signed in with both factors.

Users come from ``accord.accounts.tests.factories`` (one password, a confirmed
TOTP device each), so browser journeys can sign them in for real.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import pytest

# NumPy's OpenBLAS (the report tests' attacker solves linear systems) starts a thread per core
# and spins them between calls: with a test worker per core the threads fight the workers for
# the cores (the differencing test took 21.5 s of CPU with them, 6.4 s with one thread). Set
# before anything imports NumPy; a worker inherits it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
from django.test import Client

#: The longest test files, longest first (measured 2026-12-07 with ``--junitxml``: every file of
#: 40 s or more, and every browser journey), run first: ``make test`` hands each worker the next
#: whole file (pytest-xdist ``--dist loadfile``), so a long file started last would leave the
#: other workers idle while it finishes (collection order put the browser journeys last).
SLOW_FIRST = (
    "tests/browser/test_accessibility.py",
    "accord/protocols/tests/test_section_views.py",
    "accord/sharing/tests/test_s9_channels.py",
    "accord/sharing/tests/test_policy_properties.py",
    "accord/web/tests/test_human_words.py",
    "tests/browser/test_case_travels.py",
    "accord/directory/tests/test_confidential.py",
    "tests/test_readme_commands.py",
    "tests/test_serve.py",
    "accord/cases/tests/test_concurrent_intake.py",
    "tests/test_cli.py",
    "accord/reports/tests/test_rollups.py",
    "tests/browser/test_phone_width.py",
    "accord/protocols/tests/test_editor_fixes.py",
    "accord/directory/tests/test_hsds.py",
    "accord/directory/tests/test_editing.py",
    "accord/protocols/tests/test_handbook.py",
    "accord/directory/tests/test_disclosure.py",
    "accord/core/tests/test_verify_limits.py",
    "accord/protocols/tests/test_services.py",
    "accord/directory/tests/test_address_protection.py",
    "accord/reports/tests/test_views.py",
    "accord/protocols/tests/test_views.py",
    "accord/protocols/tests/test_editor.py",
    "accord/protocols/tests/test_editor_views.py",
    "tests/browser/test_protocol_signoff.py",
    "tests/browser/test_dashboards.py",
    "accord/core/tests/test_dump_sections.py",
    "accord/sharing/tests/test_decision_cache.py",
    "tests/browser/test_directory_upkeep.py",
    "tests/browser/test_guided_sections.py",
    "accord/protocols/tests/test_editor_speed.py",
    "accord/reports/tests/test_differencing.py",
    "accord/sharing/tests/test_advocate_notes.py",
    "tests/browser/test_guided_fixes.py",
    "accord/directory/tests/test_bad_input.py",
    "tests/browser/test_case_response.py",
    "accord/web/tests/test_deployment.py",
    "accord/directory/tests/test_services.py",
    "accord/cases/tests/test_escalation_runner.py",
    "accord/cases/tests/test_case_team.py",
    "tests/browser/test_consent.py",
    "tests/browser/test_guided_editor.py",
    "accord/protocols/tests/test_diff.py",
    "accord/protocols/tests/test_dmn_import.py",
    "accord/core/tests/test_dump.py",
    "accord/core/tests/test_verify_bruteforce.py",
    "accord/core/tests/test_emit.py",
    "accord/reports/tests/test_suppression.py",
    "accord/protocols/tests/test_legal_constants.py",
    "accord/accounts/tests/test_mfa_required.py",
    "tests/browser/test_reports.py",
    "tests/browser/test_case_team.py",
    "tests/browser/test_directory_search.py",
    "tests/browser/test_sign_in.py",
    "tests/browser/test_training_compliance.py",
)

#: Fixtures through which a test reaches the test database.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


#: Tests of the command line, the server and the browser journeys: they start processes.
PROCESS_TESTS = Path(__file__).resolve().parent / "tests"


@cache
def _starts_processes(path: Path) -> bool:
    """A test module that runs commands or processes, which reach whichever database is set."""
    if path.is_relative_to(PROCESS_TESTS):
        return True
    text = path.read_text(encoding="utf-8")
    return "subprocess" in text or "call_command" in text


def touches_database(item: pytest.Item) -> bool:
    """Whether ``item`` can behave differently on another database engine."""
    if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(
        getattr(item, "fixturenames", ())
    ):
        return True
    return _starts_processes(Path(str(item.path)))


#: The test modules whose outcome a database engine can change most, which CI runs again on
#: PostgreSQL (``ACCORD_ENGINE_TESTS_ONLY=1``): its triggers (audit chain, report roll-ups),
#: locks and counters (intake numbers, lockout, jobs claims), the case list's SQL (search by
#: trigram, filters, keyset pages), the report SQL (time zones in grouping), migrations that
#: move data, the read door, and the leak test through every channel. The rest (pages, forms, words, the protocol core) runs the same ORM code on
#: either engine and runs once, on SQLite: the whole suite twice no longer fits CI's time.
ENGINE_TESTS = (
    "accord/accounts/tests/test_lockout.py",
    "accord/accounts/tests/test_lockout_window.py",
    "accord/audit/tests/test_attacks.py",
    "accord/audit/tests/test_chain.py",
    "accord/audit/tests/test_chains.py",
    "accord/audit/tests/test_read_batches.py",
    "accord/audit/tests/test_triggers.py",
    "accord/audit/tests/test_upgrade.py",
    "accord/cases/tests/test_case_list.py",
    "accord/cases/tests/test_concurrent_intake.py",
    "accord/cases/tests/test_escalation_runner.py",
    "accord/cases/tests/test_lists_on_postgres.py",
    "accord/directory/tests/test_address_protection.py",
    "accord/directory/tests/test_search.py",
    "accord/jobs/tests/test_claim_race.py",
    "accord/jobs/tests/test_runs.py",
    "accord/reports/tests/test_rollups.py",
    "accord/reports/tests/test_sql_counts.py",
    "accord/reports/tests/test_time_zone.py",
    "accord/sharing/tests/test_one_door.py",
    "accord/sharing/tests/test_s9_channels.py",
)


def engine_sensitive(item: pytest.Item) -> bool:
    """Whether CI's PostgreSQL run repeats ``item`` (see ``ENGINE_TESTS``)."""
    if item.get_closest_marker("postgres"):
        return True
    path = item.nodeid.split("::")[0]
    return touches_database(item) and path.startswith(ENGINE_TESTS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {path: position for position, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
    if os.environ.get("ACCORD_ENGINE_TESTS_ONLY"):
        kept = [item for item in items if engine_sensitive(item)]
        if len(kept) < len(items):
            config.hook.pytest_deselected(items=[i for i in items if not engine_sensitive(i)])
            items[:] = kept


@pytest.fixture
def task_force(db):
    from accord.accounts.models import TaskForce

    return TaskForce.objects.create(slug="tf-test", name="Testville Task Force")


@pytest.fixture
def make_member(db, task_force) -> Callable[..., object]:
    """Create a user of a (new or named) agency with roles and a confirmed TOTP device."""
    from accord.accounts.models import Agency
    from accord.accounts.tests.factories import make_user

    def make(
        username: str,
        *,
        roles: Iterable[str] = (),
        agency_slug: str = "agency-a",
        sector: str = "law_enforcement_local",
        task_force_obj=None,
    ):
        tf = task_force_obj or task_force
        agency, _ = Agency.objects.get_or_create(
            task_force=tf,
            slug=agency_slug,
            defaults={"name": agency_slug.title(), "sector": sector},
        )
        return make_user(agency, username, roles=tuple(roles))

    return make


def sign_in(client: Client, user) -> Client:
    """A fully authenticated session (password + second factor) without walking the forms.

    Tests of the sign-in journey itself use ``accord.accounts.tests.factories.login_fully``.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.filter(user=user).first().persistent_id
    session.save()
    return client


@pytest.fixture
def member_client(make_member) -> Callable[..., Client]:
    def make(username: str = "member", **kwargs) -> Client:
        return sign_in(Client(), make_member(username, **kwargs))

    return make
