"""Overdue tasks escalate with nothing but ``accord serve`` running, once however many servers run.

The in-process test runs one tick of the periodic runner. The end-to-end tests copy a SQLite
database holding one overdue task into a temporary ACCORD_VAR_DIR, start one or two real
``accord serve`` processes on free ports with the runner's tick shortened to a second, and
watch the database: the task is escalated, by exactly one run of the job, with one timeline
entry and one e-mail per person told.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accord.cases.models import CaseEvent, Notification, Task
from accord.jobs.services import jobs_run_due

from .conftest import open_case

REPO = Path(__file__).resolve().parents[3]
OPEN = ("open", "in_progress")


def _make_overdue(people) -> Task:
    case = open_case(people["rpd"])
    task = Task.objects.filter(case=case, status__in=OPEN).order_by("due_at").first()
    assert task is not None
    Task.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(hours=2))
    assert Task.objects.filter(due_at__lt=timezone.now(), status__in=OPEN).count() == 1
    return task


@pytest.mark.django_db
def test_one_tick_of_the_runner_escalates_an_overdue_task_once(
    people, django_capture_on_commit_callbacks
):
    task = _make_overdue(people)
    with django_capture_on_commit_callbacks(execute=True):
        first = {r.name: r for r in jobs_run_due(holder="web-1")}
        again = jobs_run_due(holder="web-2")
    assert first["tasks.escalate"].summary == "1 overdue task escalated"
    assert "tasks.escalate" not in [r.name for r in again]
    task.refresh_from_db()
    assert task.escalated_at is not None
    assert CaseEvent.objects.filter(case=task.case, kind="task_escalated").count() == 1
    assert Notification.objects.filter(kind="task_escalated").exists()


# --- end to end: real `accord serve` processes -------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _copy_database(target: Path) -> None:
    """The test database (committed data: a transactional test) into a file ``serve`` opens."""
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)


def _serve(var_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ACCORD_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="accord.settings.dev",
        ACCORD_VAR_DIR=str(var_dir),
        ACCORD_JOBS_TICK_SECONDS="1",
        ACCORD_SECRET_KEY=settings.SECRET_KEY,
        ACCORD_AUDIT_KEY=settings.ACCORD_AUDIT_KEY,
        ACCORD_ENCRYPTION_KEYS=settings.ACCORD_ENCRYPTION_KEYS,
    )
    return subprocess.Popen(  # its own process group: the test ends it and its children
        [sys.executable, "-m", "accord.cli", "serve", "--port", str(_free_port())],
        cwd=REPO,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(servers: list[subprocess.Popen[bytes]]) -> None:
    for server in servers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _query(database: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
        return db.execute(sql, args).fetchall()


def _wait_for(condition, *, seconds: float, servers, logs) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if any(server.poll() is not None for server in servers):
            break
        time.sleep(0.5)
    output = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
    raise AssertionError(f"not seen in {seconds} s\n{output}")


def _run_servers(count: int, people, tmp_path: Path) -> tuple[Task, Path, list[Path]]:
    if connection.vendor != "sqlite":
        pytest.skip("the serve test copies the SQLite test database; the race runs on both")
    task = _make_overdue(people)
    database = tmp_path / "accord.sqlite3"
    _copy_database(database)
    logs = [tmp_path / f"serve-{i}.log" for i in range(count)]
    servers = [_serve(tmp_path, log) for log in logs]
    try:

        def escalated() -> bool:
            rows = _query(database, "SELECT escalated_at FROM cases_task WHERE id = ?", task.pk)
            return bool(rows and rows[0][0])

        _wait_for(escalated, seconds=120, servers=servers, logs=logs)

        def every_runner_started_and_ticked() -> bool:
            texts = [log.read_text(errors="replace") for log in logs]
            return all("Periodic jobs: runner" in text for text in texts)

        _wait_for(every_runner_started_and_ticked, seconds=60, servers=servers, logs=logs)
        time.sleep(4)  # several more ticks of every runner: nothing may run the job again

        def mail_sent() -> bool:
            waiting = _query(
                database,
                "SELECT count(*) FROM jobs_outboxemail WHERE sent_at IS NULL",
            )
            return waiting[0][0] == 0

        _wait_for(mail_sent, seconds=60, servers=servers, logs=logs)
    finally:
        _stop(servers)
    return task, database, logs


def _assert_escalated_once(task: Task, database: Path) -> None:
    runs = _query(database, "SELECT runs, outcome FROM jobs_jobrun WHERE name = 'tasks.escalate'")
    assert runs == [(1, "succeeded")]
    events = _query(
        database,
        "SELECT count(*) FROM cases_caseevent WHERE case_id = ? AND kind = 'task_escalated'",
        task.case_id,
    )
    assert events == [(1,)]
    told = _query(
        database,
        "SELECT recipient, count(*) FROM jobs_outboxemail "
        "WHERE subject LIKE '%Overdue task%' GROUP BY recipient",
    )
    assert told and all(count == 1 for _, count in told)
    assert all(
        sent for (sent,) in _query(database, "SELECT sent_at FROM jobs_outboxemail")
    )  # the escalation e-mails went out (console backend in the demo settings)


@pytest.mark.django_db(transaction=True)
def test_accord_serve_alone_escalates_an_overdue_task(people, tmp_path):
    task, database, _ = _run_servers(1, people, tmp_path)
    _assert_escalated_once(task, database)


@pytest.mark.django_db(transaction=True)
def test_two_servers_on_one_database_escalate_it_once(people, tmp_path):
    task, database, logs = _run_servers(2, people, tmp_path)
    _assert_escalated_once(task, database)
    holders = {
        line.split("runner ", 1)[1].split(" ", 1)[0]
        for log in logs
        for line in log.read_text(errors="replace").splitlines()
        if line.startswith("Periodic jobs: runner")
    }
    assert len(holders) == 2  # both servers ran a runner; one of them won the job
