"""Benchmark: what the periodic job runner and the mail outbox cost (issue 15).

    .venv/bin/python bench/bench_jobs.py [--runs 200] [--mails 2000] [--db var/bench-jobs.sqlite3]

On a fresh SQLite file (WAL) with every Accord job registered, times:
- an idle tick (nothing due: one read, no write lock), against the baseline of one indexed
  single-row read of the same table;
- the overhead of one claimed run of a no-op job (claim UPDATE, record UPDATE);
- outbox delivery with Django's in-memory backend: queue N e-mails, deliver them, per message.
Prints p50/p95 in ms and the ratios. The runner ticks once a minute, so an idle tick's cost is
what every running server pays per minute for having duties run by themselves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--db", default=str(REPO / "var" / "bench-jobs.sqlite3"))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings.test")
    from django.conf import settings

    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    settings.DATABASES["default"]["NAME"] = str(db)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from accord.jobs.models import JobRun, OutboxEmail
    from accord.jobs.registry import Job, registered
    from accord.jobs.services import job_run, jobs_ensure_rows, jobs_run_due
    from accord.mail import outbox_deliver

    now = timezone.now()
    names = [job.name for job in registered()]
    jobs_ensure_rows(names=names, now=now)
    JobRun.objects.update(next_due_at=now + timedelta(days=365))

    def timed(work) -> list[float]:
        samples = []
        for _ in range(args.runs):
            start = time.perf_counter()
            work()
            samples.append(time.perf_counter() - start)
        return samples

    baseline = timed(lambda: JobRun.objects.filter(name=names[0]).first())
    idle = timed(lambda: jobs_run_due(holder="bench", now=now))
    noop = Job("bench.noop", "No-op", timedelta(seconds=1), lambda when: "nothing")
    jobs_ensure_rows(names=[noop.name], now=now)
    clock = [now]

    def one_run() -> None:
        clock[0] += timedelta(seconds=1)
        assert job_run(job=noop, holder="bench", now=clock[0]) is not None

    runs = timed(one_run)
    print(f"SQLite, {len(names)} jobs registered, {args.runs} runs each; ms")
    print(f"{'what':<44} {'p50':>7} {'p95':>7} {'p50 / baseline':>15}")
    base50, _ = _ms(baseline)
    for label, samples in (
        ("baseline: one indexed single-row read", baseline),
        ("idle tick (nothing due)", idle),
        ("one claimed run of a no-op job", runs),
    ):
        p50, p95 = _ms(samples)
        print(f"{label:<44} {p50:7.2f} {p95:7.2f} {p50 / base50:14.1f}x")

    # stored as email_queue stores them, without its on-commit send (the test settings run
    # tasks immediately), so that the delivery pass below does all the sending
    OutboxEmail.objects.bulk_create(
        OutboxEmail(
            recipient=f"u{i}@x.invalid",
            subject=f"Bench {i}",
            body="Sign in to see it.",
            created_at=now,
            next_attempt_at=now,
        )
        for i in range(args.mails)
    )
    start = time.perf_counter()
    sent = 0
    while True:
        report = outbox_deliver(limit=200)
        if not report.sent:
            break
        sent += report.sent
    spent = time.perf_counter() - start
    print(
        f"outbox: {sent} e-mails delivered (in-memory backend) in {spent:.2f} s, "
        f"{spent / max(sent, 1) * 1000:.2f} ms each, {sent / spent:.0f} per second"
    )


if __name__ == "__main__":
    main()
