"""The runner claims each due job once, records what it did, retries failures; cron still works."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError
from django.test import override_settings

from accord.audit.events import AuditEventType
from accord.audit.testing import assert_audited, audit_mark
from accord.jobs import registry, services
from accord.jobs.models import JobOutcome, JobRun
from accord.jobs.registry import Job
from accord.jobs.selectors import jobs_status
from accord.jobs.services import job_claim, job_recorded, jobs_run_due

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-12-07T09:00:00+00:00")


class Counter:
    """A job function that counts its runs (and fails while ``failing`` is set)."""

    def __init__(self) -> None:
        self.calls: list[datetime] = []
        self.failing = False

    def __call__(self, now: datetime) -> str:
        self.calls.append(now)
        if self.failing:
            raise RuntimeError("the directory server did not answer")
        return f"{len(self.calls)} done"


@pytest.fixture
def jobs(monkeypatch):
    """Two fake jobs instead of the real ones: every 5 minutes and daily."""
    quick, daily = Counter(), Counter()
    monkeypatch.setattr(
        registry,
        "JOBS",
        {
            "test.quick": Job("test.quick", "Quick duty", timedelta(minutes=5), quick),
            "test.daily": Job("test.daily", "Daily duty", timedelta(days=1), daily),
        },
    )
    return quick, daily


def test_every_duty_of_the_issue_is_registered():
    assert set(registry.JOBS) == {
        "tasks.escalate",
        "conflicts.escalate",
        "training.expiry",
        "users.disable_inactive",
        "directory.stale",
        "relief.remind",
        "mail.deliver",
        "reports.case_counts",
        "audit.seal_reads",
    }
    assert registry.JOBS["tasks.escalate"].every == timedelta(minutes=5)
    assert registry.JOBS["training.expiry"].every == timedelta(days=1)


def test_a_due_job_runs_once_and_is_next_due_one_interval_after_it_started(jobs):
    quick, daily = jobs
    first = jobs_run_due(holder="a", now=T0)
    assert [(r.name, r.summary) for r in first] == [
        ("test.daily", "1 done"),
        ("test.quick", "1 done"),
    ]
    assert jobs_run_due(holder="b", now=T0 + timedelta(minutes=4)) == []
    assert [r.name for r in jobs_run_due(holder="b", now=T0 + timedelta(minutes=5))] == [
        "test.quick"
    ]
    assert len(quick.calls) == 2 and len(daily.calls) == 1
    row = JobRun.objects.get(name="test.quick")
    assert row.outcome == JobOutcome.SUCCEEDED and row.summary == "2 done"
    assert row.next_due_at == T0 + timedelta(minutes=10)
    assert row.holder == "" and row.lease_until is None and row.runs == 2
    assert JobRun.objects.get(name="test.daily").next_due_at == T0 + timedelta(days=1)


def test_a_job_held_by_another_runner_waits_for_its_lease_to_expire(jobs):
    quick, _ = jobs
    jobs_run_due(holder="setup", now=T0 - timedelta(days=2))  # rows exist, both due long ago
    quick.calls.clear()
    job = registry.JOBS["test.quick"]
    assert job_claim(job=job, holder="machine-1", now=T0)  # machine 1 is running it
    assert not job_claim(job=job, holder="machine-2", now=T0)
    assert "test.quick" not in [r.name for r in jobs_run_due(holder="machine-2", now=T0)]
    assert quick.calls == []
    # machine 1 died mid-run: after the lease another runner takes the job over
    later = T0 + job.lease + timedelta(seconds=1)
    assert [r.name for r in jobs_run_due(holder="machine-2", now=later)] == ["test.quick"]
    assert quick.calls == [later]


def test_a_failing_job_is_recorded_audited_and_tried_again_later_while_others_run(jobs):
    _quick, daily = jobs
    daily.failing = True
    mark = audit_mark()
    results = {r.name: r for r in jobs_run_due(holder="a", now=T0)}
    assert not results["test.daily"].succeeded and results["test.quick"].succeeded
    row = JobRun.objects.get(name="test.daily")
    assert row.outcome == JobOutcome.FAILED and row.failures_in_a_row == 1
    assert row.error == "RuntimeError: the directory server did not answer"
    assert row.next_due_at == T0 + timedelta(hours=1)  # a daily job is retried within the hour
    assert row.lease_until is None  # the failure released the job
    assert_audited(
        AuditEventType.PERIODIC_JOB_FAILED,
        object_type="periodic_job",
        object_id="test.daily",
        outcome="failure",
        since=mark,
    )
    daily.failing = False
    jobs_run_due(holder="a", now=T0 + timedelta(hours=1))
    row.refresh_from_db()
    assert row.outcome == JobOutcome.SUCCEEDED and row.failures_in_a_row == 0
    assert row.next_due_at == T0 + timedelta(hours=1, days=1)


def test_an_interval_set_in_the_settings_overrides_the_default(jobs):
    with override_settings(ACCORD_JOB_INTERVALS={"test.quick": timedelta(minutes=1)}):
        jobs_run_due(holder="a", now=T0)
        assert JobRun.objects.get(name="test.quick").next_due_at == T0 + timedelta(minutes=1)


def test_a_run_by_hand_is_recorded_and_counts_as_the_interval_run(jobs):
    quick, _ = jobs
    with job_recorded("test.quick", now=T0) as run:
        run.summary = "3 things done by hand"
    row = JobRun.objects.get(name="test.quick")
    assert (row.summary, row.last_trigger) == ("3 things done by hand", "command")
    assert "test.quick" not in [r.name for r in jobs_run_due(holder="a", now=T0)]
    assert quick.calls == []


def test_the_cron_command_records_its_run_in_the_same_table(capsys):
    call_command("tasks_escalate")
    row = JobRun.objects.get(name="tasks.escalate")
    assert row.outcome == JobOutcome.SUCCEEDED and row.last_trigger == "command"
    assert row.summary == "0 overdue task(s) escalated"


def test_a_cron_command_refuses_while_a_runner_holds_the_job():
    jobs_run_due(holder="setup", now=T0 - timedelta(days=2))
    job = registry.JOBS["conflicts.escalate"]
    assert job_claim(job=job, holder="web-2:4711:1", now=datetime.now().astimezone())
    with pytest.raises(CommandError, match="running in another process \\(web-2:4711:1\\)"):
        call_command("conflicts_escalate")


class DatabaseAway:
    """``job_finish`` refusing while ``away`` (the database dropped after the work was done)."""

    def __init__(self, finish) -> None:
        self.finish = finish
        self.away = True

    def __call__(self, **kwargs):
        if self.away:
            raise DatabaseError("server closed the connection unexpectedly")
        return self.finish(**kwargs)


def test_a_run_whose_end_cannot_be_recorded_is_not_run_again_for_its_due_time(jobs, monkeypatch):
    _quick, daily = jobs
    jobs_run_due(holder="setup", now=T0 - timedelta(days=2))
    daily.calls.clear()
    fault = DatabaseAway(services.job_finish)
    monkeypatch.setattr(services, "job_finish", fault)
    assert [r.name for r in jobs_run_due(holder="a", now=T0)] == ["test.daily", "test.quick"]
    row = JobRun.objects.get(name="test.daily")
    assert row.outcome == JobOutcome.RUNNING and row.next_due_at == T0 + timedelta(days=1)
    assert jobs_run_due(holder="a", now=T0 + timedelta(minutes=1)) == []  # still away
    fault.away = False
    jobs_run_due(holder="a", now=T0 + timedelta(minutes=2))  # the kept end is recorded first
    row.refresh_from_db()
    assert (row.outcome, row.summary, row.runs) == (JobOutcome.SUCCEEDED, "1 done", 2)
    assert row.lease_until is None and row.next_due_at == T0 + timedelta(days=1)
    # long after the lease would have expired, another runner does not run it again
    later = T0 + registry.JOBS["test.daily"].lease + timedelta(minutes=1)
    assert "test.daily" not in [r.name for r in jobs_run_due(holder="b", now=later)]
    assert daily.calls == [T0]
    assert [r.name for r in jobs_run_due(holder="b", now=T0 + timedelta(days=1))] == [
        "test.daily",
        "test.quick",
    ]
    assert daily.calls == [T0, T0 + timedelta(days=1)]


def test_an_interrupted_run_is_run_again_once_then_waits_for_its_due_time(jobs):
    _quick, daily = jobs
    jobs_run_due(holder="setup", now=T0 - timedelta(days=2))
    daily.calls.clear()
    job = registry.JOBS["test.daily"]
    assert job_claim(job=job, holder="machine-1", now=T0)  # machine 1 dies mid-run
    expired = T0 + job.lease + timedelta(seconds=1)
    assert [(s.interrupted, s.state) for s in jobs_status(now=expired) if s.name == job.name] == [
        (True, "Interrupted")
    ]
    assert job_claim(job=job, holder="machine-2", now=expired)  # run again once; it dies too
    again = expired + job.lease + timedelta(seconds=1)
    assert "test.daily" not in [r.name for r in jobs_run_due(holder="machine-3", now=again)]
    assert daily.calls == []
    due = expired + job.every
    assert "test.daily" in [r.name for r in jobs_run_due(holder="machine-3", now=due)]
    row = JobRun.objects.get(name=job.name)
    assert row.outcome == JobOutcome.SUCCEEDED and row.failures_in_a_row == 0
    assert [s.interrupted for s in jobs_status(now=due) if s.name == job.name] == [False]
